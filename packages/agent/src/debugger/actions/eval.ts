/**
 * `eval`: an expression evaluated in the process in the restricted expression language of conditions
 * (names, literals, data-property reads, comparisons and arithmetic on primitives; no calls, no `new`,
 * no assignment). It cannot run application code, loop or allocate beyond the serializer's budgets,
 * so it cannot stall the application or grow its heap; reading the value is bounded by the time
 * budget, and going over it is refused with `GBX_DEBUG_EVAL_BUDGET`.
 */
import { GloveboxError } from '@glovebox/core';
import type { ActionContext, ActionOutcome } from '../../action.js';
import type { DebuggerCore } from '../core.js';
import { NameTable, parseExpression } from '../expression.js';
import { isReadableName, readerSource } from '../hook.js';
import type { EvalOutcome } from '../runtime/evaluate.js';
import type { TruncationMarks } from '../runtime/types.js';
import { evalParamsSchema } from '../schemas.js';
import { nonZero } from '../util.js';

export async function evalAction(
  core: DebuggerCore,
  params: unknown,
  ctx: ActionContext,
): Promise<ActionOutcome> {
  const p = evalParamsSchema.parse(params);
  const timeoutMs = Math.min(p.timeoutMs, core.o.maxEvalTimeoutMs);
  const names = new NameTable([]);
  const node = parseExpression(p.expression, names);
  if (!names.names.every(isReadableName))
    throw new GloveboxError('GBX_DEBUG_EXPRESSION_INVALID', 'a name in the expression cannot be read');
  const sensitive = names.names.flatMap((n, i) => (core.isSensitiveName(n) ? [i] : []));
  const budgets = { ...core.o.budgets, maxTimeMs: Math.min(core.o.budgets.maxTimeMs, timeoutMs) };
  const outcome = await core.installer.serial(async () => {
    await core.link.ensureRuntime({
      globalPerSecond: core.o.globalPerSecond,
      sensitiveKeys: core.o.sensitiveKeys,
    });
    const expr = JSON.stringify({ node, names: names.names, sensitive });
    const r = await core.link.post('Runtime.evaluate', {
      expression: `globalThis.${core.link.key}.evaluateToJson(${expr}, ${readerSource(names.names)}, ${JSON.stringify(budgets)})`,
      timeout: timeoutMs,
      silent: true,
      returnByValue: true,
    });
    const json = (r['result'] as { value?: unknown } | undefined)?.value;
    // The interpreter never throws out of evaluateToJson: an exception here is the timeout backstop.
    if (r['exceptionDetails'] !== undefined || typeof json !== 'string') throw overBudget('time', timeoutMs);
    return JSON.parse(json) as EvalOutcome;
  });
  if (!outcome.ok) {
    const name = /^\w{1,40}$/.test(outcome.threw) ? outcome.threw : 'an error';
    throw new GloveboxError('GBX_DEBUG_EVAL_FAILED', `the expression threw ${name}`);
  }
  if ((outcome.truncated['time'] ?? 0) > 0) throw overBudget('time', budgets.maxTimeMs);
  const red = core.redactor(ctx.masking).redactValue(outcome.value);
  const counts = { ...red.counts };
  if (outcome.redacted > 0) counts['SENSITIVE_KEY'] = (counts['SENSITIVE_KEY'] ?? 0) + outcome.redacted;
  const truncated = nonZero(outcome.truncated as unknown as TruncationMarks);
  return {
    result: {
      value: red.value,
      type: typeOf(outcome.value),
      ...(Object.keys(truncated).length > 0 ? { truncated } : {}),
    },
    accessed: { expression: true, variables: names.names.slice(0, 200), bytes: outcome.bytes },
    redactions: counts,
  };
}

function overBudget(budget: 'time', limitMs: number): GloveboxError {
  return new GloveboxError(
    'GBX_DEBUG_EVAL_BUDGET',
    `reading the value went over its ${budget} budget (${limitMs} ms) and was stopped; ask for a part of it`,
    { details: { budget, limitMs } },
  );
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const marker = (value as Record<string, unknown>)['@type'];
  return typeof marker === 'string' ? marker : Array.isArray(value) ? 'array' : 'object';
}
