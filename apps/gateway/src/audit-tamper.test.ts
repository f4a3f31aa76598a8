import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import pg from 'pg';
import { computeEventHash, verifyExport, type ChainedEvent, type VerifyReport } from '@glovebox/audit';
import { canonicalJson } from '@glovebox/protocol';
import type { GatewayOptions } from './config.js';
import { buildServer, type Gateway } from './server.js';
import { TEST_STORES, type TestStore } from './store/test-stores.js';

/**
 * Invariant 7 against someone with a login to the database: removing the newest events and
 * checkpoints, restoring an older copy of the store, editing the searchable columns and
 * rewriting the newest events with recomputed hashes are all detected, on both stores.
 */

const POLICIES = fileURLToPath(new URL('../../../examples/policies', import.meta.url));
const ADMIN = 'gbx_t_admin-bootstrap-token-tamper-00000';
const headers = { authorization: `Bearer ${ADMIN}` };

/** Direct access to the store's tables, as an attacker with a database login has it. */
interface RawDb {
  all(sql: string): Promise<Record<string, unknown>[]>;
  /** Runs statements with the append-only triggers out of the way. */
  run(...sql: string[]): Promise<void>;
  /** Copies the audit tables aside (an "older copy" of the store). */
  snapshot(): Promise<void>;
  /** Puts the copy back in place of the current audit tables. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** The audit tables and the columns a copy carries (the `decision` column is generated). */
const AUDIT_TABLES: Record<string, string> = {
  audit_events: 'seq, id, time, type, actor, session_id, action, target, outcome, prev_hash, hash, event',
  audit_checkpoints: 'seq, checkpoint',
  sink_cursors: 'sink, seq',
};

function rawDb(url: string, dir: string): RawDb {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    db.pragma('busy_timeout = 5000');
    const copy = join(dir, 'older-copy.db');
    const dropTriggers = () => {
      for (const row of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as {
        name: string;
      }[])
        db.exec(`DROP TRIGGER ${row.name}`);
    };
    return {
      all: async (sql) => db.prepare(sql).all() as Record<string, unknown>[],
      run: async (...sql) => {
        dropTriggers();
        db.transaction(() => {
          for (const s of sql) db.exec(s);
        })();
      },
      snapshot: async () => {
        db.exec(`VACUUM INTO '${copy}'`);
      },
      restore: async () => {
        dropTriggers();
        db.exec(`ATTACH '${copy}' AS older`);
        db.transaction(() => {
          for (const [table, columns] of Object.entries(AUDIT_TABLES))
            db.exec(
              `DELETE FROM ${table}; INSERT INTO ${table} (${columns}) SELECT ${columns} FROM older.${table};`,
            );
        })();
        db.exec('DETACH older');
      },
      close: async () => {
        db.close();
      },
    };
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema')!;
  parsed.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: parsed.toString(), options: `-c search_path=${schema}` });
  const connected = client.connect();
  return {
    all: async (sql) => {
      await connected;
      return (await client.query(sql)).rows as Record<string, unknown>[];
    },
    run: async (...sql) => {
      await connected;
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      for (const s of sql) await client.query(s);
      await client.query('COMMIT');
    },
    snapshot: async () => {
      await connected;
      for (const [table, columns] of Object.entries(AUDIT_TABLES))
        await client.query(`CREATE TABLE older_${table} AS SELECT ${columns} FROM ${table}`);
    },
    restore: async () => {
      await connected;
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      for (const [table, columns] of Object.entries(AUDIT_TABLES))
        await client.query(
          `DELETE FROM ${table}; INSERT INTO ${table} (${columns}) SELECT ${columns} FROM older_${table};`,
        );
      await client.query('COMMIT');
    },
    close: () => client.end(),
  };
}

interface Fixture {
  url: string;
  dir: string;
  raw: RawDb;
  start(options?: Partial<GatewayOptions>): Promise<Gateway>;
}

