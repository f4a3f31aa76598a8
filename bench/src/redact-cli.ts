// `glovebox redact` as a whole process against the library's block throughput, in CPU time (this
// machine is shared: CPU time of the measured process is far steadier than a stopwatch).
// Per input size: the library in this process on 64 KiB blocks (warm: best of four passes after
// 40 MB of warm-up, since V8 compiles for about 20 MB), the library in a fresh process (module
// load, engine set-up and one cold pass) and each CLI (start-up included), each a median over runs,
// the CLIs interleaved run by run. The ratio that counts is the CLI's CPU time over the warm
// library's.
// A process's CPU time is split into its main thread and V8's background threads (TurboFan
// compiling hot functions, concurrent GC), read from /proc (Linux; elsewhere only the total).
// With two sizes or more it also reports the marginal rate between the smallest and the largest
// (what each further MB costs, start-up and warm-up cancelled out) and where the CLI's cold cost
// at the smallest size goes: start-up, the main thread beyond the warm pass (code running before
// it is optimised, lazy compilation, reading and writing) and background threads. Last, the CPU time
// of each 5 MB of one fresh pass over the largest input: how far in V8 is still warming up.
// Run: npx tsc -b bench && node bench/dist/redact-cli.js [sizesMB=5,50] [runs=5] [glovebox,…]
// Without a path it measures the repository's CLI (apps/cli/bin/glovebox.js); give the packed one
// (`npm run pack:cli -- --out DIR`, unpacked: DIR/package/bin/glovebox.mjs) to measure what users
// install, or several, comma-separated, to compare builds in one run.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRedactor } from '@glovebox/redact';
import { generateLogText } from '@glovebox/redact/testing';

const SIZES = (process.argv[2] ?? '5,50').split(',').map(Number);
const RUNS = Number(process.argv[3] ?? 5);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BINS = (process.argv[4] ?? join(ROOT, 'apps/cli/bin/glovebox.js'))
  .split(',')
  .map((p) => realpathSync(p));
const BLOCK = 65536;
const MB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'gbx-redact-cli-'));

/** CPU time of one process: all threads, and its main thread alone (NaN where /proc is missing). */
interface Cpu {
  total: number;
  main: number;
}

// Preloaded into each measured process: its CPU time (rusage, every thread) and its main thread's
// (schedstat, nanoseconds), written to fd 3 as it exits.
const reporter = join(dir, 'cpu.mjs');
writeFileSync(
  reporter,
  "import { readFileSync, writeSync } from 'node:fs';\n" +
    "process.on('exit', () => {\n" +
    '  const u = process.cpuUsage();\n' +
    "  let main = 'NaN';\n" +
    "  try { main = String(Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6); } catch {}\n" +
    '  writeSync(3, `${(u.user + u.system) / 1000} ${main}`);\n' +
    '});\n',
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

// One fresh process, one pass: the CPU time of each 5 MB of it (main thread + background threads),
// written to stdout: how far into the input V8 is still warming up.
const SEGMENT = 5 * MB;
const warmUpCurve = join(dir, 'warm-up.mjs');
writeFileSync(
  warmUpCurve,
  `import { readFileSync } from 'node:fs';\n` +
    `import { createRedactor } from ${JSON.stringify(pathToFileURL(join(ROOT, 'packages/redact/dist/index.js')).href)};\n` +
    `const text = readFileSync(process.argv[2], 'utf8');\n` +
    `const r = createRedactor();\n` +
    "const main = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;\n" +
    'const total = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };\n' +
    'const out = [];\n' +
    'let m0 = main(), t0 = total();\n' +
    `for (let i = 0; i < text.length; i += ${BLOCK}) {\n` +
    `  r.redactText(text.slice(i, i + ${BLOCK}));\n` +
    `  if ((i + ${BLOCK}) % ${SEGMENT} === 0) { const m = main(), t = total(); out.push([m - m0, t - t0 - (m - m0)]); m0 = m; t0 = t; }\n` +
    '}\n' +
    'process.stdout.write(JSON.stringify(out));\n',
);

/** CPU time of one process run with `input` on stdin (output discarded). */
function processCpu(argv: string[], input: string): Promise<Cpu> {
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
      else {
        const [total, main] = report.split(' ').map(Number);
        resolve({ total: total!, main: main! });
      }
    });
    if (input === '') child.stdin!.end();
    else child.stdin!.end(readFileSync(input));
  });
}

/** V8 is still compiling the engine's functions this far into a first pass (see the last line). */
const WARM_UP = 40 * MB;

