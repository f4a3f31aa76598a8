/**
 * The interpreter of the restricted expression language (conditions, logpoint templates): reads data
 * properties only, never calls anything, and treats masked values as poison. Injected by source text.
 */
import type { Intrinsics } from './intrinsics.js';
import { isSensitiveKey, type SensitiveKeys } from './sensitive.js';
import type { ExprNode, ScopeReader } from './types.js';

/** Evaluation context of one hit; reused across hits of a probe to avoid allocating. */
export interface EvalCtx {
  I: Intrinsics;
  keys: SensitiveKeys;
  /** Sentinel for a masked value: comparisons with it are masked too, and a masked condition is false. */
  masked: object;
  /** Sentinel for a value the language may not touch (a Proxy, a getter, an object in arithmetic). */
  unsafe: object;
  read: ScopeReader;
  names: string[];
  sensitive: Set<number>;
  redacted: number;
  readNames: string[];
}

export function newEvalCtx(
  I: Intrinsics,
  keys: SensitiveKeys,
  names: string[],
  sensitive: Set<number>,
  sentinels: { masked: object; unsafe: object },
): EvalCtx {
  const read: ScopeReader = () => undefined;
  return { I, keys, ...sentinels, read, names, sensitive, redacted: 0, readNames: [] };
}

/** Reads `key` of `o` like the language would, but only through data properties; never runs code. */
export function safeGet(o: unknown, key: unknown, ctx: EvalCtx): unknown {
  if (o === ctx.masked || key === ctx.masked) return ctx.masked;
  if (o === ctx.unsafe || key === ctx.unsafe) return ctx.unsafe;
  if (o === null || o === undefined) return undefined;
  if (typeof key !== 'string' && typeof key !== 'number') return ctx.unsafe;
  const I = ctx.I;
  const k = typeof key === 'number' ? I.StringCtor(key) : key;
  if (ctx.readNames.length < 64) ctx.readNames.push('.' + k);
  if (isSensitiveKey(I, ctx.keys, k)) {
    ctx.redacted++;
    return ctx.masked;
  }
  if (typeof o === 'string') {
    if (k === 'length') return o.length;
    const i = typeof key === 'number' ? key : -1;
    return i >= 0 && i < o.length ? o[i] : undefined;
  }
  if (typeof o !== 'object' && typeof o !== 'function') return undefined;
  if (I.isProxy(o) || o === I.envObject) return ctx.unsafe;
  if (k === 'size') {
    if (I.isMap(o)) return I.mapSize.call(o);
    if (I.isSet(o)) return I.setSize.call(o);
  }
  let p: unknown = o;
  for (let i = 0; i < 64 && p !== null; i++) {
    if (I.isProxy(p)) return ctx.unsafe;
    const d = I.getDesc(p as object, k);
    if (d !== undefined) return 'value' in d ? d.value : ctx.unsafe;
    p = I.getProto(p as object);
  }
  return undefined;
}

/** Evaluates one expression node. */
export function evaluateExpr(n: ExprNode, ctx: EvalCtx): unknown {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'undef':
      return undefined;
    case 'this':
      if (ctx.readNames.length < 64) ctx.readNames.push('this');
      return ctx.read(-1);
    case 'id': {
      const name = ctx.names[n.i];
      if (name === undefined) return undefined;
      if (ctx.readNames.length < 64) ctx.readNames.push(name);
      if (ctx.sensitive.has(n.i)) {
        ctx.redacted++;
        return ctx.masked;
      }
      return ctx.read(n.i);
    }
    case 'get':
      return safeGet(evaluateExpr(n.o, ctx), evaluateExpr(n.p, ctx), ctx);
    case 'not': {
      const a = evaluateExpr(n.a, ctx);
      if (a === ctx.masked || a === ctx.unsafe) return a;
      return !a;
    }
    case 'neg': {
      const a = evaluateExpr(n.a, ctx);
      return typeof a === 'number' ? -a : ctx.unsafe;
    }
    case 'bin':
      return evaluateBinary(n.op, n.a, n.b, ctx);
  }
}

export function evaluateBinary(op: string, an: ExprNode, bn: ExprNode, ctx: EvalCtx): unknown {
  if (op === '&&' || op === '||') {
    const a = evaluateExpr(an, ctx);
    if (a === ctx.masked || a === ctx.unsafe) return a;
    if (op === '&&' ? !a : a) return a;
    return evaluateExpr(bn, ctx);
  }
  const a = evaluateExpr(an, ctx);
  const b = evaluateExpr(bn, ctx);
  // Comparing a masked value would make conditions an oracle for it.
  if (a === ctx.masked || b === ctx.masked) return ctx.masked;
  if (a === ctx.unsafe || b === ctx.unsafe) return ctx.unsafe;
  const prim = isPrimitive(a) && isPrimitive(b);
  switch (op) {
    case '===':
    case '==':
      return prim && op === '==' ? a == b : a === b;
    case '!==':
    case '!=':
      return prim && op === '!=' ? a != b : a !== b;
    default:
      // Only primitives: objects would run valueOf/toString, which is user code.
      if (!prim || typeof a === 'symbol' || typeof b === 'symbol') return ctx.unsafe;
      return arith(op, a as number, b as number, ctx.unsafe);
  }
}

export function isPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}

export function arith(op: string, a: number, b: number, unsafe: object): unknown {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    default:
      return unsafe;
  }
}