async function fixture(t: TestContext, backend: TestStore): Promise<Fixture> {
  const opened = await backend.open();
  const dir = mkdtempSync(join(tmpdir(), 'gbx-tamper-'));
  const raw = rawDb(opened.url, dir);
  const running: Gateway[] = [];
  t.after(async () => {
    for (const gw of running) await gw.close().catch(() => undefined);
    await raw.close();
    await opened.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    url: opened.url,
    dir,
    raw,
    async start(options = {}) {
      const gw = buildServer({
        ...options,
        dataDir: join(dir, 'data'),
        store: opened.url,
        policiesDir: POLICIES,
        bootstrapToken: ADMIN,
        watchPolicies: false,
        logDestination: new Writable({ write: (_c, _e, done) => done() }),
      });
      running.push(gw);
      await gw.ready();
      return gw;
    },
  };
}

/**
 * `n` authenticated API calls, each leaving an `api.request` event; returns once their events are
 * written (an `api.request` is appended after its reply), so tampering happens on a quiet store.
 */
async function activity(gw: Gateway, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await gw.app.inject({ method: 'GET', url: '/api/v1/whoami', headers });
    assert.equal(res.statusCode, 200, res.body);
  }
  let seen = -1;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const head = gw.services.audit.head?.seq ?? 0;
    if (head === seen) return;
    seen = head;
  }
}

/**
 * `GET /audit/verify`. A gateway that has already noticed its store went backwards refuses the
 * call (its own audit event cannot be written): that counts as a failed verification.
 */
async function liveVerify(gw: Gateway): Promise<Pick<VerifyReport, 'ok' | 'message' | 'firstBadSeq'>> {
  const res = await gw.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers });
  if (res.statusCode === 503) {
    const code = res.json<{ error: { code: string } }>().error.code;
    assert.match(code, /^GBX_AUDIT_(ROLLED_BACK|TAMPERED)$/, res.body);
    return { ok: false, message: code };
  }
  assert.equal(res.statusCode, 200, res.body);
  return res.json<VerifyReport>();
}

/** An export of the live trail, verified offline; a refused export counts as "not ok". */
async function exportVerdict(gw: Gateway): Promise<{ ok: boolean; detail: string }> {
  const res = await gw.app.inject({ method: 'GET', url: '/api/v1/audit/export', headers });
  if (res.statusCode !== 200) return { ok: false, detail: `export refused: ${res.body}` };
  const text = res.body;
  const report = await verifyExport(
    (async function* () {
      yield Buffer.from(text);
    })(),
  );
  return { ok: report.ok, detail: report.message };
}

async function maxSeq(raw: RawDb, table: string): Promise<number> {
  const rows = await raw.all(`SELECT MAX(seq) AS m FROM ${table}`);
  return Number(rows[0]?.m ?? 0);
}

/** Signs the head now (an export does), so later events can be cut together with their checkpoint. */
async function signHead(gw: Gateway): Promise<void> {
  const res = await gw.app.inject({ method: 'GET', url: '/api/v1/audit/export', headers });
  assert.equal(res.statusCode, 200);
}

