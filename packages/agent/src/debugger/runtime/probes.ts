/**
 * Probe state in the isolate: the countdown gate the hook decrements, rate limits, sampled timing,
 * adaptive sampling against a CPU budget, and the capture of snapshots and log lines. Injected by
 * source text (see runtime-source.ts); each function refers only to its parameters and its siblings.
 */
import type { Intrinsics } from './intrinsics.js';
import { evaluateExpr, newEvalCtx, type EvalCtx } from './interpreter.js';
import type { SensitiveKeys } from './sensitive.js';
import { cutString, markRedacted, newCaptureState, serializeValue, type CaptureState } from './serializer.js';
import { captureFrames } from './stack.js';
import type { ProbeSpec, ProbeStats, RuntimeConfig, RuntimeMessage, ScopeReader } from './types.js';

/** One probe's counters. Times are main-thread CPU milliseconds (elapsed scaled by `cpuFactor`). */
export interface ProbeState {
  spec: ProbeSpec;
  sensitive: Set<number>;
  ctx: EvalCtx;
  tokens: number;
  refill: number;
  stride: number;
  /** The value the gate's countdown last started from: the hits one examined hit stands for. */
  countFrom: number;
  /** Hits counted by adaptations since the last examined hit (they are part of the current stride). */
  sinceExamined: number;
  hits: number;
  examined: number;
  captures: number;
  dropped: number;
  droppedSinceEmit: number;
  spentMs: number;
  seq: number;
  /** Moving average of an examined hit that emitted nothing (sampled: one examined hit in 16 is timed). */
  quietCostMs: number;
  /** Moving average of the CPU cost of one examined hit, over the windows that had some. */
  examinedCostMs: number;
  windowStart: number;
  windowHits: number;
  windowExamined: number;
  windowEmits: number;
  windowSpentMs: number;
}

/** The runtime's whole state. */
export interface RuntimeState {
  I: Intrinsics;
  keys: SensitiveKeys;
  config: RuntimeConfig;
  post: (m: RuntimeMessage) => void;
  probes: Map<number, ProbeState>;
  /** Countdown gates by probe id (see hook.ts). */
  c: number[];
  globalTokens: number;
  globalRefill: number;
  /** Share of runnable time the main thread was on a CPU (from the worker); 1 when unknown. */
  cpuFactor: number;
  sentinels: { masked: object; unsafe: object };
  /** The function frames are captured below (the runtime's `hit`). */
  entry: (...args: never[]) => unknown;
  /** How often sampling is re-decided (ms), and the shortest window a decision is based on. */
  adaptMs: number;
}

export function createRuntimeState(
  I: Intrinsics,
  keys: SensitiveKeys,
  config: RuntimeConfig,
  post: (m: RuntimeMessage) => void,
): RuntimeState {
  return {
    I,
    keys,
    config,
    post,
    probes: new Map(),
    c: [],
    globalTokens: config.globalPerSecond,
    globalRefill: I.now(),
    cpuFactor: 1,
    sentinels: { masked: { masked: true }, unsafe: { unsafe: true } },
    entry: () => undefined,
    adaptMs: 50,
  };
}

export function addProbe(rt: RuntimeState, spec: ProbeSpec): void {
  const t = rt.I.now();
  const sensitive = new Set(spec.sensitive);
  rt.probes.set(spec.id, {
    spec,
    sensitive,
    ctx: newEvalCtx(rt.I, rt.keys, spec.names, sensitive, rt.sentinels),
    tokens: Math.min(spec.perSecond, 1),
    refill: t,
    stride: 1,
    countFrom: 1,
    sinceExamined: 0,
    hits: 0,
    examined: 0,
    captures: 0,
    dropped: 0,
    droppedSinceEmit: 0,
    spentMs: 0,
    seq: 0,
    quietCostMs: 0,
    examinedCostMs: 0,
    windowStart: t,
    windowHits: 0,
    windowExamined: 0,
    windowEmits: 0,
    windowSpentMs: 0,
  });
  rt.c[spec.id] = 1;
}

export function removeProbe(rt: RuntimeState, id: number): void {
  rt.c[id] = 0;
  rt.probes.delete(id);
}

/**
 * An examined hit (the hook's countdown reached zero): condition, rate limit, capture; then the
 * countdown is set again to the probe's stride. Never throws into the application.
 */
export function hitProbe(rt: RuntimeState, id: number, read: ScopeReader): void {
  const p = rt.probes.get(id);
  if (p === undefined) {
    rt.c[id] = 0;
    return;
  }
  p.examined++;
  p.hits += p.countFrom;
  p.windowHits += p.countFrom;
  p.windowExamined++;
  // Sampled timing: only one examined hit in 16 reads the clock unless it emits.
  const timed = (p.examined & 15) === 1;
  const t0 = timed ? rt.I.now() : 0;
  let emitted = false;
  try {
    if (passesCondition(p, read)) emitted = emitHit(rt, p, read);
  } catch {
    // Never throw into the application.
  }
  if (timed && !emitted) {
    const t1 = rt.I.now();
    const cost = (t1 - t0) * rt.cpuFactor + p.spec.hitOverheadMs;
    p.quietCostMs = p.quietCostMs === 0 ? cost : p.quietCostMs * 0.75 + cost * 0.25;
    guardBudget(rt, p, t1);
  }
  p.sinceExamined = 0;
  if (rt.probes.get(id) === p) rt.c[id] = p.countFrom = p.stride;
}

