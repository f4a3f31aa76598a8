/**
 * The live debugger side by side in one process (this machine is noisy, so every figure is a ratio
 * or a median against a baseline measured in the same run). The main thread runs a hot async loop
 * (`handle` awaits, then calls the synchronous `step`); the debugger module runs in a worker, as in
 * the agent. Phases:
 *   baseline   no debugger at all (the worker is not started yet)
 *   idle       the module loaded, its runtime injected (one eval), no probe
 *   cold       a logpoint on a line that never runs
 *   hot        a logpoint on the hot line at the default rate (10/s): throughput, lines, sampling
 * then install/remove cost on the hot loop (one-shot snapshots: LiveEdit on the sync function, the
 * breakpoint technique on the async one), as main-thread stall per operation, against the stall of
 * equally long windows without an operation; and the snapshot pause at 30 frames.
 *
 * Run: npx tsc -b bench && node bench/dist/debug-live.js [phaseSeconds=10] [hotSeconds=60] [operations=20] [rounds=3]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setImmediate as tick } from 'node:timers/promises';
import { ModuleClient, fmt, median, quantile } from './debug-common.js';
import { atDepth, deepStep, handle, step } from './debug-live-target.js';
// Loaded so that its never-called line exists in V8 for the cold probe.
import './debug-live-cold.js';

const phaseSeconds = Number(process.argv[2] ?? 10);
const hotSeconds = Number(process.argv[3] ?? 60);
const operations = Number(process.argv[4] ?? 20);
const roundsWanted = Number(process.argv[5] ?? 3);

const at = (marker: string): string => {
  const file = marker === 'cold' ? './debug-live-cold.js' : './debug-live-target.js';
  const path = fileURLToPath(new URL(file, import.meta.url));
  const lines = readFileSync(path, 'utf8').split('\n');
  return `${path}:${lines.findIndex((l) => l.includes(`PROBE: ${marker}`)) + 1}`;
};

/** Main-thread gaps longer than this are stalls (an iteration of the loop takes well under it). */
const GAP_MS = 0.3;
const gaps: Array<{ at: number; ms: number }> = [];
let calls = 0;
let running = true;

async function hotLoop(): Promise<void> {
  let last = performance.now();
  while (running) {
    for (let k = 0; k < 4096; k++) {
      await handle(calls++);
      if ((k & 15) === 0) {
        const now = performance.now();
        if (now - last > GAP_MS) gaps.push({ at: now, ms: now - last });
        last = now;
      }
    }
    if (gaps.length > 200_000) gaps.splice(0, 100_000);
    await tick();
    last = performance.now();
  }
}

async function throughput(seconds: number): Promise<number> {
  const c0 = calls;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return ((calls - c0) * 1000) / (performance.now() - t0);
}

/** Sum of main-thread stalls in [t0, t1]. */
function stallIn(t0: number, t1: number): { total: number; max: number } {
  let total = 0;
  let max = 0;
  for (const g of gaps) {
    if (g.at < t0 || g.at - g.ms > t1) continue;
    total += g.ms;
    max = Math.max(max, g.ms);
  }
  return { total, max };
}

interface Outcome {
  result: {
    technique: string;
    status: string;
    installMs?: number;
    lines?: number;
    sampling?: { ratio: number };
  };
}

async function oneShot(
  client: ModuleClient,
  marker: string,
): Promise<{ stall: number; max: number; technique: string; installMs: number; windowMs: number }> {
  const t0 = performance.now();
  const out = await client.call<Outcome>('snapshot', { location: at(marker), waitMs: 5000 }).done;
  const t1 = performance.now();
  await tick();
  const s = stallIn(t0, t1);
  const installMs = out.result.installMs ?? NaN;
  return { stall: s.total, max: s.max, technique: out.result.technique, installMs, windowMs: t1 - t0 };
}

async function quietStall(ms: number): Promise<number> {
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  return stallIn(t0, performance.now()).total;
}