function warmLibraryCpu(text: string): number {
  const r = createRedactor();
  for (let done = 0; done < WARM_UP; done += text.length)
    for (let i = 0; i < text.length; i += BLOCK) r.redactText(text.slice(i, i + BLOCK));
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
const medianCpu = (xs: Cpu[]): Cpu => ({
  total: median(xs.map((x) => x.total)),
  main: median(xs.map((x) => x.main)),
});

/** Medians of each command over RUNS rounds, the commands interleaved within a round. */
async function interleaved(commands: Array<() => Promise<Cpu>>): Promise<Cpu[]> {
  const samples: Cpu[][] = commands.map(() => []);
  for (let i = 0; i < RUNS; i++) for (const [k, run] of commands.entries()) samples[k]!.push(await run());
  return samples.map(medianCpu);
}

const ms = (x: number) => x.toFixed(0);
/** `total ms (main + background)`, or the total alone without per-thread figures. */
const split = (c: Cpu) =>
  Number.isNaN(c.main) ? ms(c.total) : `${ms(c.total)} (${ms(c.main)} + ${ms(c.total - c.main)})`;
const rate = (mb: number, msCpu: number) => (mb / (msCpu / 1000)).toFixed(1);
const cliLabel = (k: number) => `CLI ${String.fromCharCode(65 + k)}`;

try {
  console.log(`glovebox redact vs the library, CPU ms, median of ${RUNS}`);
  BINS.forEach((b, k) => console.log(`${cliLabel(k)}: ${b}`));
  const empty = join(dir, 'empty.log');
  writeFileSync(empty, '');
  const starts = await interleaved([
    () => processCpu(['-e', ''], empty),
    ...BINS.map((b) => () => processCpu([b, 'redact'], empty)),
  ]);
  const nodeOnly = starts[0]!;
  const startUp = starts.slice(1);
  console.log(
    `start-up (empty input), ms (main thread + background threads): node -e '' ${split(nodeOnly)}; ` +
      startUp.map((c, k) => `${cliLabel(k)} ${split(c)}`).join('; '),
  );
  console.log(
    'MB | library warm ms (MB/s) | library fresh process ms | ' +
      BINS.map((_, k) => `${cliLabel(k)} ms (main + background) (MB/s) | / warm`).join(' | '),
  );
  const rows: Array<{ size: number; warm: number; clis: Cpu[] }> = [];
  for (const size of SIZES) {
    const file = join(dir, `${size}.log`);
    const text = generateLogText(size * MB, 20240901);
    writeFileSync(file, text);
    const warm = warmLibraryCpu(text);
    const [fresh, ...clis] = await interleaved([
      () => processCpu([freshLibrary, file], ''),
      ...BINS.map((b) => () => processCpu([b, 'redact'], file)),
    ]);
    rows.push({ size, warm, clis });
    const cells = clis.map((c) => `${split(c)} (${rate(size, c.total)}) | ×${(c.total / warm).toFixed(2)}`);
    console.log(`${size} | ${ms(warm)} (${rate(size, warm)}) | ${split(fresh!)} | ${cells.join(' | ')}`);
  }
  if (rows.length >= 2) report(rows, startUp);
  const largest = rows[rows.length - 1]!;
  if (largest.size * MB >= 2 * SEGMENT && existsSync('/proc/thread-self/schedstat'))
    warmUpReport(join(dir, `${largest.size}.log`), largest);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Marginal rates between the smallest and largest size, and the cold cost at the smallest. */
function report(rows: Array<{ size: number; warm: number; clis: Cpu[] }>, startUp: Cpu[]): void {
  const small = rows[0]!;
  const large = rows[rows.length - 1]!;
  const mb = large.size - small.size;
  const warmRate = mb / ((large.warm - small.warm) / 1000);
  console.log(
    `marginal ${small.size} → ${large.size} MB: library warm ${warmRate.toFixed(1)} MB/s; ` +
      large.clis
        .map((c, k) => {
          const cliRate = mb / ((c.total - small.clis[k]!.total) / 1000);
          return `${cliLabel(k)} ${cliRate.toFixed(1)} MB/s (×${(warmRate / cliRate).toFixed(2)} the warm library's CPU per MB)`;
        })
        .join('; '),
  );
  console.log(
    `cold cost at ${small.size} MB (CLI − warm library ${ms(small.warm)} ms): ` +
      small.clis
        .map((c, k) => {
          const s = startUp[k]!;
          const cold = c.total - small.warm;
          if (Number.isNaN(c.main)) return `${cliLabel(k)} ${ms(cold)} ms`;
          const background = c.total - c.main;
          const warmUp = c.main - s.main - small.warm;
          return (
            `${cliLabel(k)} ${ms(cold)} ms = start-up ${ms(s.total)} + ` +
            `main thread beyond the warm pass ${ms(warmUp)} + background threads ${ms(background - (s.total - s.main))}`
          );
        })
        .join('; '),
  );
}

/** Per 5 MB of one fresh pass over the largest input, medians over runs, against the warm pass. */
function warmUpReport(file: string, row: { size: number; warm: number }): void {
  const runs: Array<Array<[number, number]>> = [];
  for (let i = 0; i < RUNS; i++)
    runs.push(JSON.parse(execFileSync(process.execPath, [warmUpCurve, file], { encoding: 'utf8' })));
  const cells = runs[0]!.map((_, k) => {
    const main = median(runs.map((r) => r[k]![0]));
    const background = median(runs.map((r) => r[k]![1]));
    return `${ms(main)} + ${ms(background)}`;
  });
  const warmSegment = (row.warm * SEGMENT) / (row.size * MB);
  console.log(
    `warm-up, library in one fresh process over ${row.size} MB, CPU ms per 5 MB (main + background), ` +
      `warm pass ${ms(warmSegment)}: ${cells.join(' | ')}`,
  );
}
