/** Options of the debugger module and their safe defaults. */
import type { KnownSecrets } from '@glovebox/redact';
import type { CaptureBudgets } from './runtime/types.js';

/** How a probe gets into the running code. */
export type ProbeTechnique = 'liveedit' | 'breakpoint';

/** Options of `createDebuggerModule`; every limit has a safe default. */
export interface DebuggerOptions {
  /** Per-capture budgets (defaults: 30 frames, depth 3, 20 fields, 100 items, 255 chars, 64 KiB, 10 ms). */
  budgets?: Partial<CaptureBudgets>;
  /** Budgets of one logpoint line (defaults: depth 2, 10 fields, 20 items, 200 chars, 2 KiB, 2 ms). */
  logpointBudgets?: Partial<CaptureBudgets>;
  /** Snapshot captures per second per probe (default 5). */
  snapshotsPerSecond?: number;
  /** Default and maximum logpoint lines per second per probe (defaults 10 and 100). */
  logpointPerSecond?: number;
  maxLogpointPerSecond?: number;
  /** Lines per second of a logpoint that asked for every hit (default 1000); it skips the global cap. */
  maxEveryHitPerSecond?: number;
  /** Captures plus log lines per second across the process (default 50). */
  globalPerSecond?: number;
  /** Main-thread CPU milliseconds a probe may use per second; above it, its hits are sampled (default 20). */
  cpuBudgetMsPerSecond?: number;
  /** Estimated main-thread cost of one breakpoint-condition hit, charged to its budget (default 0.3 ms). */
  breakpointHitCostMs?: number;
  /**
   * Longest life of a probe placed by breakpoint (default 60 s). While one exists V8's Debugger domain
   * is on, and the whole process's async code runs ~5× slower even if the line never runs (ADR 0030);
   * at this cap the probe is removed and its result says so (`disabled.reason: "breakpoint-cap"`).
   * Probes placed by LiveEdit are not capped by it.
   */
  breakpointProbeMaxMs?: number;
  /** Main-thread ms one probe may cost to install; heap walks predicted over it are not started (default 1000, ADR 0030). */
  installBudgetMs?: number;
  /** Upper bounds of the untrusted parameters. */
  maxWaitMs?: number;
  maxHits?: number;
  maxLogpointDurationMs?: number;
  maxEvalTimeoutMs?: number;
  maxProfileSeconds?: number;
  /** Techniques allowed, in order of preference (default `['liveedit', 'breakpoint']`). */
  techniques?: ProbeTechnique[];
  /** Extra key names masked in the isolate, in addition to the built-in list. */
  sensitiveKeys?: string[];
  /** Secrets masked by value wherever they appear (the agent's credential, sensitive environment values). */
  knownSecrets?: KnownSecrets;
  /** Diagnostics (never values). Default: silent. */
  log?: (message: string) => void;
}

const DEFAULT_BUDGETS: CaptureBudgets = {
  maxFrames: 30,
  maxDepth: 3,
  maxFields: 20,
  maxItems: 100,
  maxStringLength: 255,
  maxBytes: 65_536,
  maxTimeMs: 10,
};
const DEFAULT_LOG_BUDGETS: CaptureBudgets = {
  maxFrames: 0,
  maxDepth: 2,
  maxFields: 10,
  maxItems: 20,
  maxStringLength: 200,
  maxBytes: 2048,
  maxTimeMs: 2,
};

/** Options with every default filled in. */
export type Settings = Required<
  Omit<DebuggerOptions, 'budgets' | 'logpointBudgets' | 'log' | 'knownSecrets'>
> & {
  knownSecrets?: KnownSecrets;
  budgets: CaptureBudgets;
  logpointBudgets: CaptureBudgets;
  log: (message: string) => void;
};

export function settings(o: DebuggerOptions): Settings {
  return {
    snapshotsPerSecond: 5,
    logpointPerSecond: 10,
    maxLogpointPerSecond: 100,
    maxEveryHitPerSecond: 1000,
    globalPerSecond: 50,
    cpuBudgetMsPerSecond: 20,
    breakpointHitCostMs: 0.3,
    installBudgetMs: 1000,
    breakpointProbeMaxMs: 60_000,
    maxWaitMs: 300_000,
    maxHits: 20,
    maxLogpointDurationMs: 3_600_000,
    maxEvalTimeoutMs: 5_000,
    maxProfileSeconds: 60,
    techniques: ['liveedit', 'breakpoint'],
    sensitiveKeys: [],
    ...withoutUndefined(o),
    budgets: { ...DEFAULT_BUDGETS, ...withoutUndefined(o.budgets ?? {}) },
    logpointBudgets: { ...DEFAULT_LOG_BUDGETS, ...withoutUndefined(o.logpointBudgets ?? {}) },
    log: o.log ?? (() => undefined),
  };
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
