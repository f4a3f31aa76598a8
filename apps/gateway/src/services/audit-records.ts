import type { AuditColumns, AuditRecord } from '@glovebox/audit';
import type { AuditRow, Store } from '../store/index.js';

/** The search columns of a stored row, as the verifier compares them with the hashed event. */
export function storedColumns(row: AuditRow): Partial<AuditColumns> {
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
    ...(row.decision === undefined ? {} : { decision: row.decision as AuditColumns['decision'] }),
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

function checkpointRecord(stored: { seq: number; checkpoint: string }): AuditRecord {
  let checkpoint: unknown;
  try {
    checkpoint = JSON.parse(stored.checkpoint);
  } catch {
    checkpoint = null;
  }
  // A checkpoint whose seq column disagrees with its signed seq is placed by its column, where
  // the verifier finds it out of place.
  return {
    kind: 'checkpoint',
    checkpoint: checkpoint as Extract<AuditRecord, { kind: 'checkpoint' }>['checkpoint'],
  };
}

/**
 * The trail as a store holds it, in seq order from `afterSeq`: each event as its stored text with
 * its search columns, and each checkpoint right after the event it signs. Checkpoints whose event
 * is gone still appear, where the verifier reports the hole.
 */
export async function* storedRecords(
  store: Store,
  afterSeq = 0,
  pageSize = 2000,
): AsyncGenerator<AuditRecord> {
  let after = afterSeq;
  for (;;) {
    const rows = await store.readAuditAfter(after, pageSize);
    if (rows.length > 0) {
      const last = rows.at(-1)!.seq;
      const checkpoints = await store.readCheckpoints(after, last);
      let next = 0;
      for (const row of rows) {
        while (next < checkpoints.length && checkpoints[next]!.seq < row.seq)
          yield checkpointRecord(checkpoints[next++]!);
        yield { kind: 'stored', seq: row.seq, text: row.event, columns: storedColumns(row) };
        while (next < checkpoints.length && checkpoints[next]!.seq === row.seq)
          yield checkpointRecord(checkpoints[next++]!);
      }
      after = last;
      if (rows.length === pageSize) continue;
    }
    // A checkpoint past the last event read: a live trail may have gained events and their
    // checkpoint since that read, so they are read again first. Only a checkpoint whose events
    // are still not there is an orphan, which the verifier reports as a cut tail.
    const beyond = await store.readCheckpoints(after, Number.MAX_SAFE_INTEGER);
    if (beyond.length === 0) return;
    if ((await store.readAuditAfter(after, 1)).length > 0) continue;
    for (const orphan of beyond) yield checkpointRecord(orphan);
    return;
  }
}
