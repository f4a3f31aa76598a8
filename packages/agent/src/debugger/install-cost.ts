/**
 * What installing a probe will cost the application's main thread, known before it is paid. Two
 * inspector operations walk the whole heap on the main thread, and their cost grows with it
 * (thread CPU time, Node 20, ADR 0030): `Debugger.enable` (~0.17 ms per MB of heap plus ~14 µs per
 * loaded script, which V8 reports to the session at every enable: 2.3 ms in a bare process, 35 ms
 * with 2,000 more scripts, 126 ms with 4,000 at 300 MB; `bench/dist/debug-enable-cost.js`) and
 * `Debugger.setScriptSource` (LiveEdit, dry run or not: ~17 ms at 4 MB, 360 ms at 100 MB, 1.06 s at
 * 300 MB; `bench/dist/debug-install-cost.js`). Setting or removing a breakpoint and a runtime call
 * stay under 0.5 ms. The model predicts a walk from the heap's size (`Runtime.getHeapUsage`,
 * 0.04 ms) and the script count seen at the last enable, with rates that start at the dense case
 * measured and are scaled by what this process measured. A third measure reads the main thread's
 * CPU time, so a loaded machine does not make an operation look longer than it was.
 */
import { readSchedstat } from './thread-cpu.js';

/** An operation that walks the heap. */
export type HeapWalk = 'enable' | 'liveedit';

/** What a walk's cost depends on, known before it starts. */
export interface WalkSize {
  /** The main heap's used size, MB. */
  heapMb: number;
  /** Scripts V8 reported at the last `Debugger.enable` (and since); undefined before the first. */
  scripts: number | undefined;
}

/** Fixed part and default rates, ms (the dense case, rounded up; `bench/dist/debug-enable-cost.js`). */
const DEFAULTS: Record<HeapWalk, { fixedMs: number; perMbMs: number; perScriptMs: number }> = {
  // Enabling walks the heap (~0.17 ms/MB) and reports every loaded script to the session (~14 µs each).
  enable: { fixedMs: 1, perMbMs: 0.2, perScriptMs: 0.012 },
  liveedit: { fixedMs: 10, perMbMs: 4, perScriptMs: 0 },
};

function base(op: HeapWalk, size: WalkSize): number {
  const d = DEFAULTS[op];
  return d.fixedMs + d.perMbMs * Math.max(0, size.heapMb) + d.perScriptMs * (size.scripts ?? 0);
}

/** Predicts heap walks from the heap size (and script count); calibrated by the walks this process measured. */
export class InstallCostModel {
  /** Measured over default, per operation: how much faster or slower this process walks than assumed. */
  readonly #factor: Record<HeapWalk, number> = { enable: 1, liveedit: 1 };

  predict(op: HeapWalk, size: WalkSize): number {
    return this.#factor[op] * base(op, size);
  }

  /**
   * Records a walk measured at `size`. Not learned from: a tiny heap (it says nothing about the rate),
   * and an enable before any script count was known — the first enable of a session, which also
   * pays V8's one-time collection of source positions for all code compiled so far.
   */
  observe(op: HeapWalk, size: WalkSize, ms: number): void {
    if (size.heapMb < 1 || !Number.isFinite(ms)) return;
    if (op === 'enable' && size.scripts === undefined) return;
    this.#factor[op] = Math.max(0.01, ms / base(op, size));
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
