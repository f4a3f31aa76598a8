// Appending to the audit chain on PostgreSQL (ADR 0026): one round trip while the head is where
// this process left it, the locked transaction otherwise. Every replica takes the same advisory
// lock before it reads the head, so the chain stays one line whichever path each append takes.
import type pg from 'pg';
import { appendAtParams, AUDIT_INSERT_COLUMNS, AUDIT_LOCK, checkAnchor, columnArrays } from './audit-sql.js';
import type { AuditRow, ChainHead } from './types.js';

type Row = Record<string, unknown>;

const APPEND_AT =
  'SELECT glovebox_audit_append_at($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) AS ok';
const INSERT_ROWS = `INSERT INTO audit_events (${AUDIT_INSERT_COLUMNS})
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
    $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])`;

/**
 * Appends the rows `build` chains onto the head. With an anchor (the event this process wrote
 * last), `build(anchor)` is tried first in one statement that inserts only if the head is still
 * the anchor. Otherwise (or if another replica appended meanwhile) a transaction takes the lock,
 * reads the head, checks the anchor (`GBX_AUDIT_ROLLED_BACK`, `GBX_AUDIT_TAMPERED`) and inserts
 * `build(head)`. Resolves only once the rows are committed.
 */
export async function appendAuditPostgres(
  pool: pg.Pool,
  build: (head: ChainHead | null) => AuditRow[],
  anchor: ChainHead | null | undefined,
): Promise<AuditRow[]> {
  if (anchor) {
    const rows = build(anchor);
    const result = await pool.query(APPEND_AT, appendAtParams(anchor, rows));
    if ((result.rows[0] as Row).ok === true) return rows;
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    const found = (
      await client.query(
        `(SELECT seq, hash, true AS head FROM audit_events ORDER BY seq DESC LIMIT 1)
         UNION ALL (SELECT seq, hash, false AS head FROM audit_events WHERE seq = $1)`,
        [anchor?.seq ?? 0],
      )
    ).rows as Row[];
    const top = found.find((r) => r.head === true);
    const head = top ? { seq: Number(top.seq), hash: String(top.hash) } : null;
    const atAnchor = found.find((r) => r.head === false);
    checkAnchor(head, anchor, atAnchor ? String(atAnchor.hash) : null);
    const rows = build(head);
    await client.query(INSERT_ROWS, columnArrays(rows));
    await client.query('COMMIT');
    return rows;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
