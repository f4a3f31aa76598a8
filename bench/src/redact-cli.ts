// `glovebox redact` as a whole process against the library's block throughput, in CPU time (this
// machine is shared: CPU time of the measured process is far steadier than a stopwatch).
// Per input size: the library in this process on 64 KiB blocks (warm, best pass), the library in a
// fresh process (module load, engine set-up and one cold pass) and the CLI (start-up included),
// each a median over runs. The ratio that counts is the CLI's CPU time over the warm library's.
// Run: npx tsc -b bench && node bench/dist/redact-cli.js [sizesMB=5,50] [runs=5] [path/to/glovebox]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRedactor } from '@glovebox/redact';
import { generateLogText } from '@glovebox/redact/testing';

const SIZES = (process.argv[2] ?? '5,50').split(',').map(Number);
const RUNS = Number(process.argv[3] ?? 5);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = realpathSync(process.argv[4] ?? join(ROOT, 'apps/cli/bin/glovebox.js'));
const BLOCK = 65536;
const MB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'gbx-redact-cli-'));

// Preloaded into each measured process: its own CPU time, written to fd 3 as it exits.
const reporter = join(dir, 'cpu.mjs');
writeFileSync(
  reporter,
  "import { writeSync } from 'node:fs';\n" +
    "process.on('exit', () => { const u = process.cpuUsage(); writeSync(3, String((u.user + u.system) / 1000)); });\n",
);
const freshLibrary = join(dir, 'library.mjs');
writeFileSync(
  freshLibrary,
  `import { readFileSync } from 'node:fs';\n` +
    `import { createRedactor } from ${JSON.stringify(pathToFileURL(join(ROOT, 'packages/redact/dist/index.js')).href)};\n` +
    `const text = readFileSync(process.argv[2], 'utf8');\n` +
    `const r = createRedactor();\n` +
    `for (let i = 0; i < text.length; i += ${BLOCK}) r.redactText(text.slice(i, i + ${BLOCK}));\n`,
);

/** CPU ms of one process run with `input` on stdin (output discarded). */
function processCpu(argv: string[], input: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(reporter).href, ...argv], {
      stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
    });
    let report = '';
    let stderr = '';
    child.stdio[3]!.on('data', (d: Buffer) => (report += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr.slice(0, 300)}`));
      else resolve(Number(report));
    });
    if (input === '') child.stdin!.end();
    else child.stdin!.end(readFileSync(input));
  });
}

function warmLibraryCpu(text: string): number {
  const r = createRedactor();
  let best = Infinity;
  for (let pass = 0; pass < 4; pass++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < text.length; i += BLOCK) r.redactText(text.slice(i, i + BLOCK));
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  return best;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function medianOf(run: () => Promise<number>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await run());
  return median(xs);
}

try {
  console.log(`glovebox redact vs the library, CPU ms, median of ${RUNS}; CLI: ${BIN}`);
  const empty = join(dir, 'empty.log');
  writeFileSync(empty, '');
  const startUp = await medianOf(() => processCpu([BIN, 'redact'], empty));
  const nodeOnly = await medianOf(() => processCpu(['-e', ''], empty));
  console.log(`start-up (empty input): CLI ${startUp.toFixed(0)} ms, node -e '' ${nodeOnly.toFixed(0)} ms`);
  console.log('MB | library warm ms (MB/s) | library fresh process ms | CLI ms (MB/s) | CLI / library warm');
  for (const size of SIZES) {
    const file = join(dir, `${size}.log`);
    const text = generateLogText(size * MB, 20240901);
    writeFileSync(file, text);
    const warm = warmLibraryCpu(text);
    const fresh = await medianOf(() => processCpu([freshLibrary, file], ''));
    const cli = await medianOf(() => processCpu([BIN, 'redact'], file));
    const rate = (ms: number) => (size / (ms / 1000)).toFixed(1);
    console.log(
      `${size} | ${warm.toFixed(0)} (${rate(warm)}) | ${fresh.toFixed(0)} | ${cli.toFixed(0)} (${rate(cli)}) | ×${(cli / warm).toFixed(2)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