export function passesCondition(p: ProbeState, read: ScopeReader): boolean {
  if (p.spec.condition === undefined) return true;
  const ctx = p.ctx;
  ctx.read = read;
  ctx.redacted = 0;
  ctx.readNames.length = 0;
  let c: unknown;
  try {
    c = evaluateExpr(p.spec.condition, ctx);
  } catch {
    c = false;
  }
  return c !== ctx.masked && c !== ctx.unsafe && !!c;
}

/** Takes a token and captures; returns whether something was emitted. */
export function emitHit(rt: RuntimeState, p: ProbeState, read: ScopeReader): boolean {
  const t = rt.I.now();
  if (!takeToken(rt, p, t)) {
    p.dropped++;
    p.droppedSinceEmit++;
    return false;
  }
  p.captures++;
  p.seq++;
  if (p.spec.kind === 'snapshot') captureSnapshot(rt, p, read);
  else captureLogLine(rt, p, read);
  const t1 = rt.I.now();
  const spent = (t1 - t) * rt.cpuFactor + p.spec.hitOverheadMs;
  p.spentMs += spent;
  p.windowSpentMs += spent;
  p.windowEmits++;
  if (p.captures >= p.spec.maxCaptures) switchOff(rt, p, 'done');
  else guardBudget(rt, p, t1);
  return true;
}

/** Token buckets: per probe, and per process unless the probe asked for every hit. */
export function takeToken(rt: RuntimeState, p: ProbeState, t: number): boolean {
  const pr = p.spec.perSecond;
  p.tokens = Math.min(pr, p.tokens + ((t - p.refill) / 1000) * pr);
  p.refill = t;
  const gr = rt.config.globalPerSecond;
  rt.globalTokens = Math.min(gr, rt.globalTokens + ((t - rt.globalRefill) / 1000) * gr);
  rt.globalRefill = t;
  const global = !p.spec.everyHit;
  if (p.tokens < 1 || (global && rt.globalTokens < 1)) return false;
  p.tokens -= 1;
  if (global) rt.globalTokens -= 1;
  return true;
}

/** CPU spent by the probe in its current window: measured emits plus sampled quiet hits. */
export function windowSpent(p: ProbeState): number {
  const quiet = p.windowExamined - p.windowEmits;
  return p.windowSpentMs + quiet * p.quietCostMs + (p.windowHits - p.windowExamined) * p.spec.hitOverheadMs;
}

/** The breaker: far over budget within a window, sample harder at once instead of switching off. */
export function guardBudget(rt: RuntimeState, p: ProbeState, t: number): void {
  const elapsed = Math.max(t - p.windowStart, rt.adaptMs);
  if (windowSpent(p) > (p.spec.cpuBudgetMsPerSecond * elapsed) / 1000) adaptProbe(rt, p, t);
}

/**
 * Re-decides the stride from the last window: examine as many hits per second as the CPU budget
 * allows (80 % of it), and no more than the rate limit needs unless every hit was asked for or a
 * condition must see them. A breakpoint probe pays for every hit, sampled or not: over budget it is
 * switched off, the only case where sampling cannot help.
 */
export function adaptProbe(rt: RuntimeState, p: ProbeState, t: number): void {
  // Hits the countdown has seen since the last examined hit (none while inside a hit: the gate is 0).
  const left = rt.c[p.spec.id] ?? 0;
  const pending = left > 0 ? p.countFrom - left : 0;
  p.hits += pending;
  p.windowHits += pending;
  p.sinceExamined += pending;
  const seconds = Math.max(t - p.windowStart, 1) / 1000;
  const spent = windowSpent(p);
  const budget = p.spec.cpuBudgetMsPerSecond;
  if (p.spec.hitOverheadMs > 0 && (p.windowHits * p.spec.hitOverheadMs) / seconds > budget) {
    switchOff(rt, p, 'cpu');
    return;
  }
  if (p.windowExamined > 0) {
    const cost = spent / p.windowExamined;
    p.examinedCostMs = p.examinedCostMs === 0 ? cost : p.examinedCostMs * 0.5 + cost * 0.5;
  }
  const perExamined = p.examinedCostMs;
  const cpuCap = perExamined > 0 ? (budget * 0.8) / perExamined : Infinity;
  const wanted = p.spec.everyHit || p.spec.condition !== undefined ? Infinity : p.spec.perSecond * 1.25;
  const target = Math.max(1, Math.min(cpuCap, wanted));
  const rate = p.windowHits / seconds;
  p.stride = Math.min(Math.max(1, Math.ceil(rate / target)), 1 << 30);
  if (left > 0 && rt.probes.get(p.spec.id) === p) {
    // The pending hits are counted: the countdown restarts for the rest of the new stride.
    p.countFrom = Math.max(1, p.stride - p.sinceExamined);
    rt.c[p.spec.id] = p.countFrom;
  }
  p.windowStart = t;
  p.windowHits = 0;
  p.windowExamined = 0;
  p.windowEmits = 0;
  p.windowSpentMs = 0;
}

