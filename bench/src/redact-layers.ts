// Throughput of the redaction engine against an earlier build of it, in the same run: 64 KiB blocks
// and one call per line over ~5 MB of generated log text, in CPU time, best of interleaved rounds. Also the
// engine with ten known secrets registered. Prints MB/s and the ratio to the earlier build.
// Run: npx tsc -b bench && REDACT_BASELINE=/tmp/redact-before node bench/dist/redact-layers.js
import { pathToFileURL } from 'node:url';
import { createKnownSecrets, createRedactor } from '@glovebox/redact';
import { generateLogText } from '@glovebox/redact/testing';

const baselineDir = process.env['REDACT_BASELINE'];
if (baselineDir === undefined) {
  console.error('set REDACT_BASELINE to the dist directory of the earlier build');
  process.exit(2);
}
const baseline = (await import(pathToFileURL(`${baselineDir}/index.js`).href)) as {
  createRedactor: typeof createRedactor;
};
const MB = Number(process.env['BENCH_MB'] ?? 5);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const text = generateLogText(MB * 1_000_000, 3);
const blocks: string[] = [];
for (let i = 0; i < text.length; i += 65536) blocks.push(text.slice(i, i + 65536));
const lines = text.split('\n').map((l) => `${l}\n`);

const known = createKnownSecrets();
for (let i = 0; i < 10; i++) known.add(`known-secret-${i}-${'x'.repeat(i)}-Zq8v`, 'PASSWORD');
const engines = {
  before: baseline.createRedactor({ level: 'standard' }),
  now: createRedactor({ level: 'standard' }),
  'now + 10 known secrets': createRedactor({ level: 'standard', knownSecrets: known }),
};

/** MB per second of this process's CPU time (user + system): other load on the machine counts less. */
function rate(r: { redactText(t: string): { text: string } }, units: string[]): number {
  const t0 = process.cpuUsage();
  let bytes = 0;
  for (const u of units) {
    r.redactText(u);
    bytes += u.length;
  }
  const used = process.cpuUsage(t0);
  return bytes / 1e6 / ((used.user + used.system) / 1e6);
}

const best: Record<string, { block: number; line: number }> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, r] of Object.entries(engines)) {
    const b = (best[name] ??= { block: 0, line: 0 });
    b.block = Math.max(b.block, rate(r, blocks));
    b.line = Math.max(b.line, rate(r, lines));
  }
}
const base = best['before']!;
console.log(`${(text.length / 1e6).toFixed(1)} MB of logs, best of ${ROUNDS} interleaved rounds`);
for (const [name, b] of Object.entries(best))
  console.log(
    `${name.padEnd(24)} blocks ${b.block.toFixed(1).padStart(6)} MB/s (x${(b.block / base.block).toFixed(2)})` +
      `   lines ${b.line.toFixed(1).padStart(6)} MB/s (x${(b.line / base.line).toFixed(2)})`,
  );
