import { GloveboxError, type Clock } from '@glovebox/core';
import type { DebugAction } from '@glovebox/protocol';
import { mergeCounts, type RedactionCounts, type Redactor } from '@glovebox/redact';
import type { AccessService } from './access.js';
import type { AgentHub } from './agent-hub.js';
import type { AuditService } from './audit-service.js';
import type { Actor } from './identity.js';

export interface ActionServiceConfig {
  clock: Clock;
  access: AccessService;
  hub: AgentHub;
  audit: AuditService;
  /** Gateway-side redactors by masking level: the second pass over everything an agent returns. */
  redactors: { standard: Redactor; strict: Redactor };
}

export interface ActionOutput {
  result: unknown;
  redactions: RedactionCounts;
  auditEventId: string;
}

/**
 * Runs one debug action: authorize with current context → durable intent event → signed call to
 * the agent → second-pass redaction → durable result event → release. If either audit write
 * fails, nothing is forwarded or nothing is released.
 */
export class ActionService {
  readonly #c: ActionServiceConfig;

  constructor(config: ActionServiceConfig) {
    this.#c = config;
  }

  async run(
    actor: Actor,
    sessionId: string,
    action: DebugAction,
    params: Record<string, unknown>,
    options: {
      onStream?: (data: unknown) => void;
      signal?: AbortSignal;
      timeoutMs?: number;
      policyContext?: Record<string, unknown>;
    } = {},
  ): Promise<ActionOutput> {
    const { session, decision } = await this.#c.access.authorizeAction(
      actor,
      sessionId,
      action,
      options.policyContext,
    );
    const redactor = this.#c.redactors[session.obligations.masking];
    const base = {
      actor: { kind: 'user' as const, id: actor.name },
      sessionId,
      action,
      target: session.target,
    };
    await this.#c.audit.record({
      ...base,
      type: 'action.intent',
      decision,
      outcome: 'pending',
      details: { params },
    });
    const started = this.#c.clock.now();
    const streamCounts: RedactionCounts = {};
    let streamBytes = 0;
    const onStream = options.onStream
      ? (data: unknown) => {
          const { value, counts } = redactor.redactValue(data);
          mergeCounts(streamCounts, counts);
          streamBytes += JSON.stringify(value ?? null).length;
          options.onStream?.(value);
        }
      : undefined;
    let outcome: Awaited<ReturnType<AgentHub['call']>>;
    try {
      outcome = await this.#c.hub.call({
        session,
        action,
        params,
        masking: session.obligations.masking,
        ...(onStream ? { onStream } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
    } catch (error) {
      const code = error instanceof GloveboxError ? error.code : 'GBX_INTERNAL';
      await this.#c.audit.record({
        ...base,
        type: 'action.result',
        outcome: 'failure',
        details: { error: code, durationMs: this.#c.clock.now() - started },
      });
      throw error;
    }
    const durationMs = this.#c.clock.now() - started;
    if (!outcome.ok) {
      const message = redactor.redactText(outcome.error?.message ?? 'the agent refused the action').text;
      await this.#c.audit.record({
        ...base,
        type: 'action.result',
        outcome: 'failure',
        details: { error: outcome.error?.code ?? 'unknown', message, durationMs },
      });
      throw new GloveboxError('GBX_AGENT_REFUSED', message, {
        details: { agentCode: outcome.error?.code ?? 'unknown' },
      });
    }
    const second = redactor.redactValue(outcome.result ?? null);
    const redactions = mergeCounts(
      mergeCounts({ ...(outcome.redactions ?? {}) }, streamCounts),
      second.counts,
    );
    const event = await this.#c.audit.record({
      ...base,
      type: 'action.result',
      outcome: 'success',
      details: {
        durationMs,
        bytes: JSON.stringify(second.value ?? null).length + streamBytes,
        accessed: outcome.accessed ?? {},
        redactions,
        gatewayRedactions: mergeCounts({ ...streamCounts }, second.counts),
      },
    });
    return { result: second.value, redactions, auditEventId: event.id };
  }
}