/** Periodic re-decision for every probe (a timer of the runtime), so strides follow traffic both ways. */
export function tickProbes(rt: RuntimeState): void {
  const t = rt.I.now();
  for (const p of rt.probes.values()) if (t - p.windowStart >= rt.adaptMs) adaptProbe(rt, p, t);
}

export function switchOff(rt: RuntimeState, p: ProbeState, reason: 'cpu' | 'done'): void {
  removeProbe(rt, p.spec.id);
  rt.post({
    t: 'off',
    id: p.spec.id,
    gen: p.spec.gen,
    reason,
    dropped: p.dropped,
    hits: p.hits,
    examined: p.examined,
    stride: p.stride,
    spentMs: p.spentMs,
  });
}

export function probeStats(p: ProbeState): ProbeStats {
  return {
    hits: p.hits,
    examined: p.examined,
    stride: p.stride,
    captures: p.captures,
    dropped: p.dropped,
    spentMs: p.spentMs,
  };
}

export function readNamed(read: ScopeReader, i: number): { ok: boolean; v: unknown } {
  try {
    return { ok: true, v: read(i) };
  } catch {
    return { ok: false, v: undefined };
  }
}

export function captureSnapshot(rt: RuntimeState, p: ProbeState, read: ScopeReader): void {
  const I = rt.I;
  const s = newCaptureState(I, rt.keys, p.spec.budgets);
  const frames = captureFrames(I, p.spec.budgets.maxFrames, s.t, rt.entry);
  const locals: Record<string, unknown> = {};
  const closure: Record<string, unknown> = {};
  const readNames: string[] = [];
  for (let i = 0; i < p.spec.capturedCount; i++) {
    const name = p.spec.names[i]!;
    const r = readNamed(read, i);
    if (!r.ok) continue;
    // A name that resolves to the global of the same name is not a local or closure value.
    if (i >= p.spec.localCount && name in I.globalObject && I.globalObject[name] === r.v) continue;
    readNames.push(name);
    const target = i < p.spec.localCount ? locals : closure;
    target[name] = p.sensitive.has(i) ? markRedacted(s) : serializeRooted(r.v, s);
  }
  const self = readNamed(read, -1);
  let selfValue: unknown = { '@type': 'undefined' };
  if (self.ok && self.v !== undefined && self.v !== I.globalObject) {
    readNames.push('this');
    selfValue = serializeRooted(self.v, s);
  }
  const dropped = p.droppedSinceEmit;
  p.droppedSinceEmit = 0;
  rt.post({
    t: 'cap',
    id: p.spec.id,
    gen: p.spec.gen,
    seq: p.seq,
    time: I.dateNow(),
    frames,
    locals,
    closure,
    self: selfValue,
    truncated: s.t,
    bytes: s.bytes,
    redacted: s.redacted,
    dropped,
    read: readNames,
    hits: p.hits,
    examined: p.examined,
    stride: p.stride,
  });
}

export function serializeRooted(v: unknown, s: CaptureState): unknown {
  s.ancestors.clear();
  try {
    return serializeValue(v, 0, s);
  } catch {
    return { '@type': 'unreadable' };
  }
}

export function renderTemplateValue(v: unknown, s: CaptureState, ctx: EvalCtx): string {
  if (v === ctx.masked) return '[REDACTED]';
  if (v === ctx.unsafe) return '[unavailable]';
  if (typeof v === 'string') {
    const r = cutString(v, s);
    return typeof r === 'string' ? r : s.I.strSlice.call(v, 0, s.b.maxStringLength) + '…';
  }
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined)
    return s.I.StringCtor(v);
  return s.I.jsonStringify(serializeRooted(v, s));
}

export function captureLogLine(rt: RuntimeState, p: ProbeState, read: ScopeReader): void {
  const s = newCaptureState(rt.I, rt.keys, p.spec.budgets);
  const ctx = p.ctx;
  ctx.read = read;
  ctx.redacted = 0;
  ctx.readNames.length = 0;
  let line = '';
  for (const part of p.spec.template ?? []) {
    if (typeof part === 'string') line += part;
    else {
      let v: unknown;
      try {
        v = evaluateExpr(part, ctx);
      } catch {
        v = ctx.unsafe;
      }
      line += renderTemplateValue(v, s, ctx);
    }
    if (line.length > s.b.maxBytes) {
      s.t.bytes++;
      line = rt.I.strSlice.call(line, 0, s.b.maxBytes);
      break;
    }
  }
  const dropped = p.droppedSinceEmit;
  p.droppedSinceEmit = 0;
  rt.post({
    t: 'log',
    id: p.spec.id,
    gen: p.spec.gen,
    seq: p.seq,
    time: rt.I.dateNow(),
    line,
    truncated: s.t,
    redacted: s.redacted + ctx.redacted,
    dropped,
    read: ctx.readNames.slice(),
    hits: p.hits,
    examined: p.examined,
    stride: p.stride,
  });
}
