// Durable audited appends per second on SQLite and PostgreSQL (hash chain, canonical JSON,
// serialized head, anchor check, group commit) against plain inserts of the same rows without
// the chain, group-committed the same way (rows queued while a write is in flight go together in
// the next transaction, up to 256), in the same database, in the same run.
// Run: npx tsc -b bench && node bench/dist/audit-append.js [events]
import Database from 'better-sqlite3';
import pg from 'pg';
import type { AuditEventInput } from '@glovebox/audit';
import { newId, systemClock } from '@glovebox/core';
import { AuditService } from '@glovebox/gateway';
import { TEST_STORES } from '@glovebox/gateway/testing/stores';
import { createRedactor } from '@glovebox/redact';

const N = Number(process.argv[2] ?? 2000);
const CONCURRENCY = 8;

function input(i: number): AuditEventInput {
  return {
    type: 'action.result',
    time: new Date(1_800_000_000_000 + i).toISOString(),
    actor: { kind: 'user', id: 'alice' },
    sessionId: 'ses_bench',
    action: 'facts',
    target: 'svc',
    outcome: 'success',
    details: { durationMs: i % 97, bytes: 1234, redactions: { EMAIL: 1 } },
  };
}

/**
 * The same group commit AuditService does, without the chain: callers queue rows and resolve
 * once the transaction holding theirs committed; rows queued meanwhile share the next one.
 */
function groupCommit(write: (rows: unknown[][]) => Promise<void>): (row: unknown[]) => Promise<void> {
  const queue: { row: unknown[]; done: () => void; fail: (e: unknown) => void }[] = [];
  let writing = false;
  const drain = async () => {
    if (writing) return;
    writing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, 256);
        try {
          await write(batch.map((b) => b.row));
          for (const b of batch) b.done();
        } catch (error) {
          for (const b of batch) b.fail(error);
        }
      }
    } finally {
      writing = false;
    }
  };
  return (row) =>
    new Promise<void>((done, fail) => {
      queue.push({ row, done, fail });
      void drain();
    });
}

async function timed(label: string, run: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) await run(next++);
    }),
  );
  const perSec = N / ((performance.now() - t0) / 1000);
  console.log(`  ${label.padEnd(44)} ${perSec.toFixed(0).padStart(7)} /s`);
  return perSec;
}

const COLUMNS = `(seq BIGINT PRIMARY KEY, id TEXT NOT NULL, time TEXT NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL,
  session_id TEXT, action TEXT, target TEXT, outcome TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, event TEXT NOT NULL)`;

for (const backend of TEST_STORES) {
  const opened = await backend.open();
  const { store, url } = opened;
  console.log(
    `${backend.name}: ${N} events, ${CONCURRENCY} concurrent writers, plain rows one durable transaction each, chained events group-committed`,
  );
  const plainRow = (i: number) => {
    const e = { ...input(i), id: newId('evt'), seq: i + 1, prevHash: '-', hash: '-' };
    return [
      i + 1,
      e.id,
      e.time,
      e.type,
      'user:alice',
      e.sessionId,
      e.action,
      e.target,
      e.outcome,
      '-',
      '-',
      JSON.stringify(e),
    ];
  };
  let plain: number;
  if (backend.name === 'sqlite') {
    const db = new Database(url.slice('sqlite:'.length));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(`CREATE TABLE plain_audit ${COLUMNS}`);
    const insert = db.prepare('INSERT INTO plain_audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const committer = groupCommit(async (rows) => {
      db.transaction(() => {
        for (const row of rows) insert.run(...row);
      }).immediate();
      // The chained path awaits the store between batches too; keep the same yield here.
      await Promise.resolve();
    });
    plain = await timed('baseline: plain INSERT, group commit, no chain', (i) => committer(plainRow(i)));
    db.close();
  } else {
    const u = new URL(url);
    const schema = u.searchParams.get('schema')!;
    u.searchParams.delete('schema');
    const pool = new pg.Pool({
      connectionString: u.toString(),
      max: CONCURRENCY,
      options: `-c search_path=${schema}`,
    });
    await pool.query(`CREATE TABLE plain_audit ${COLUMNS}`);
    const committer = groupCommit(async (rows) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const row of rows)
          await client.query(
            'INSERT INTO plain_audit VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
            row,
          );
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    });
    plain = await timed('baseline: plain INSERT, group commit, no chain', (i) => committer(plainRow(i)));
    await pool.end();
  }
  const audit = new AuditService({ store, clock: systemClock, redactor: createRedactor() });
  const chained = await timed('chained append (gateway AuditService)', async (i) => {
    const e = input(i);
    await audit.record({
      type: e.type,
      actor: e.actor,
      sessionId: e.sessionId,
      action: e.action,
      target: e.target,
      outcome: e.outcome,
      details: e.details,
    });
  });
  console.log(`  ratio chained/plain: ${(chained / plain).toFixed(3)}`);
  await opened.dispose();
}
