import type { ChainedEvent } from './event.js';

/**
 * The columns a store keeps beside each event's hashed text so it can be searched. They are
 * derived from the event and from nothing else; `verifyEvents` recomputes them and reports any
 * stored column that disagrees with the hashed event (`changed`).
 */
export interface AuditColumns {
  seq: number;
  id: string;
  time: string;
  type: string;
  /** `kind:id`, e.g. `user:alice`. */
  actor: string;
  sessionId: string | null;
  action: string | null;
  target: string | null;
  outcome: string;
  /** `allow`, `deny`, or null for events without a policy decision. */
  decision: 'allow' | 'deny' | null;
  prevHash: string;
  hash: string;
}

/** The search columns of an event, as every store must keep them. */
export function auditColumns(event: ChainedEvent): AuditColumns {
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
    decision: event.decision === undefined ? null : event.decision.allowed ? 'allow' : 'deny',
    prevHash: event.prevHash,
    hash: event.hash,
  };
}

const NAMES = [
  'seq',
  'id',
  'time',
  'type',
  'actor',
  'sessionId',
  'action',
  'target',
  'outcome',
  'decision',
  'prevHash',
  'hash',
] as const satisfies readonly (keyof AuditColumns)[];

/**
 * The first stored column that disagrees with the event, or null when all agree. A column the
 * store does not return (`undefined`) is not compared.
 */
export function columnMismatch(
  stored: Partial<AuditColumns>,
  event: ChainedEvent,
): { column: keyof AuditColumns; stored: unknown; hashed: unknown } | null {
  const expected = auditColumns(event);
  for (const name of NAMES) {
    const value = stored[name];
    if (value !== undefined && value !== expected[name])
      return { column: name, stored: value, hashed: expected[name] };
  }
  return null;
}
