// Redaction throughput in CPU time: the engine against @redactpii/node and secretlint (the two
// fast peers of redact-compare.ts) on ~5 MB of log text with sparse secrets, one call per line and
// in 64 KiB blocks. CPU time of this process (process.cpuUsage) instead of wall time, best of
// several interleaved passes: on a shared machine other work then slows the figures far less than
// it slows a stopwatch, which makes before/after comparisons of the engine usable.
// Run: npx tsc -b packages/redact bench && node --expose-gc bench/dist/redact-throughput.js [other]
//      (other: another build's packages/redact/dist/index.js, e.g. a worktree of an earlier commit,
//      measured in the same passes as "other build": before/after in one run)
//      (BENCH_MB to resize, BENCH_PASSES for the number of passes, default 7, BENCH_SKIP=secretlint
//      to leave a peer out: CPU time counts every thread, and secretlint leaves work running between
//      calls that is charged to whichever engine runs next)
import { createRedactor } from '@glovebox/redact';
import { generateLogText } from '@glovebox/redact/testing';

const MB = Number(process.env['BENCH_MB'] ?? 5);
const PASSES = Number(process.env['BENCH_PASSES'] ?? 7);
const SKIP = new Set((process.env['BENCH_SKIP'] ?? '').split(',').filter((s) => s !== ''));
const SEED = 20240901;
const OTHER_BUILD = process.argv[2];

interface Engine {
  name: string;
  redact(text: string): unknown;
}

async function peers(): Promise<Engine[]> {
  const { Redactor } = await import('@redactpii/node');
  const { lintSource } = await import('@secretlint/core');
  const { creator } = await import('@secretlint/secretlint-rule-preset-recommend');
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
  const rp = new Redactor();
  return [
    { name: '@redactpii/node', redact: (t) => rp.redact(t) },
    {
      name: 'secretlint',
      redact: async (t) => {
        const res = await lintSource({
          source: { content: t, filePath: '/stdin.log', ext: '.log', contentType: 'text' },
          options: { config, maskSecrets: true, noPhysicFilePath: true },
        });
        // secretlint leaves performance marks behind on every call
        performance.clearMarks();
        performance.clearMeasures();
        return res.messages.length;
      },
    },
  ];
}

/** The standard level of another build of the engine (its `createRedactor`). */
async function otherBuild(path: string): Promise<Engine> {
  const mod = (await import(path)) as { createRedactor: typeof createRedactor };
  const r = mod.createRedactor();
  return { name: 'other build', redact: (t: string) => r.redactText(t).text };
}

/** MB per CPU second for one pass over `units`. */
async function pass(engine: Engine, units: readonly string[]): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.cpuUsage();
  let chars = 0;
  for (const u of units) {
    await engine.redact(u);
    chars += u.length;
  }
  const used = process.cpuUsage(before);
  return chars / 1048576 / ((used.user + used.system) / 1e6);
}

async function main(): Promise<void> {
  const text = generateLogText(MB * 1024 * 1024, SEED);
  // Buffer round-trips give flat strings, as text decoded from a socket or pipe would be.
  const flat = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');
  const lines = text.split(/(?<=\n)/).map(flat);
  const blocks: string[] = [];
  for (let i = 0; i < text.length; i += 65536) blocks.push(flat(text.slice(i, i + 65536)));
  const engines: Engine[] = [
    ...(['standard', 'strict'] as const).map((level) => {
      const r = createRedactor({ level });
      return { name: `glovebox (${level})`, redact: (t: string) => r.redactText(t).text };
    }),
    ...(OTHER_BUILD === undefined ? [] : [await otherBuild(OTHER_BUILD)]),
    ...(await peers()).filter((p) => !SKIP.has(p.name)),
  ];
  const best = engines.map(() => ({ line: 0, block: 0 }));
  for (const e of engines) {
    // warm-up, so that every engine is measured optimised
    await pass(e, blocks);
    await pass(e, lines.slice(0, 5000));
  }
  for (let p = 0; p < PASSES; p++) {
    process.stderr.write(`pass ${p + 1}/${PASSES}\n`);
    for (const [k, e] of engines.entries()) {
      const b = best[k]!;
      b.block = Math.max(b.block, await pass(e, blocks));
      // secretlint needs seconds per MB one line at a time; a slice keeps the run short
      b.line = Math.max(b.line, await pass(e, e.name === 'secretlint' ? lines.slice(0, 2000) : lines));
    }
  }
  const firstPeer = OTHER_BUILD === undefined ? 2 : 3;
  const peer = (f: (b: { line: number; block: number }) => number): number =>
    Math.max(...best.slice(firstPeer).map(f));
  const peerLine = peer((b) => b.line);
  const peerBlock = peer((b) => b.block);
  console.log(
    `\nCPU-time throughput on ${(text.length / 1048576).toFixed(1)} MB of log text, best of ${PASSES} passes:`,
  );
  console.log(
    'engine'.padEnd(22) +
      'per line MB/s'.padStart(16) +
      '64 KiB MB/s'.padStart(14) +
      '  ratio vs fastest peer (line / block)',
  );
  for (const [k, e] of engines.entries()) {
    const b = best[k]!;
    console.log(
      e.name.padEnd(22) +
        b.line.toFixed(1).padStart(16) +
        b.block.toFixed(1).padStart(14) +
        `  ${(b.line / peerLine).toFixed(2)}x / ${(b.block / peerBlock).toFixed(2)}x`,
    );
  }
}

await main();
// The peers leave work behind that keeps the process busy long after the last call (seen as bench
// processes spinning for minutes after printing); the figures are out, so stop here.
process.exit(0);
