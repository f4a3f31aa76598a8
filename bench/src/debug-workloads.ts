/**
 * Workloads of the Debugger-domain benchmarks (`debug-enabled-idle`, `debug-cold-probe`): a fixed
 * amount of work per slice, measured in the main thread's CPU time (`/proc/self/task/<pid>/schedstat`,
 * so time spent descheduled on a shared machine is not counted), with the GCs it caused.
 *
 *   cpu        synchronous work: object building, string formatting, JSON round trip, array sort
 *   async      allocation-heavy async functions: 64 concurrent chains of awaits, each allocating
 *   throw      an exception thrown three frames deep and caught
 *   compile    `new Function` of the same source (V8's eval cache)
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { fmt, median, quantile } from './debug-common.js';

const statPath = `/proc/self/task/${process.pid}/schedstat`;
const cpuMs = (): number => Number(readFileSync(statPath, 'utf8').split(' ')[0]) / 1e6;

let sink = 0;

function cpuUnit(i: number): void {
  const o = { id: i, name: `user-${i}`, tags: ['a', 'b', String(i % 7)], score: Math.sqrt(i) };
  const s = JSON.stringify(o);
  const back = JSON.parse(s) as { tags: string[]; score: number };
  const arr = [i % 13, i % 5, i % 11, i % 3, i % 17, i % 2].sort((a, b) => a - b);
  sink += back.tags.length + arr[3]! + s.length + Math.floor(back.score);
}

async function leaf(i: number): Promise<{ v: number[] }> {
  await Promise.resolve();
  return { v: [i, i + 1, i + 2] };
}

async function asyncUnit(i: number): Promise<void> {
  const a = await leaf(i);
  const b = await Promise.resolve({ x: a.v.length, s: `k${i}` });
  await new Promise<void>((r) => queueMicrotask(r));
  sink += b.x + b.s.length;
}

function thrower(i: number): number {
  if (i >= 0) throw new Error('no');
  return i;
}
const mid = (i: number): number => thrower(i) + 1;
const top = (i: number): number => mid(i) + 1;

function throwUnit(i: number): void {
  try {
    sink += top(i);
  } catch (e) {
    sink += (e as Error).message.length;
  }
}

function compileUnit(i: number): void {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- what is measured: V8's eval cache
  const f = new Function('a', 'b', 'return a * 2 + b;') as (a: number, b: number) => number;
  sink += f(i, 1);
}

export interface Workload {
  units: number;
  run(units: number): Promise<void>;
}

const syncLoop =
  (unit: (i: number) => void) =>
  (units: number): Promise<void> => {
    for (let i = 0; i < units; i++) unit(i);
    return Promise.resolve();
  };

export const WORKLOADS: Record<string, Workload> = {
  cpu: { units: 60_000, run: syncLoop(cpuUnit) },
  async: {
    units: 60_000,
    async run(units) {
      const lanes = 64;
      await Promise.all(
        Array.from({ length: lanes }, async (_, lane) => {
          for (let i = lane; i < units; i += lanes) await asyncUnit(i);
        }),
      );
    },
  },
  throw: { units: 40_000, run: syncLoop(throwUnit) },
  compile: { units: 20_000, run: syncLoop(compileUnit) },
};

let gcCount = 0;
let gcMs = 0;
let observing = false;

/** Starts counting GCs (once per process). */
function observeGc(): void {
  if (observing) return;
  observing = true;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcCount++;
      gcMs += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
}

export interface Slice {
  cpu: number;
  gcs: number;
  gcMs: number;
  heapMb: number;
}

export async function slice(w: Workload): Promise<Slice> {
  observeGc();
  const g0 = gcCount;
  const gm0 = gcMs;
  const c0 = cpuMs();
  await w.run(w.units);
  const cpu = cpuMs() - c0;
  // GC entries arrive asynchronously: give the observer a turn.
  await new Promise((r) => setTimeout(r, 5));
  return { cpu, gcs: gcCount - g0, gcMs: gcMs - gm0, heapMb: process.memoryUsage().heapUsed / 2 ** 20 };
}

/** A workload by name. */
export function workload(name: string): Workload {
  const w = WORKLOADS[name];
  if (w === undefined) throw new Error(`unknown workload ${name}`);
  return w;
}

/**
 * Runs `w` in state A and state B alternately, `rounds` pairs in ABBA order after a warm-up slice in
 * state A; `set` switches the state before each slice.
 */
export async function abba(
  rounds: number,
  w: Workload,
  set: (state: 'a' | 'b') => Promise<void>,
): Promise<{ a: Slice[]; b: Slice[] }> {
  await set('a');
  await slice(w); // warm-up: tiering, caches
  const a: Slice[] = [];
  const b: Slice[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const state of r % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
      await set(state);
      (state === 'a' ? a : b).push(await slice(w));
    }
  }
  return { a, b };
}

/** One line comparing slices of state A and state B (medians, per-round ratios B/A). */
export function compareLine(
  name: string,
  units: number,
  a: Slice[],
  b: Slice[],
  labels: [string, string],
): string {
  const ratios = a.map((x, i) => b[i]!.cpu / x.cpu);
  const us = (s: Slice[]): string => fmt((median(s.map((x) => x.cpu)) * 1000) / units, 3);
  const gc = (s: Slice[]): string =>
    `${fmt(median(s.map((x) => x.gcs)), 0)} GCs ${fmt(median(s.map((x) => x.gcMs)), 1)} ms`;
  const heap = (s: Slice[]): string => `${fmt(median(s.map((x) => x.heapMb)), 1)} MB`;
  return (
    `${name.padEnd(8)} ${labels[0]} ${us(a)} · ${labels[1]} ${us(b)} · ${labels[1]}/${labels[0]} ${fmt(median(ratios), 3)} ` +
    `(min ${fmt(Math.min(...ratios), 3)}, max ${fmt(Math.max(...ratios), 3)}, p90 ${fmt(quantile(ratios, 0.9), 3)}) · ` +
    `per slice ${labels[0]} ${gc(a)}, ${labels[1]} ${gc(b)} · heap after ${labels[0]} ${heap(a)}, ${labels[1]} ${heap(b)}`
  );
}

/** Keeps the workloads' results observable. */
export function consume(): number {
  return sink;
}
