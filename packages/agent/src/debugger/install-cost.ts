/**
 * What installing a probe will cost the application's main thread, known before it is paid. Two
 * inspector operations walk the whole heap on the main thread, and their cost grows with it
 * (`bench/dist/debug-install-cost.js`, thread CPU time, Node 20): `Debugger.enable` (~2 ms at 4 MB,
 * 18 ms at 100 MB, 50 ms at 300 MB) and `Debugger.setScriptSource` (LiveEdit, dry run or not: ~17 ms
 * at 4 MB, 360 ms at 100 MB, 1.06 s at 300 MB). Everything else a probe uses (setting or removing a
 * breakpoint, disabling the domain, a runtime call) stays under 0.5 ms. The model predicts a walk
 * from the heap's size (`Runtime.getHeapUsage`, 0.04 ms) with a per-MB rate that starts at the dense
 * case measured above and is replaced by what this process measured, since the rate depends on how
 * many objects a megabyte holds. A third measure reads the main thread's CPU time, so a loaded
 * machine does not make an operation look longer than it was.
 */
import { readSchedstat } from './thread-cpu.js';

/** An operation that walks the heap. */
export type HeapWalk = 'enable' | 'liveedit';

/** Fixed part and default rate per MB of heap, ms (the dense case, rounded up). */
const DEFAULTS: Record<HeapWalk, { fixedMs: number; perMbMs: number }> = {
  enable: { fixedMs: 1, perMbMs: 0.2 },
  liveedit: { fixedMs: 10, perMbMs: 4 },
};

/** Predicts heap walks from the heap size; calibrated by the walks this process has measured. */
export class InstallCostModel {
  readonly #perMb: Record<HeapWalk, number> = {
    enable: DEFAULTS.enable.perMbMs,
    liveedit: DEFAULTS.liveedit.perMbMs,
  };

  predict(op: HeapWalk, heapMb: number): number {
    return DEFAULTS[op].fixedMs + this.#perMb[op] * Math.max(0, heapMb);
  }

  /** Records a walk measured at `heapMb`; a measurement on a tiny heap says nothing about the rate. */
  observe(op: HeapWalk, heapMb: number, ms: number): void {
    if (heapMb < 1 || !Number.isFinite(ms)) return;
    this.#perMb[op] = Math.max(0.001, (ms - DEFAULTS[op].fixedMs) / heapMb);
  }
}

/**
 * Main-thread time spent across an await: the main thread's on-CPU time where Linux reports it (so
 * time spent descheduled is not counted; it also counts the application's own work meanwhile, so it
 * is an upper bound), elapsed time elsewhere.
 */
export class MainThreadClock {
  readonly #path = `/proc/self/task/${process.pid}/schedstat`;
  readonly #cpu = readSchedstat(this.#path) !== undefined;

  now(): number {
    if (this.#cpu) {
      const s = readSchedstat(this.#path);
      if (s !== undefined) return s.onCpu / 1e6;
    }
    return performance.now();
  }

  /** A starting point for {@link since}. */
  mark(): { wall: number; thread: number } {
    return { wall: performance.now(), thread: this.now() };
  }

  /** Main-thread time since `m`, ms (never more than the elapsed time). */
  since(m: { wall: number; thread: number }): number {
    return Math.max(0, Math.min(this.now() - m.thread, performance.now() - m.wall));
  }
}
