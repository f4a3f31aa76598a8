/** Types shared by the in-isolate runtime and the worker that drives it. */

/** Hard limits for one capture. */
export interface CaptureBudgets {
  /** Stack frames reported. */
  maxFrames: number;
  /** Object nesting followed below a local. */
  maxDepth: number;
  /** Own properties shown per object. */
  maxFields: number;
  /** Elements shown per array, Map or Set. */
  maxItems: number;
  /** Characters kept per string. */
  maxStringLength: number;
  /** Approximate JSON bytes per capture. */
  maxBytes: number;
  /** Wall time per capture, in milliseconds. */
  maxTimeMs: number;
}

/** Truncation counters of one capture; a non-zero entry means that budget cut something. */
export interface TruncationMarks {
  depth: number;
  fields: number;
  items: number;
  strings: number;
  bytes: number;
  time: number;
  frames: number;
}

/** Restricted expression tree (see expression.ts); interpreted without calls, getters or proxy traps. */
export type ExprNode =
  | { k: 'lit'; v: string | number | boolean | null }
  | { k: 'undef' }
  | { k: 'id'; i: number }
  | { k: 'this' }
  | { k: 'get'; o: ExprNode; p: ExprNode }
  | { k: 'not'; a: ExprNode }
  | { k: 'neg'; a: ExprNode }
  | { k: 'bin'; op: string; a: ExprNode; b: ExprNode };

/** Probe as registered in the isolate. */
export interface ProbeSpec {
  /** The gate (hook) id; a hook left in the code after its probe ended is reused by the next probe. */
  id: number;
  /** Unique per probe: messages carry it so that nothing from an earlier probe on the same hook is misrouted. */
  gen: number;
  kind: 'snapshot' | 'logpoint';
  /** Names the hook's reader can resolve, by index. */
  names: string[];
  /** How many of `names` (from the start) are the frame's own locals; the rest are closure values. */
  localCount: number;
  /** Indexes into `names` whose values are masked whatever they hold (sensitive names). */
  sensitive: number[];
  /** How many of `names` are captured (expression-only names come after). */
  capturedCount: number;
  condition?: ExprNode;
  /** Logpoint template: strings and expressions alternating. */
  template?: Array<string | ExprNode>;
  /** Captures (or lines) allowed per second; excess is dropped and counted. */
  perSecond: number;
  /** Stop after this many captures (snapshots). */
  maxCaptures: number;
  /** Main-thread CPU milliseconds this probe may use per second; above it, hits are sampled. */
  cpuBudgetMsPerSecond: number;
  /** Estimated cost of one hit that the runtime cannot time itself (a breakpoint's debug-evaluate). */
  hitOverheadMs: number;
  /** Examine every hit while the CPU budget allows (no sampling for the rate limit's sake). */
  everyHit: boolean;
  budgets: CaptureBudgets;
}

/** Process-wide settings of the runtime. */
export interface RuntimeConfig {
  /** Global captures (snapshots plus log lines) per second across every probe. */
  globalPerSecond: number;
  /** Extra normalized key names masked in-isolate. */
  sensitiveKeys: string[];
}

/** How a probe's hits were sampled so far: `hits` is estimated from the sampling strides. */
export interface SamplingState {
  hits: number;
  examined: number;
  /** Current stride: 1 examines every hit, N one hit in N. */
  stride: number;
}

/** Message the runtime posts to the worker. */
export type RuntimeMessage =
  | ({
      t: 'cap';
      id: number;
      gen: number;
      seq: number;
      time: number;
      frames: Array<{ fn: string; url: string; line: number; col: number }>;
      locals: Record<string, unknown>;
      closure: Record<string, unknown>;
      self: unknown;
      truncated: TruncationMarks;
      bytes: number;
      redacted: number;
      dropped: number;
      read: string[];
    } & SamplingState)
  | ({
      t: 'log';
      id: number;
      gen: number;
      seq: number;
      time: number;
      line: string;
      truncated: TruncationMarks;
      redacted: number;
      dropped: number;
      read: string[];
    } & SamplingState)
  | ({
      t: 'off';
      id: number;
      gen: number;
      reason: 'cpu' | 'done';
      dropped: number;
      spentMs: number;
    } & SamplingState);

/** Reads one name from the hooked frame: index into `names`, or -1 for `this`. Throws if unbound. */
export type ScopeReader = (index: number) => unknown;

/** Per-probe statistics, for tests and the worker's final report. */
export interface ProbeStats extends SamplingState {
  captures: number;
  dropped: number;
  spentMs: number;
}

/** What the runtime exposes on the global object. */
export interface ProbeRuntime {
  /** Countdown gates by probe id, read and decremented by the injected hook; 0 means off. */
  readonly c: number[];
  hit(id: number, read: ScopeReader): void;
  add(spec: ProbeSpec): void;
  remove(id: number): void;
  removeAll(): void;
  /** The main thread's share of CPU while runnable (0..1), measured by the worker; scales timings. */
  setCpuFactor(factor: number): void;
  /** Serializes one value under budgets, for eval results and tests. */
  serialize(
    value: unknown,
    budgets: CaptureBudgets,
  ): { value: unknown; truncated: TruncationMarks; bytes: number; redacted: number };
  /** Evaluates a restricted expression (eval) and returns its outcome as JSON text. */
  evaluateToJson(
    expr: { node: ExprNode; names: string[]; sensitive: number[] },
    read: ScopeReader,
    budgets: CaptureBudgets,
  ): string;
  /** Serializes and returns JSON text (for `Runtime.callFunctionOn` with returnByValue). */
  serializeToJson(value: unknown, budgets: CaptureBudgets): string;
  stats(): Record<number, ProbeStats>;
}

/** The subset of `util.types` the runtime uses: native brand checks that never run user code. */
export interface TypeChecks {
  isProxy(value: unknown): boolean;
  isMap(value: unknown): boolean;
  isSet(value: unknown): boolean;
  isDate(value: unknown): boolean;
  isRegExp(value: unknown): boolean;
  isAnyArrayBuffer(value: unknown): boolean;
}