for (const backend of TEST_STORES) {
  test(`deleting the newest events and checkpoints is detected: live, on export, at restart (${backend.name})`, async (t) => {
    const f = await fixture(t, backend);
    const gw = await f.start();
    await activity(gw, 10);
    await signHead(gw);
    const cut = await maxSeq(f.raw, 'audit_events');
    await activity(gw, 10);
    await signHead(gw);
    await activity(gw, 3);
    assert.ok((await maxSeq(f.raw, 'audit_checkpoints')) > cut, 'a checkpoint lies beyond the cut');

    await f.raw.run(
      `DELETE FROM audit_events WHERE seq > ${cut}`,
      `DELETE FROM audit_checkpoints WHERE seq > ${cut}`,
    );

    const live = await liveVerify(gw);
    assert.equal(live.ok, false, `live verify must fail: ${live.message}`);
    const exported = await exportVerdict(gw);
    assert.equal(exported.ok, false, `the export must not verify: ${exported.detail}`);
    await gw.close();
    await assert.rejects(f.start(), { code: 'GBX_AUDIT_ROLLED_BACK' }, 'a restart is refused');
  });

  test(`restoring an older copy of the store is refused at start and detected while running (${backend.name})`, async (t) => {
    const f = await fixture(t, backend);
    let gw = await f.start();
    await activity(gw, 5);
    await gw.close();
    await f.raw.snapshot();
    gw = await f.start();
    await activity(gw, 5);
    await gw.close();

    await f.raw.restore();
    await assert.rejects(f.start(), { code: 'GBX_AUDIT_ROLLED_BACK' }, 'the gateway does not append on');

    // The documented recovery: the operator names the witnessed seq they accept to lose.
    const witnessed = await maxSeq(f.raw, 'audit_events').then(async (restored) => {
      const older = await f.start({ acceptAuditRollback: restored }).then(
        () => null,
        (error: { message: string }) => error.message,
      );
      return Number(/seq (\d+) was witnessed/.exec(older ?? '')?.[1]);
    });
    assert.ok(witnessed > 0, 'a wrong seq is refused, and the message names the witnessed one');
    const recovered = await f.start({ acceptAuditRollback: witnessed });
    const events = await recovered.app.inject({
      method: 'GET',
      url: '/api/v1/audit?limit=1000',
      headers,
    });
    const accepted = events
      .json<{ events: { type: string; event: { details: { witnessedSeq?: number } } }[] }>()
      .events.find((e) => e.type === 'audit.rollback_accepted');
    assert.equal(accepted?.event.details.witnessedSeq, witnessed, 'the trail records what was lost');
    assert.equal((await liveVerify(recovered)).ok, true, 'the recovered trail verifies');
    await recovered.close();
    await assert.doesNotReject(f.start(), 'and later starts need no flag');

    const f2 = await fixture(t, backend);
    const running = await f2.start();
    await activity(running, 5);
    await f2.raw.snapshot();
    await activity(running, 5);
    await f2.raw.restore();
    const res = await running.app.inject({ method: 'GET', url: '/api/v1/audit?limit=1', headers });
    assert.equal(res.statusCode, 503, 'no more appends on a store that went backwards');
    assert.equal(res.json<{ error: { code: string } }>().error.code, 'GBX_AUDIT_ROLLED_BACK');
  });

  test(`editing the searchable columns is caught by verify and never shown (${backend.name})`, async (t) => {
    const f = await fixture(t, backend);
    const gw = await f.start();
    await activity(gw, 6);
    await signHead(gw);
    const victim = 4;
    const before = (
      await f.raw.all(`SELECT actor, type, target, outcome FROM audit_events WHERE seq = ${victim}`)
    )[0]!;
    await f.raw.run(
      `UPDATE audit_events SET actor = 'user:mallory', type = 'auth.logout', target = 'nothing', outcome = 'failure' WHERE seq = ${victim}`,
    );

    const live = await liveVerify(gw);
    assert.equal(live.ok, false, `verify must catch the edited columns: ${live.message}`);
    assert.equal(live.firstBadSeq, victim);

    const list = await gw.app.inject({ method: 'GET', url: '/api/v1/audit?actor=user:mallory', headers });
    assert.equal(list.statusCode, 200);
    const found = list.json<{ events: { seq: number; actor: string }[] }>().events;
    assert.ok(
      found.every((e) => e.actor !== 'user:mallory'),
      `the edited actor is never shown: ${JSON.stringify(found)}`,
    );
    const all = await gw.app.inject({ method: 'GET', url: '/api/v1/audit?limit=1000', headers });
    const shown = all
      .json<{ events: { seq: number; actor: string; type: string; outcome: string }[] }>()
      .events.find((e) => e.seq === victim);
    assert.deepEqual(
      shown && { actor: shown.actor, type: shown.type, outcome: shown.outcome },
      { actor: before.actor, type: before.type, outcome: before.outcome },
      'the listing shows what the hashed event says',
    );
  });

  test(`rewriting the events after the newest checkpoint with recomputed hashes is detected (${backend.name})`, async (t) => {
    const f = await fixture(t, backend);
    const gw = await f.start();
    await activity(gw, 4);
    await signHead(gw);
    await activity(gw, 8);
    const signed = await maxSeq(f.raw, 'audit_checkpoints');
    const rows = await f.raw.all(`SELECT seq, event FROM audit_events WHERE seq > ${signed} ORDER BY seq`);
    assert.ok(rows.length >= 3, 'there are events after the newest checkpoint');
    const statements: string[] = [];
    let prevHash: string | null = null;
    for (const [i, row] of rows.entries()) {
      const event = JSON.parse(String(row.event)) as ChainedEvent;
      if (i === 0) event.actor = { kind: 'user', id: 'somebody-else' };
      if (prevHash !== null) event.prevHash = prevHash;
      const { hash: _old, ...body } = event;
      const hash = computeEventHash(body);
      const text = canonicalJson({ ...body, hash }).replaceAll("'", "''");
      statements.push(
        `UPDATE audit_events SET event = '${text}', hash = '${hash}', prev_hash = '${event.prevHash}', actor = '${event.actor.kind}:${event.actor.id}' WHERE seq = ${Number(row.seq)}`,
      );
      prevHash = hash;
    }
    await f.raw.run(...statements);

    const live = await liveVerify(gw);
    assert.equal(live.ok, false, `live verify must fail: ${live.message}`);
    await gw.close();
    await assert.rejects(
      f.start(),
      (error: { code?: string }) => /^GBX_AUDIT_(ROLLED_BACK|TAMPERED)$/.test(error.code ?? ''),
      'a restart is refused',
    );
  });
}
