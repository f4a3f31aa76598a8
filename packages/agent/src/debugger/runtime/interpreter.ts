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
  // A string is read whole or not at all: its characters one by one would pass the redactor
  // (`{email[0]}_{email[1]}…`), and a character compared is an oracle for it.
  if (typeof o === 'string') return k === 'length' ? o.length : ctx.unsafe;
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
      return screen(ctx.read(n.i), ctx);
    }
    case 'get':
      return screen(safeGet(evaluateExpr(n.o, ctx), evaluateExpr(n.p, ctx), ctx), ctx);
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
      // Strings are joined (`+`), never ordered or turned into numbers: `email < 'm'` would be a
      // binary search for it, and `'4111…' % 1e8` would split a card number.
      if ((typeof a === 'string' || typeof b === 'string') && op !== '+') return ctx.unsafe;
      return arith(op, a as number, b as number, ctx.unsafe);
  }
}

/**
 * A value read from the application, screened: a whole number shaped like a card number is masked
 * where it is read, since arithmetic could split it into pieces the redactor cannot recognise.
 */
export function screen(v: unknown, ctx: EvalCtx): unknown {
  if (typeof v !== 'number' || !cardShaped(v)) return v;
  ctx.redacted++;
  return ctx.masked;
}

/**
 * 15 or 16 digits, a card brand's first digits (Amex 34/37; Visa 4; Mastercard 51-55, 22-27;
 * Discover and others 6) and a valid Luhn sum. Millisecond timestamps have 13 digits.
 */
export function cardShaped(v: number): boolean {
  if (!(v >= 1e14 && v < 1e16) || v % 1 !== 0) return false;
  const sixteen = v >= 1e15;
  const scale = sixteen ? 1e14 : 1e13;
  const lead = (v - (v % scale)) / scale;
  const first = (lead - (lead % 10)) / 10;
  const brand = sixteen
    ? first === 4 || first === 6 || (lead >= 51 && lead <= 55) || (lead >= 22 && lead <= 27)
    : lead === 34 || lead === 37;
  if (!brand) return false;
  let x = v;
  let sum = 0;
  for (let i = 0; x > 0; i++) {
    let d = x % 10;
    x = (x - d) / 10;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
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
