/**
 * The main thread's CPU share while it was runnable, read from Linux's per-thread scheduler
 * statistics (`/proc/self/task/<tid>/schedstat`: time on a CPU, time waiting for one). The runtime
 * scales its elapsed-time samples by it, so time the thread spends descheduled by a competing process
 * is not charged to a probe: the breaker works on thread CPU time. Elsewhere the factor stays 1.
 */
import { readFileSync } from 'node:fs';

const INTERVAL_MS = 250;

/** Reads on-CPU and run-queue nanoseconds of one thread; undefined when not available. */
export function readSchedstat(path: string): { onCpu: number; waiting: number } | undefined {
  try {
    const [onCpu, waiting] = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
    if (onCpu === undefined || waiting === undefined || !Number.isFinite(onCpu) || !Number.isFinite(waiting))
      return undefined;
    return { onCpu, waiting };
  } catch {
    return undefined;
  }
}

/** On-CPU share of runnable time between two readings, clamped to [0.05, 1]; undefined when idle. */
export function cpuShare(
  a: { onCpu: number; waiting: number },
  b: { onCpu: number; waiting: number },
): number | undefined {
  const run = b.onCpu - a.onCpu;
  const wait = b.waiting - a.waiting;
  if (run <= 0 || wait < 0) return undefined;
  return Math.min(1, Math.max(0.05, run / (run + wait)));
}

/** Measures while at least one user holds it and reports each new factor. */
export class ThreadCpuMonitor {
  readonly #path = `/proc/self/task/${process.pid}/schedstat`;
  readonly #report: (factor: number) => void;
  #users = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #last: { onCpu: number; waiting: number } | undefined;
  /** The last share measured (1 until one is). */
  lastShare = 1;

  constructor(report: (factor: number) => void) {
    this.#report = report;
  }

  start(): void {
    if (++this.#users > 1) return;
    this.#last = readSchedstat(this.#path);
    if (this.#last === undefined) return;
    this.#timer = setInterval(() => this.#sample(), INTERVAL_MS);
    this.#timer.unref();
  }

  release(): void {
    if (--this.#users > 0) return;
    this.stop();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#users = Math.max(0, this.#users);
  }

  #sample(): void {
    const now = readSchedstat(this.#path);
    if (now === undefined || this.#last === undefined) return;
    const share = cpuShare(this.#last, now);
    this.#last = now;
    if (share === undefined) return;
    this.lastShare = share;
    this.#report(share);
  }
}
