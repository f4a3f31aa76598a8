/**
 * Main-thread cost of one capture at about 30 frames of stack, against two baselines measured in the
 * same run: an empty breakpoint pause/resume, and a recursive Runtime.getProperties capture to depth 2
 * (dd-trace style), both from a worker with connectToMainThread().
 *
 * Also printed: p50/p99 over every call pooled (a per-round p99 of a few dozen calls is their
 * maximum), and the same without the calls during which the main thread was preempted (Linux
 * per-thread `nonvoluntary_ctxt_switches`, read around each call) or a garbage collection ran
 * (perf_hooks), to tell the capture's own cost from the machine's and the collector's.
 *
 * Run: npx tsc -b bench && node bench/dist/debug-capture.js [rounds] [callsPerRound ≤ 100]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setImmediate as tick } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { PerformanceObserver } from 'node:perf_hooks';
import { ModuleClient, fmt, median, quantile } from './debug-common.js';
import { atDepth, handler, makeRequest } from './debug-target.js';

const rounds = Number(process.argv[2] ?? '3');
const calls = Number(process.argv[3] ?? '40');
const DEPTH = 28; // + handler + the leaf arrow = 30 frames at the probe line

const targetUrl = new URL('./debug-target.js', import.meta.url);
const jsLines = readFileSync(fileURLToPath(targetUrl), 'utf8').split('\n');
const probeLine0 = jsLines.findIndex((l) => l.includes('PROBE: capture'));
const tsPath = fileURLToPath(new URL('../src/debug-target.ts', import.meta.url));
const tsLine =
  readFileSync(tsPath, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('PROBE: capture')) + 1;

/** Garbage collections seen: [start, end] in performance.now() milliseconds. */
const collections: [number, number][] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) collections.push([e.startTime, e.startTime + e.duration]);
}).observe({ entryTypes: ['gc'] });
/** Each timed call's window, by mode, in the order of its wall-time samples. */
const windows: Record<string, [number, number][]> = { none: [], pause: [], getprops: [], ours: [] };

