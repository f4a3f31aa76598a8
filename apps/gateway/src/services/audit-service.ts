import { GloveboxError, newId, type Clock } from '@glovebox/core';
import { chainEvent, type AuditEventInput, type ChainedEvent } from '@glovebox/audit';
import type { Decision } from '@glovebox/policy';
import { canonicalJson } from '@glovebox/protocol';
import type { Redactor } from '@glovebox/redact';
import type { AuditRow, Store } from '../store/index.js';

export interface AuditServiceConfig {
  store: Store;
  clock: Clock;
  /** Second-pass redaction of every free-form field before it enters the trail. */
  redactor: Redactor;
  /** Called after each durable append (sinks, checkpoints, metrics). Must not throw. */
  onAppend?: (event: ChainedEvent) => void;
  /** Called when an append fails, with a message that carries no secret. */
  onFailure?: (error: unknown) => void;
}

/** One thing that happened, as services describe it. */
export interface AuditRecord {
  type: AuditEventInput['type'];
  severity?: AuditEventInput['severity'];
  actor: AuditEventInput['actor'];
  sessionId?: string | undefined;
  action?: string | undefined;
  target?: string | undefined;
  decision?: Decision | undefined;
  outcome: AuditEventInput['outcome'];
  details?: Record<string, unknown> | undefined;
}

/**
 * Writes audit events into the hash chain in the store. If the write fails the caller gets
 * GBX_AUDIT_UNAVAILABLE, and must not perform (or release the result of) the action.
 */
export class AuditService {
  readonly #c: AuditServiceConfig;
  readonly #queue: {
    input: AuditEventInput;
    resolve: (e: ChainedEvent) => void;
    reject: (e: unknown) => void;
  }[] = [];
  #writing = false;

  constructor(config: AuditServiceConfig) {
    this.#c = config;
  }

  /**
   * Records an event input built by the audit library (recording hashes, counts): its details hold
   * no free text, and are kept byte-exact so recordings verify against them.
   */
  recordInput(input: AuditEventInput): Promise<ChainedEvent> {
    return this.record(
      {
        type: input.type,
        severity: input.severity,
        actor: input.actor,
        sessionId: input.sessionId,
        action: input.action,
        target: input.target,
        outcome: input.outcome,
        details: input.details,
      },
      false,
    );
  }

  async record(record: AuditRecord, redactDetails = true): Promise<ChainedEvent> {
    const details =
      record.details === undefined
        ? {}
        : redactDetails
          ? this.#c.redactor.redactValue(record.details).value
          : record.details;
    const input: AuditEventInput = {
      type: record.type,
      severity: record.severity ?? (record.outcome === 'denied' || record.outcome === 'failure' ? 'W' : 'I'),
      time: new Date(this.#c.clock.now()).toISOString(),
      actor: record.actor,
      ...(record.sessionId ? { sessionId: record.sessionId } : {}),
      ...(record.action ? { action: record.action } : {}),
      ...(record.target ? { target: record.target } : {}),
      ...(record.decision
        ? {
            decision: {
              allowed: record.decision.allowed,
              determiningPolicies: record.decision.determiningPolicies,
              policyVersion: record.decision.policyVersion,
              reasons: record.decision.reasons.map((r) => this.#c.redactor.redactText(r).text),
            },
          }
        : {}),
      outcome: record.outcome,
      details: details as Record<string, unknown>,
    };
    // Reject a malformed event on its own, before it can share a transaction with others.
    chainEvent(null, input, 'evt_validation');
    return new Promise<ChainedEvent>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      void this.#drain();
    });
  }

  /**
   * Group commit: events recorded while a write is in flight are chained in order and written
   * together in the next transaction. Each caller still resolves only once its event is durable.
   */
  async #drain(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, 256);
        let events: ChainedEvent[] = [];
        try {
          await this.#c.store.appendAudit((head) => {
            events = [];
            let previous = head;
            for (const item of batch) {
              const event = chainEvent(previous, item.input, newId('evt'));
              events.push(event);
              previous = event;
            }
            return events.map(toRow);
          });
        } catch (error) {
          this.#c.onFailure?.(error);
          const failure = new GloveboxError(
            'GBX_AUDIT_UNAVAILABLE',
            'the audit trail could not be written, so nothing was done',
            {
              cause: error,
            },
          );
          for (const item of batch) item.reject(failure);
          continue;
        }
        events.forEach((event, i) => {
          this.#c.onAppend?.(event);
          batch[i]!.resolve(event);
        });
      }
    } finally {
      this.#writing = false;
    }
  }
}

function toRow(event: ChainedEvent): AuditRow {
  return {
    seq: event.seq,
    id: event.id,
    time: event.time,
    type: event.type,
    actor: `${event.actor.kind}:${event.actor.id}`,
    sessionId: event.sessionId ?? null,
    action: event.action ?? null,
    target: event.target ?? null,
    outcome: event.outcome,
    prevHash: event.prevHash,
    hash: event.hash,
    event: canonicalJson(event),
  };
}
