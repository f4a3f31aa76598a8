import { types } from 'node:util';
import { isTrivialValue, looksSecret } from './trivial.js';
import type { Engine } from './engine.js';
import type { KeyVerdict } from './keys.js';
import type { RedactionBudget, RedactionCounts } from './types.js';

const DEFAULTS = { maxNodes: 10_000, maxDepth: 32, maxStringLength: 65_536 } as const;
/** Extra characters scanned past the string limit so a secret straddling the cut is still found. */
const STRING_MARGIN = 8192;

export const MARK = {
  circular: '[Circular]',
  truncated: '[Truncated]',
  maxDepth: '[MaxDepth]',
  unreadable: '[Unreadable]',
} as const;

/** Validated structured-redaction limits. */
export interface Budget {
  maxNodes: number;
  maxDepth: number;
  maxStringLength: number;
}

export function resolveBudget(b: RedactionBudget | undefined): Budget {
  const out: Budget = { ...DEFAULTS };
  if (b === undefined) return out;
  if (typeof b !== 'object' || b === null) throw new TypeError('budget must be an object');
  for (const k of ['maxNodes', 'maxDepth', 'maxStringLength'] as const) {
    const v = b[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new TypeError(`budget.${k} must be a positive integer`);
    out[k] = v;
  }
  return out;
}

interface WalkState {
  nodes: number;
  readonly seen: Set<object>;
  readonly counts: RedactionCounts;
}

/**
 * Deep, cycle-safe, budgeted copy of `value` with secrets masked by key name and by value.
 * Accessors are not invoked (they could have side effects); proxies are not entered.
 */
export function redactStructured(
  engine: Engine,
  budget: Budget,
  value: unknown,
  counts: RedactionCounts,
): unknown {
  const state: WalkState = { nodes: 0, seen: new Set(), counts };
  return walk(engine, budget, value, 0, undefined, state);
}

function maskLeaf(engine: Engine, verdict: KeyVerdict, leaf: string, state: WalkState): string | undefined {
  if (isTrivialValue(leaf) || engine.isAllowed(leaf)) return undefined;
  if (verdict.mode === 'entropy' && !looksSecret(leaf)) return undefined;
  if (verdict.type === 'AUTHORIZATION') {
    const m = /^([A-Za-z][A-Za-z0-9-]*)[ \t]+(\S.*)$/s.exec(leaf);
    if (m !== null && m[1] !== undefined && m[2] !== undefined) {
      state.counts.AUTHORIZATION = (state.counts.AUTHORIZATION ?? 0) + 1;
      return `${m[1]} ${engine.placeholder('AUTHORIZATION', m[2])}`;
    }
  }
  state.counts[verdict.type] = (state.counts[verdict.type] ?? 0) + 1;
  return engine.placeholder(verdict.type, leaf);
}

function redactString(engine: Engine, budget: Budget, s: string, state: WalkState): string {
  if (s.length <= budget.maxStringLength) return engine.redactText(s, state.counts);
  const scanned = s.slice(0, budget.maxStringLength + STRING_MARGIN);
  const out = engine.redactPrefix(scanned, budget.maxStringLength, state.counts);
  return `${out}…[Truncated ${s.length - budget.maxStringLength} chars]`;
}

function walk(
  engine: Engine,
  budget: Budget,
  value: unknown,
  depth: number,
  verdict: KeyVerdict | undefined,
  state: WalkState,
): unknown {
  state.nodes++;
  if (state.nodes > budget.maxNodes) return MARK.truncated;
  switch (typeof value) {
    case 'string': {
      if (verdict !== undefined) {
        const masked = maskLeaf(engine, verdict, value, state);
        if (masked !== undefined) return masked;
      }
      return redactString(engine, budget, value, state);
    }
    case 'number':
      if (!Number.isFinite(value)) return String(value);
      if (verdict !== undefined && verdict.mode === 'mask')
        return maskLeaf(engine, verdict, String(value), state) ?? value;
      if (Number.isInteger(value) && Math.abs(value) >= 1e11) {
        const text = engine.redactText(String(value), state.counts);
        if (text !== String(value)) return text;
      }
      return value;
    case 'bigint': {
      const s = value.toString();
      if (verdict !== undefined && verdict.mode === 'mask') return maskLeaf(engine, verdict, s, state) ?? s;
      return engine.redactText(s, state.counts);
    }
    case 'boolean':
      return value;
    case 'undefined':
      return null;
    case 'symbol':
      return engine.redactText(value.toString(), state.counts);
    case 'function':
      return `[Function${value.name ? ` ${engine.redactText(value.name, state.counts)}` : ''}]`;
    case 'object':
      break;
  }
  if (value === null) return null;
  const obj = value;
  if (types.isProxy(obj)) return MARK.unreadable;
  if (state.seen.has(obj)) return MARK.circular;
  if (depth >= budget.maxDepth) return MARK.maxDepth;
  state.seen.add(obj);
  try {
    return walkObject(engine, budget, obj, depth, verdict, state);
  } catch {
    return MARK.unreadable;
  } finally {
    state.seen.delete(obj);
  }
}

function walkObject(
  engine: Engine,
  budget: Budget,
  obj: object,
  depth: number,
  verdict: KeyVerdict | undefined,
  state: WalkState,
): unknown {
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (obj instanceof RegExp) return engine.redactText(obj.toString(), state.counts);
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) {
    const len = obj.byteLength;
    return `[Binary ${len} bytes]`;
  }
  if (Array.isArray(obj)) {
    const out: unknown[] = [];
    for (let i = 0; i < obj.length; i++) {
      if (state.nodes >= budget.maxNodes) {
        out.push(MARK.truncated);
        break;
      }
      const d = Object.getOwnPropertyDescriptor(obj, i);
      out.push(
        d === undefined
          ? null
          : 'value' in d
            ? walk(engine, budget, d.value, depth + 1, verdict, state)
            : '[Getter]',
      );
    }
    return out;
  }
  if (obj instanceof Set) {
    const out: unknown[] = [];
    for (const v of obj) {
      if (state.nodes >= budget.maxNodes) {
        out.push(MARK.truncated);
        break;
      }
      out.push(walk(engine, budget, v, depth + 1, verdict, state));
    }
    return out;
  }
  if (obj instanceof Map) {
    const simpleKeys = [...obj.keys()].every((k) => typeof k === 'string' || typeof k === 'number');
    if (simpleKeys) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of obj) {
        if (state.nodes >= budget.maxNodes) {
          out['…'] = MARK.truncated;
          break;
        }
        setEntry(engine, budget, out, String(k), v, depth, verdict, state);
      }
      return out;
    }
    const entries: unknown[] = [];
    for (const [k, v] of obj) {
      if (state.nodes >= budget.maxNodes) {
        entries.push(MARK.truncated);
        break;
      }
      const kv = walk(engine, budget, k, depth + 1, verdict, state);
      const keyVerdict = typeof k === 'string' ? engine.classifyKey(k) : undefined;
      entries.push([kv, walk(engine, budget, v, depth + 1, keyVerdict ?? verdict, state)]);
    }
    return entries;
  }
  const out: Record<string, unknown> = {};
  if (obj instanceof Error) {
    out.name = engine.redactText(String(obj.name), state.counts);
    out.message = engine.redactText(String(obj.message), state.counts);
    if (typeof obj.stack === 'string') out.stack = redactString(engine, budget, obj.stack, state);
  }
  for (const key of Object.keys(obj)) {
    if (state.nodes >= budget.maxNodes) {
      out['…'] = MARK.truncated;
      break;
    }
    const d = Object.getOwnPropertyDescriptor(obj, key);
    if (d === undefined) continue;
    if (!('value' in d)) {
      defineEntry(out, redactKey(engine, key, out, state), '[Getter]');
      continue;
    }
    if (d.value === undefined) continue;
    setEntry(engine, budget, out, key, d.value, depth, verdict, state);
  }
  return out;
}

function setEntry(
  engine: Engine,
  budget: Budget,
  out: Record<string, unknown>,
  key: string,
  v: unknown,
  depth: number,
  inherited: KeyVerdict | undefined,
  state: WalkState,
): void {
  const own = engine.classifyKey(key);
  const verdict = own !== undefined && (own.mode === 'mask' || inherited === undefined) ? own : inherited;
  defineEntry(out, redactKey(engine, key, out, state), walk(engine, budget, v, depth + 1, verdict, state));
}

/**
 * Plain assignment of an inherited name would not add an own key: `__proto__` would replace the
 * prototype, and `toString` throws where the intrinsics are frozen. Other names are assigned.
 */
function defineEntry(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key in out)
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** Keys can hold secrets too (a map keyed by e-mail); a masked key that collides gets a suffix. */
function redactKey(engine: Engine, key: string, out: Record<string, unknown>, state: WalkState): string {
  let k = engine.redactText(key, state.counts);
  if (k !== key && Object.prototype.hasOwnProperty.call(out, k)) {
    let n = 2;
    while (Object.prototype.hasOwnProperty.call(out, `${k}#${n}`)) n++;
    k = `${k}#${n}`;
  }
  return k;
}
