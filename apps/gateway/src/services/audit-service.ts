import { GloveboxError, isGloveboxError, newId, type Clock } from '@glovebox/core';
import {
  auditColumns,
  linkEvent,
  prepareEvent,
  type AuditEventInput,
  type ChainedEvent,
  type PreparedEvent,
} from '@glovebox/audit';
import type { Decision } from '@glovebox/policy';
import type { Redactor } from '@glovebox/redact';
import type { AuditRow, ChainHead, Store } from '../store/index.js';
import { replayDetails } from './decision-replay.js';

export interface AuditServiceConfig {
  store: Store;
  clock: Clock;
  /** Second-pass redaction of every free-form field before it enters the trail. */
  redactor: Redactor;
  /** Called after each durable append (sinks, checkpoints, metrics). Must not throw. */
  onAppend?: (event: ChainedEvent) => void;
  /** Called when an append fails, with a message that carries no secret. */
  onFailure?: (error: unknown) => void;
  /**
   * Called once when the store turns out to have gone backwards or been rewritten under this
   * process (`GBX_AUDIT_ROLLED_BACK`, `GBX_AUDIT_TAMPERED`); from then on every record is refused.
   */
  onIntegrityFailure?: (error: GloveboxError) => void;
}

/** The longest an event recorded with {@link AuditService.recordTrailing} waits for company. */
export const TRAILING_MAX_MS = 20;

const INTEGRITY_CODES = new Set(['GBX_AUDIT_ROLLED_BACK', 'GBX_AUDIT_TAMPERED']);

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
 * GBX_AUDIT_UNAVAILABLE, and must not perform (or release the result of) the action. Every append
 * is anchored to the last event this process wrote: a store that no longer holds it is refused,
 * and so is every later record (fail closed until an operator recovers the store).
 */