const req = makeRequest(1);
const STATUS = `/proc/self/task/${process.pid}/status`;
/** The main thread's involuntary context switches so far (0 where Linux /proc is not available). */
function preemptions(): number {
  try {
    return Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(STATUS, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
/** Calls (by mode, in sample order) during which the main thread was preempted. */
const preempted: Record<string, boolean[]> = { none: [], pause: [], getprops: [], ours: [] };
let lastWindow: [number, number] = [0, 0];
let lastPreempted = false;
function timedCall(i: number): number {
  const p0 = preemptions();
  const w0 = performance.now();
  const t0 = process.hrtime.bigint();
  atDepth(DEPTH, () => handler(i, req));
  const wall = Number(process.hrtime.bigint() - t0) / 1000;
  lastWindow = [w0, performance.now()];
  lastPreempted = preemptions() !== p0;
  return wall;
}

async function baseline(mode: 'none' | 'pause' | 'getprops'): Promise<number[]> {
  const samples: number[] = [];
  let worker: Worker | undefined;
  if (mode !== 'none') {
    worker = new Worker(new URL('./debug-baseline-worker.js', import.meta.url), {
      workerData: { url: targetUrl.href, line: probeLine0, mode },
    });
    const w = worker;
    await new Promise<void>((resolve) => {
      w.once('message', () => resolve());
      w.postMessage('arm');
    });
  }
  for (let i = 0; i < calls; i++) {
    samples.push(timedCall(i));
    windows[mode]!.push(lastWindow);
    preempted[mode]!.push(lastPreempted);
    await tick();
  }
  if (worker !== undefined) {
    const w = worker;
    await new Promise<void>((resolve) => {
      w.once('message', () => resolve());
      w.postMessage('disarm');
    });
    await w.terminate();
  }
  return samples;
}

interface SnapshotOutcome {
  result: { technique: string; captures: Array<{ frames: Array<{ locals?: { marker?: number } }> }> };
}

/** Our module: snapshots of `calls` hits; the captured `marker` local says which calls were captures. */
async function ours(client: ModuleClient): Promise<{ samples: number[]; technique: string; frames: number }> {
  const durations = new Map<number, number>();
  const callWindows = new Map<number, [number, number]>();
  const callPreempted = new Map<number, boolean>();
  const pending = client.call<SnapshotOutcome>('snapshot', {
    location: `${tsPath}:${tsLine}`,
    waitMs: 60_000,
    hits: calls,
  });
  let finished = false;
  void pending.done.finally(() => (finished = true));
  const deadline = Date.now() + 60_000;
  for (let i = 0; !finished && Date.now() < deadline; i++) {
    durations.set(i, timedCall(i));
    callWindows.set(i, lastWindow);
    callPreempted.set(i, lastPreempted);
    await tick();
  }
  const out = await pending.done;
  const samples: number[] = [];
  for (const c of out.result.captures) {
    const marker = c.frames[0]?.locals?.marker;
    const d = marker === undefined ? undefined : durations.get(marker);
    if (d === undefined || marker === undefined) continue;
    samples.push(d);
    windows.ours!.push(callWindows.get(marker)!);
    preempted.ours!.push(callPreempted.get(marker)!);
  }
  return { samples, technique: out.result.technique, frames: out.result.captures[0]?.frames.length ?? 0 };
}

const client = new ModuleClient({
  maxHits: 100_000,
  snapshotsPerSecond: 1_000_000,
  globalPerSecond: 1_000_000,
  cpuBudgetMsPerSecond: 1_000_000,
});
// Warm up: JIT the target and the serializer once.
for (let i = 0; i < 200; i++) timedCall(i);
await ours(client);
windows.ours = [];
preempted.ours = [];

const all: Record<string, number[]> = { none: [], pause: [], getprops: [], ours: [] };
const p99s: Record<string, number[]> = { none: [], pause: [], getprops: [], ours: [] };
const medians: Record<string, number[]> = { none: [], pause: [], getprops: [], ours: [] };
let technique = '';
let frames = 0;
const order = ['none', 'pause', 'getprops', 'ours'] as const;
for (let r = 0; r < rounds; r++) {
  const rotated = [...order.slice(r % order.length), ...order.slice(0, r % order.length)];
  for (const mode of rotated) {
    let samples: number[];
    if (mode === 'ours') {
      const o = await ours(client);
      samples = o.samples;
      technique = o.technique;
      frames = o.frames;
    } else samples = await baseline(mode);
    all[mode]!.push(...samples);
    medians[mode]!.push(median(samples));
    p99s[mode]!.push(quantile(samples, 0.99));
  }
}
await client.close();

const m = (k: string): number => median(medians[k]!);
const none = m('none');
console.log(
  `debug-capture: main-thread µs per call at ${DEPTH + 2} frames (${rounds} rounds × ${calls} calls; median of round medians / median of round p99s)`,
);
console.log(`  no probe                          ${fmt(none)} µs`);
for (const [k, label] of [
  ['pause', 'empty breakpoint pause/resume   '],
  ['getprops', 'getProperties depth 2 (dd-style)'],
  ['ours', `glovebox snapshot (${technique})     `],
] as const) {
  console.log(
    `  ${label}  ${fmt(m(k))} µs (p99 ${fmt(median(p99s[k]!))}), capture cost ${fmt(m(k) - none)} µs, n=${all[k]!.length}`,
  );
}
console.log(
  '  pooled over every call: p50 / p99; the same without calls preempted or overlapped by a GC (how many were)',
);
const overlapsGc = ([a, b]: [number, number]) => collections.some(([s, e]) => s < b && e > a);
for (const k of order) {
  const hit = all[k]!.map((_, i) => [preempted[k]![i]!, overlapsGc(windows[k]![i]!)] as const);
  const clean = all[k]!.filter((_, i) => !hit[i]![0] && !hit[i]![1]);
  const pre = hit.filter(([p]) => p).length;
  const gc = hit.filter(([, g]) => g).length;
  console.log(
    `    ${k.padEnd(9)} ${fmt(quantile(all[k]!, 0.5))} / ${fmt(quantile(all[k]!, 0.99))} µs   undisturbed ${fmt(quantile(clean, 0.5))} / ${fmt(quantile(clean, 0.99))} µs (of ${all[k]!.length}: ${pre} preempted, ${gc} with a GC)`,
  );
}
const ratio = (m('ours') - none) / (m('getprops') - none);
const ratioPause = (m('ours') - none) / (m('pause') - none);
console.log(`  frames reported by the snapshot: ${frames}`);
console.log(`  ratio glovebox / getProperties baseline: ${fmt(ratio, 3)} (target <= 0.25)`);
console.log(`  ratio glovebox / empty pause baseline:   ${fmt(ratioPause, 3)}`);
