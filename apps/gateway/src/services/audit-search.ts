import { auditColumns, columnMismatch, inspectEvent, type ChainedEvent } from '@glovebox/audit';
import { parseTimeSpec } from '@glovebox/core';
import type { auditQuerySchema } from '@glovebox/protocol';
import type { z } from 'zod';
import type { AuditFilter, AuditRow, Store } from '../store/index.js';
import { storedColumns } from './audit-records.js';

/** One event as readers see it: every field taken from the hashed event, never from a column. */
export interface AuditEventView {
  seq: number;
  id: string;
  time: string;
  type: string;
  actor: string;
  sessionId: string | null;
  action: string | null;
  target: string | null;
  outcome: string;
  decision: 'allow' | 'deny' | null;
  hash: string;
  /** False when the event does not match its own hash or a stored column disagrees with it. */
  intact: boolean;
  event: Record<string, unknown>;
}

/** A page of search results, newest first, with the cursors for the neighbouring pages. */
export interface AuditPage {
  events: AuditEventView[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  older: number | null;
  /** Pass as `after` for the previous (newer) page; null when the page starts at the newest match. */
  newer: number | null;
  /** Seqs whose stored columns matched the filter but whose hashed event does not: edited rows. */
  inconsistent: number[];
}

/** A search as the API takes it, mapped to the store's filter: times resolved at `now`, in UTC. */
export function auditFilterOf(q: z.infer<typeof auditQuerySchema>, now: number): AuditFilter {
  const offset = q.tz ?? 0;
  const time = (text: string | undefined) =>
    text === undefined ? undefined : new Date(parseTimeSpec(text, now, () => offset)).toISOString();
  const filter: { [K in keyof AuditFilter]: AuditFilter[K] | undefined } = {
    since: time(q.since),
    until: time(q.until),
    actor: q.actor === undefined ? undefined : q.actor.includes(':') ? q.actor : `user:${q.actor}`,
    sessionId: q.session,
    target: q.target,
    action: q.action,
    type: q.type,
    outcome: q.outcome,
    decision: q.decision,
    before: q.before,
    after: q.after,
    limit: q.limit ?? 100,
  };
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
}

/** The view of a stored row, derived from its hashed text; a row whose text is not an event shows its columns, flagged. */
export function auditView(row: AuditRow): AuditEventView {
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.event);
  } catch {
    parsed = null;
  }
  const inspected = inspectEvent(parsed, row.event);
  if (inspected === null) {
    return {
      seq: row.seq,
      id: row.id,
      time: row.time,
      type: row.type,
      actor: row.actor,
      sessionId: row.sessionId,
      action: row.action,
      target: row.target,
      outcome: row.outcome,
      decision: null,
      hash: row.hash,
      intact: false,
      event: {},
    };
  }
  const event: ChainedEvent = inspected.event;
  const columns = auditColumns(event);
  return {
    ...columns,
    intact: inspected.selfOk && columnMismatch(storedColumns(row), event) === null,
    event: event as unknown as Record<string, unknown>,
  };
}

/** True when the view (the hashed event) satisfies the filter the columns were searched with. */
function matches(view: AuditEventView, filter: AuditFilter): boolean {
  const equal: [keyof AuditFilter, unknown][] = [
    ['actor', view.actor],
    ['sessionId', view.sessionId],
    ['target', view.target],
    ['action', view.action],
    ['type', view.type],
    ['outcome', view.outcome],
    ['decision', view.decision],
  ];
  for (const [key, value] of equal) if (filter[key] !== undefined && filter[key] !== value) return false;
  if (filter.since !== undefined && view.time < filter.since) return false;
  if (filter.until !== undefined && view.time >= filter.until) return false;
  return true;
}

/**
 * Searches the trail: every filter in the database query, newest first, paged by seq. What is
 * shown comes from the hashed events; a row whose edited columns matched the filter while its
 * event does not is left out and reported in `inconsistent`.
 */
export async function searchAudit(store: Store, filter: AuditFilter): Promise<AuditPage> {
  const limit = filter.limit ?? 100;
  const rows = await store.queryAudit({ ...filter, order: 'desc', limit: limit + 1 });
  const forward = filter.after !== undefined && filter.before === undefined;
  // One row more than asked tells whether a further page exists in the direction of travel.
  const more = rows.length > limit;
  const page = more ? (forward ? rows.slice(1) : rows.slice(0, limit)) : rows;
  const events: AuditEventView[] = [];
  const inconsistent: number[] = [];
  for (const row of page) {
    const view = auditView(row);
    if (matches(view, filter)) events.push(view);
    else inconsistent.push(row.seq);
  }
  const newest = page[0]?.seq;
  const oldest = page.at(-1)?.seq;
  return {
    events,
    older: oldest === undefined ? null : forward || more ? oldest : null,
    newer:
      newest === undefined
        ? null
        : forward
          ? more
            ? newest
            : null
          : filter.before === undefined
            ? null
            : newest,
    inconsistent,
  };
}
