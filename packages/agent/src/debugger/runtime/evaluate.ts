/**
 * `eval` in the restricted expression language: the expression is interpreted (data properties only,
 * no calls, no allocation beyond the serializer's budgets), so it cannot run application code, loop,
 * or grow the heap. Injected by source text.
 */
import type { Intrinsics } from './intrinsics.js';
import { evaluateExpr, newEvalCtx } from './interpreter.js';
import type { SensitiveKeys } from './sensitive.js';
import { serializeRoot } from './serializer.js';
import type { CaptureBudgets, ExprNode, ScopeReader } from './types.js';

/** The outcome of one evaluation, as JSON-safe data. */
export type EvalOutcome =
  | { ok: true; value: unknown; truncated: Record<string, number>; bytes: number; redacted: number }
  | { ok: false; threw: string };

export function evaluateForEval(
  I: Intrinsics,
  keys: SensitiveKeys,
  sentinels: { masked: object; unsafe: object },
  expr: { node: ExprNode; names: string[]; sensitive: number[] },
  read: ScopeReader,
  budgets: CaptureBudgets,
): EvalOutcome {
  const ctx = newEvalCtx(I, keys, expr.names, new Set(expr.sensitive), sentinels);
  ctx.read = read;
  let v: unknown;
  try {
    v = evaluateExpr(expr.node, ctx);
  } catch (e) {
    let name = 'Error';
    try {
      const n = I.getDesc(I.getProto(e as object) as object, 'name');
      if (n !== undefined && typeof n.value === 'string') name = n.value;
    } catch {
      // The class name is decoration.
    }
    return { ok: false, threw: name };
  }
  if (v === ctx.masked) return { ok: true, value: '[REDACTED]', truncated: {}, bytes: 10, redacted: 1 };
  if (v === ctx.unsafe)
    return { ok: true, value: { '@type': 'unavailable' }, truncated: {}, bytes: 20, redacted: 0 };
  const r = serializeRoot(I, keys, v, budgets);
  return {
    ok: true,
    // Past the time budget the eval is refused: what was read is dropped here, not turned into
    // JSON (that doubled the main thread's stall).
    value: (r.truncated.time ?? 0) > 0 ? null : r.value,
    truncated: { ...r.truncated },
    bytes: r.bytes,
    redacted: r.redacted + ctx.redacted,
  };
}
