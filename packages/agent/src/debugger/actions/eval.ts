/** `eval`: a side-effect-free expression evaluated in the process, under time and heap budgets. */
import { randomBytes } from 'node:crypto';
import { GloveboxError } from '@glovebox/core';
import type { ActionContext, ActionOutcome } from '../../action.js';
import type { DebuggerCore } from '../core.js';
import type { TruncationMarks } from '../runtime/types.js';
import { evalParamsSchema } from '../schemas.js';
import { nonZero } from '../util.js';

export async function evalAction(
  core: DebuggerCore,
  params: unknown,
  ctx: ActionContext,
): Promise<ActionOutcome> {
  const p = evalParamsSchema.parse(params);
  const timeout = Math.min(p.timeoutMs, core.o.maxEvalTimeoutMs);
  return core.installer.serial(async () => {
    await core.link.ensureRuntime({
      globalPerSecond: core.o.globalPerSecond,
      sensitiveKeys: core.o.sensitiveKeys,
    });
    const group = `gbx-eval-${randomBytes(4).toString('hex')}`;
    let r: Record<string, unknown>;
    try {
      r = await core.link.post('Runtime.evaluate', {
        expression: p.expression,
        throwOnSideEffect: true,
        timeout,
        objectGroup: group,
        silent: true,
        generatePreview: false,
      });
    } catch (err) {
      if (err instanceof Error && /terminated/i.test(err.message)) {
        throw new GloveboxError(
          'GBX_DEBUG_TIMEOUT',
          `the expression ran longer than ${timeout} ms and was stopped`,
        );
      }
      throw err;
    }
    try {
      const details = r['exceptionDetails'] as
        { exception?: { className?: string; description?: string } } | undefined;
      const result = r['result'] as {
        type: string;
        value?: unknown;
        objectId?: string;
        unserializableValue?: string;
        description?: string;
      };
      if (details !== undefined) {
        const desc = details.exception?.description ?? '';
        if (/side-effect/i.test(desc)) {
          throw new GloveboxError(
            'GBX_DEBUG_SIDE_EFFECT',
            'the expression could have side effects, so it was not run',
          );
        }
        if (/terminated/i.test(desc))
          throw new GloveboxError('GBX_DEBUG_TIMEOUT', 'the expression was stopped');
        const className = details.exception?.className ?? 'Error';
        throw new GloveboxError(
          'GBX_DEBUG_EVAL_FAILED',
          `the expression threw ${/^\w{1,40}$/.test(className) ? className : 'an error'}`,
        );
      }
      let value: unknown;
      let truncated: TruncationMarks | undefined;
      let inIsolate = 0;
      let bytes = 0;
      if (result.objectId !== undefined) {
        const s = await core.link.post('Runtime.callFunctionOn', {
          functionDeclaration: `function (b) { return globalThis.${core.link.key}.serializeToJson(this, b); }`,
          objectId: result.objectId,
          arguments: [{ value: core.o.budgets }],
          returnByValue: true,
          silent: true,
        });
        const json = (s['result'] as { value?: unknown } | undefined)?.value;
        if (typeof json !== 'string') throw new Error('serialization failed');
        const parsed = JSON.parse(json) as {
          value: unknown;
          truncated: TruncationMarks;
          bytes: number;
          redacted: number;
        };
        value = parsed.value;
        truncated = parsed.truncated;
        inIsolate = parsed.redacted;
        bytes = parsed.bytes;
      } else if (result.unserializableValue !== undefined) {
        value = { '@type': result.type, value: result.unserializableValue };
      } else if (result.type === 'undefined') {
        value = { '@type': 'undefined' };
      } else if (result.type === 'string' && typeof result.value === 'string') {
        const max = core.o.budgets.maxStringLength;
        value =
          result.value.length > max
            ? { '@truncated': 'string', value: result.value.slice(0, max), length: result.value.length }
            : result.value;
        bytes = Math.min(result.value.length, max);
      } else {
        value = result.value;
      }
      const red = core.redactor(ctx.masking).redactValue(value);
      const counts = { ...red.counts };
      if (inIsolate > 0) counts['SENSITIVE_KEY'] = (counts['SENSITIVE_KEY'] ?? 0) + inIsolate;
      return {
        result: {
          value: red.value,
          type: result.type,
          ...(truncated === undefined ? {} : { truncated: nonZero(truncated) }),
        },
        accessed: { expression: true, bytes },
        redactions: counts,
      };
    } finally {
      await core.link.post('Runtime.releaseObjectGroup', { objectGroup: group }).catch(() => undefined);
    }
  });
}