async function snapshotPause(
  client: ModuleClient,
  n: number,
): Promise<{ captured: number[]; plain: number[] }> {
  const durations = new Map<number, number>();
  const pending = client.call<{
    result: { captures: Array<{ frames: Array<{ locals?: { marker?: number } }> }> };
  }>('snapshot', { location: at('deep'), waitMs: 60_000, hits: n });
  let finished = false;
  void pending.done.finally(() => (finished = true));
  for (let i = 0; !finished && i < 1_000_000; i++) {
    const t0 = process.hrtime.bigint();
    atDepth(27, () => deepStep(i));
    durations.set(i, Number(process.hrtime.bigint() - t0) / 1000);
    await tick();
  }
  const out = await pending.done;
  const capturedIds = new Set(out.result.captures.map((c) => c.frames[0]?.locals?.marker));
  const captured: number[] = [];
  const plain: number[] = [];
  for (const [i, d] of durations) (capturedIds.has(i) ? captured : plain).push(d);
  return { captured, plain };
}

interface Round {
  baseline: number;
  idle: number;
  cold: number;
  hot: number;
  lines: number;
  sampling: number;
  technique: string;
}

async function round(): Promise<Round> {
  const baseline = await throughput(phaseSeconds);
  const client = new ModuleClient({});
  await client.call('eval', { expression: '1 + 1', timeoutMs: 1000 }).done;
  const idle = await throughput(phaseSeconds);
  const coldCall = client.call<Outcome>('logpoint', {
    location: at('cold'),
    template: 'y={y}',
    durationMs: phaseSeconds * 1000 + 2000,
  });
  await new Promise((r) => setTimeout(r, 1000));
  const cold = await throughput(phaseSeconds);
  await coldCall.done;
  let lines = 0;
  const hotCall = client.call<Outcome>(
    'logpoint',
    { location: at('hot-sync'), template: 'doubled={doubled} i={i}', durationMs: hotSeconds * 1000 },
    () => lines++,
  );
  const hot = await throughput(hotSeconds);
  const hotOut = await hotCall.done;
  await client.close();
  // Closing restores the code with LiveEdit, which deoptimizes it: let it warm up again.
  await new Promise((r) => setTimeout(r, 3000));
  return {
    baseline,
    idle,
    cold,
    hot,
    lines,
    sampling: hotOut.result.sampling?.ratio ?? NaN,
    technique: hotOut.result.technique,
  };
}

/** Per-hit cost with nothing emitted: a tight synchronous loop over the probed line, alternating windows. */
async function perHitCost(client: ModuleClient): Promise<{ ns: number; base: number[]; probed: number[] }> {
  const N = 20_000_000;
  const spin = (): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) step(i);
    return Number(process.hrtime.bigint() - t0) / N;
  };
  const base: number[] = [];
  const probed: number[] = [];
  for (let r = 0; r < 5; r++) {
    spin(); // re-optimize after the previous round's restore
    base.push(spin());
    await tick();
    const call = client.call<Outcome>('logpoint', {
      location: at('hot-sync'),
      template: 'i={i}',
      durationMs: 60_000,
    });
    await new Promise((res) => setTimeout(res, 300));
    probed.push(spin());
    await client.send({ type: 'endSession', sessionId: 'bench' }).done;
    await call.done;
  }
  return { ns: median(probed) - median(base), base, probed };
}

const loop = hotLoop();
await new Promise((r) => setTimeout(r, 5000)); // JIT warm-up
const rounds: Round[] = [];
for (let r = 0; r < roundsWanted; r++) {
  rounds.push(await round());
  const x = rounds[rounds.length - 1]!;
  process.stderr.write(
    `round ${r + 1}: baseline ${fmt(x.baseline / 1e6, 2)} M/s idle ${fmt(x.idle / x.baseline, 3)} cold ${fmt(x.cold / x.baseline, 3)} hot ${fmt(x.hot / x.baseline, 3)} lines ${x.lines}\n`,
  );
}