export class AuditService {
  readonly #c: AuditServiceConfig;
  readonly #queue: {
    prepared: PreparedEvent;
    resolve: (e: ChainedEvent) => void;
    reject: (e: unknown) => void;
  }[] = [];
  #writing = false;
  /** Pending while trailing events wait for a transaction to join. */
  #trailingTimer: NodeJS.Timeout | undefined;
  /** Callers of {@link flush} waiting for the queue to empty. */
  readonly #flushed: (() => void)[] = [];
  /** The last head this process knows to be in the store; undefined until anchored. */
  #anchor: ChainHead | null | undefined;
  #halted: GloveboxError | null = null;

  constructor(config: AuditServiceConfig) {
    this.#c = config;
  }

  /** Anchors later appends to `head`: the store's head as checked against the witness at start. */
  anchorAt(head: ChainHead | null): void {
    this.#anchor = head;
  }

  /** The last head this process wrote or was anchored at; null for an empty trail. */
  get head(): ChainHead | null {
    return this.#anchor ?? null;
  }

  /** The integrity failure that stopped all writing, if any. */
  get halted(): GloveboxError | null {
    return this.#halted;
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
    const prepared = this.#prepare(record, redactDetails);
    return new Promise<ChainedEvent>((resolve, reject) => {
      this.#queue.push({ prepared, resolve, reject });
      void this.#drain();
    });
  }

  /**
   * Records an event that gates nothing (an `api.request`, written after its reply): it is chained
   * into the next transaction, or written on its own after at most {@link TRAILING_MAX_MS}, so it
   * costs no commit of its own. A failure to write it reaches `onFailure`; nothing waits on it.
   */
  recordTrailing(record: AuditRecord): void {
    if (this.#halted) return; // refused like every record; the halt was reported once
    let prepared: PreparedEvent;
    try {
      prepared = this.#prepare(record, true);
    } catch (error) {
      this.#c.onFailure?.(error);
      return;
    }
    this.#queue.push({ prepared, resolve: () => undefined, reject: () => undefined });
    this.#trailingTimer ??= setTimeout(() => {
      this.#trailingTimer = undefined;
      void this.#drain();
    }, TRAILING_MAX_MS).unref();
  }

  /** Resolves once every event recorded before the call is in the store (or failed). */
  flush(): Promise<void> {
    if (this.#queue.length === 0 && !this.#writing) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#flushed.push(resolve);
      void this.#drain();
    });
  }

  #prepare(record: AuditRecord, redactDetails: boolean): PreparedEvent {
    const redacted =
      record.details === undefined
        ? {}
        : redactDetails
          ? this.#c.redactor.redactValue(record.details).value
          : record.details;
    // What `policy plan` needs to decide this again; identifiers as decided, free text redacted.
    const replay = replayDetails(record.decision, this.#c.redactor);
    const details = replay === undefined ? redacted : { ...(redacted as object), replay };
    const input: AuditEventInput = {
      type: record.type,
      severity: record.severity ?? (record.outcome === 'denied' || record.outcome === 'failure' ? 'W' : 'I'),
      time: new Date(this.#c.clock.now()).toISOString(),
      actor: record.actor,
      ...(record.sessionId ? { sessionId: record.sessionId } : {}),
      ...(record.action ? { action: record.action } : {}),
      ...(record.target ? { target: record.target } : {}),
      ...(record.decision ? { decision: this.#decision(record.decision) } : {}),
      outcome: record.outcome,
      details: details as Record<string, unknown>,
    };
    if (this.#halted) throw this.#halted;
    // Reject a malformed or oversized event on its own, before it can share a transaction with
    // others; the validated, canonicalized fields are what is chained (validated and serialized once).
    return prepareEvent(input);
  }

  /** The decision as the event keeps it; an evaluation error that caused a deny says so. */
  #decision(decision: Decision): NonNullable<AuditEventInput['decision']> {
    const redact = (text: string) => this.#c.redactor.redactText(text).text.slice(0, 512);
    const errors = decision.errors.slice(0, 32).map(redact);
    return {
      allowed: decision.allowed,
      determiningPolicies: decision.determiningPolicies,
      policyVersion: decision.policyVersion,
      reasons: decision.reasons.map(redact),
      ...(errors.length > 0 ? { errors } : {}),
    };
  }

  /**
   * Group commit: events recorded while a write is in flight are chained in order and written
   * together in the next transaction. Each caller still resolves only once its event is durable.
   */
  async #drain(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      // One turn of the event loop first: events that requests in the same poll phase record
      // share this transaction (an embedded store writes synchronously, so nothing else could
      // join it while it writes).
      await new Promise((resolve) => setImmediate(resolve));
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, 256);
        let events: ChainedEvent[] = [];
        try {
          if (this.#halted) throw this.#halted;
          await this.#c.store.appendAudit((head) => {
            events = [];
            let previous = head;
            const rows: AuditRow[] = [];
            for (const item of batch) {
              const { event, json } = linkEvent(previous, item.prepared, newId('evt'));
              events.push(event);
              rows.push(toRow(event, json));
              previous = event;
            }
            return rows;
          }, this.#anchor);
        } catch (error) {
          for (const item of batch) item.reject(this.#failure(error));
          continue;
        }
        const last = events.at(-1);
        if (last) this.#anchor = { seq: last.seq, hash: last.hash };
        events.forEach((event, i) => {
          this.#c.onAppend?.(event);
          batch[i]!.resolve(event);
        });
      }
    } finally {
      this.#writing = false;
      if (this.#queue.length === 0) {
        clearTimeout(this.#trailingTimer);
        this.#trailingTimer = undefined;
      }
      for (const resolve of this.#flushed.splice(0)) resolve();
    }
  }

  /** What a failed append turns into for its callers; an integrity failure stops all writing. */
  #failure(error: unknown): GloveboxError {
    if (isGloveboxError(error) && INTEGRITY_CODES.has(error.code)) {
      if (this.#halted === null) {
        this.#halted = error;
        this.#c.onIntegrityFailure?.(error);
      }
      return this.#halted;
    }
    this.#c.onFailure?.(error);
    return new GloveboxError(
      'GBX_AUDIT_UNAVAILABLE',
      'the audit trail could not be written, so nothing was done',
      {
        cause: error,
      },
    );
  }
}

/** The stored row: search columns and the event's canonical JSON (as {@link linkEvent} made it). */
function toRow(event: ChainedEvent, json: string): AuditRow {
  const { decision: _generated, ...columns } = auditColumns(event);
  return { ...columns, event: json };
}