const client = new ModuleClient({ maxHits: 1000, snapshotsPerSecond: 1000, globalPerSecond: 1000 });
const ops: Record<
  string,
  { stall: number[]; max: number[]; quiet: number[]; install: number[]; window: number[]; technique: string }
> = {};
for (const marker of ['hot-sync', 'hot-async']) {
  const o = (ops[marker] = {
    stall: [] as number[],
    max: [] as number[],
    quiet: [] as number[],
    install: [] as number[],
    window: [] as number[],
    technique: '',
  });
  // The first one-shot on a statement inserts its hook; the next ones re-arm it (no LiveEdit).
  for (let i = 0; i < operations; i++) {
    const t0 = performance.now();
    const r = await oneShot(client, marker);
    o.stall.push(r.stall);
    o.max.push(r.max);
    o.install.push(r.installMs);
    o.window.push(r.windowMs);
    o.technique = r.technique;
    o.quiet.push(await quietStall(performance.now() - t0));
  }
}
running = false;
await loop;
const perHit = await perHitCost(client);
const pause = await snapshotPause(client, 40);
await client.close();

const ratio = (k: 'idle' | 'cold' | 'hot'): string => fmt(median(rounds.map((r) => r[k] / r.baseline)), 3);
console.log(
  `debug-live: one process, hot async loop on the main thread, debugger module in a worker; ${rounds.length} rounds (medians of per-round ratios to the round's own baseline)`,
);
console.log(
  `  baseline (no debugger)        ${fmt(median(rounds.map((r) => r.baseline)) / 1e6, 2)} M calls/s`,
);
console.log(`  idle (runtime injected)       ratio ${ratio('idle')}`);
console.log(`  cold probe                    ratio ${ratio('cold')}`);
console.log(
  `  hot logpoint, default rate, ${hotSeconds} s (${rounds[0]?.technique}): ratio ${ratio('hot')}, ${median(rounds.map((r) => r.lines))} lines (${fmt(median(rounds.map((r) => r.lines)) / hotSeconds, 1)}/s), sampling ratio ${median(rounds.map((r) => r.sampling))}`,
);
for (const [marker, o] of Object.entries(ops)) {
  console.log(
    `  one-shot snapshot on ${marker} (${o.technique}): main-thread stall per install+capture+remove p50 ${fmt(median(o.stall), 1)} ms, p99 ${fmt(quantile(o.stall, 0.99), 1)} ms, longest single stall p50 ${fmt(median(o.max), 1)} ms; quiet windows of the same length p50 ${fmt(median(o.quiet), 1)} ms, p99 ${fmt(quantile(o.quiet, 0.99), 1)} ms (n=${o.stall.length}); stall / quiet p50 ${fmt(median(o.stall) / median(o.quiet), 2)}, p99 ${fmt(quantile(o.stall, 0.99) / quantile(o.quiet, 0.99), 2)}; the operation took p50 ${fmt(median(o.window), 1)} ms, install cost (main-thread CPU time of its inspector round trips, as the installer reports it) p50 ${fmt(median(o.install), 2)} ms, p99 ${fmt(quantile(o.install, 0.99), 2)} ms, first ${fmt(o.install[0] ?? NaN, 2)} ms`,
  );
}
console.log(
  `  logpoint per-hit cost with nothing emitted (tight loop, ${fmt(median(perHit.base), 1)} ns/call bare): ${fmt(perHit.ns, 1)} ns per hit (median of 5 alternating windows)`,
);
console.log(
  `  snapshot pause at 30 frames: p50 ${fmt(median(pause.captured) / 1000, 3)} ms, p99 ${fmt(quantile(pause.captured, 0.99) / 1000, 3)} ms (n=${pause.captured.length}); the same call uncaptured p50 ${fmt(median(pause.plain) / 1000, 3)} ms`,
);
