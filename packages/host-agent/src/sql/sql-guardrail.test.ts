// Attacks on the SQL guardrail through a real PostgreSQL: each one succeeded against the agent that
// classified statements by their shape alone (issue 12, point 6).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { isGloveboxError } from '@glovebox/core';
import { classifySql } from '@glovebox/sql';
import { SQL_CATALOG_BYPASS_CORPUS } from '@glovebox/sql/corpus';
import type { ActionContext } from '@glovebox/agent';
import type { PostgresTargetConfig } from '../config.js';
import { createPostgresModule, type PostgresModule, type QueryResult } from './postgres-module.js';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';
const suffix = randomBytes(4).toString('hex');
const SCHEMA = `gbx_guard_${suffix}`;
const ROLE = `gbx_guard_agent_${suffix}`;
const AGENT_URL = `postgres://${ROLE}@127.0.0.1:5432/test`;
const SECRET = `horse-battery-${suffix}`;
const HASH = `pbkdf2$${suffix}$staple`;

const admin = new pg.Client({ connectionString: ADMIN_URL });
const modules: PostgresModule[] = [];

function makeModule(overrides: Partial<PostgresTargetConfig> = {}): PostgresModule {
  const module = createPostgresModule(
    [
      {
        type: 'postgres',
        name: 'db',
        connection: { env: 'GBX_GUARD_DB_URL' },
        statementTimeoutMs: 5000,
        connectTimeoutMs: 2000,
        rowLimit: 100,
        maxConnections: 2,
        maxClass: 'admin',
        functions: {},
        ...overrides,
      },
    ],
    { env: { GBX_GUARD_DB_URL: AGENT_URL } },
  );
  modules.push(module);
  return module;
}

function ctx(): ActionContext {
  return {
    sessionId: 'ses_guard',
    callId: 'call_guard',
    target: 'db',
    masking: 'standard',
    signal: new AbortController().signal,
    emit: () => undefined,
  };
}

const read = (sql: string) => ({ sql, readOnly: true, authorizedClass: 'read' as const });

before(async () => {
  await admin.connect();
  await admin.query(`
    CREATE ROLE ${ROLE} LOGIN;
    GRANT pg_read_server_files TO ${ROLE};
    GRANT EXECUTE ON FUNCTION pg_read_file(text) TO ${ROLE};
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.t (id int PRIMARY KEY, secret text, password_hash text, note text);
    INSERT INTO ${SCHEMA}.t VALUES (1, '${SECRET}', '${HASH}', 'fine');
    GRANT USAGE ON SCHEMA ${SCHEMA} TO ${ROLE};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ${SCHEMA}.t TO ${ROLE};
  `);
  for (const c of SQL_CATALOG_BYPASS_CORPUS) await admin.query(c.setup.replaceAll('{s}', SCHEMA));
  await admin.query(`GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA ${SCHEMA} TO ${ROLE}`);
});

after(async () => {
  await Promise.allSettled(modules.map((m) => m.close()));
  await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [ROLE]);
  await admin.query(`DROP SCHEMA ${SCHEMA} CASCADE; DROP OWNED BY ${ROLE}; DROP ROLE ${ROLE}`);
  await admin.end();
});

describe('SQL guardrail attacks (real PostgreSQL)', () => {
  test('attribute-call syntax cannot terminate another backend on a read grant', async () => {
    const victim = new pg.Client({ connectionString: AGENT_URL, application_name: `victim-${suffix}` });
    victim.on('error', () => undefined);
    await victim.connect();
    try {
      const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await assert.rejects(
        makeModule().actions.query!(
          read(`SELECT (pid).pg_terminate_backend FROM pg_stat_activity WHERE pid = ${pid}`),
          ctx(),
        ),
        (e) => isGloveboxError(e, 'GBX_SQL_NOT_AUTHORIZED') && /pg_terminate_backend/.test(e.message),
      );
      assert.equal((await victim.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1, 'victim alive');
    } finally {
      await victim.end().catch(() => undefined);
    }
  });

  test('attribute-call syntax cannot read a server file on a read grant', async () => {
    await assert.rejects(
      makeModule().actions.query!(read(`SELECT ('/etc/hostname'::text).pg_read_file`), ctx()),
      (e) => isGloveboxError(e, 'GBX_SQL_NOT_AUTHORIZED') && /pg_read_file/.test(e.message),
    );
  });

  test('a value masked by column name does not leak through the error text', async () => {
    await assert.rejects(
      makeModule().actions.query!(read(`SELECT secret::int FROM ${SCHEMA}.t`), ctx()),
      (e) => isGloveboxError(e, 'GBX_SQL_FAILED') && !e.message.includes(SECRET) && /22P02/.test(e.message),
    );
    await assert.rejects(
      makeModule().actions.query!(read(`SELECT secret::regclass FROM ${SCHEMA}.t`), ctx()),
      (e) => isGloveboxError(e, 'GBX_SQL_FAILED') && !e.message.includes(SECRET),
    );
    await assert.rejects(
      makeModule().actions.query!(read(`SELECT t::text::int FROM ${SCHEMA}.t`), ctx()),
      (e) => isGloveboxError(e, 'GBX_SQL_FAILED') && !e.message.includes(SECRET),
    );
  });

  test('an alias does not unmask a column masked by name', async () => {
    const outcome = await makeModule().actions.query!(
      read(`SELECT secret AS x, upper(secret) AS y, note FROM ${SCHEMA}.t`),
      ctx(),
    );
    const text = JSON.stringify((outcome.result as QueryResult).rows);
    assert.ok(!text.includes(SECRET) && !text.includes(SECRET.toUpperCase()), text);
    assert.ok(text.includes('fine'), 'other columns stay readable');
  });

  test('the configured ceiling holds whatever the envelope says', async () => {
    const module = makeModule({ maxClass: 'read' });
    await assert.rejects(
      module.actions.query!(
        { sql: `DELETE FROM ${SCHEMA}.t WHERE id = 1`, readOnly: false, authorizedClass: 'admin' },
        ctx(),
      ),
      (e) => isGloveboxError(e, 'GBX_SQL_NOT_AUTHORIZED') && /ceiling|maxClass/.test(e.message),
    );
    const left = await admin.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.t`);
    assert.equal(left.rows[0].n, 1, 'nothing was deleted');
  });
});

describe('catalog bypass corpus (only grows; real PostgreSQL)', () => {
  for (const c of SQL_CATALOG_BYPASS_CORPUS)
    test(`${c.why}: ${c.sql}`, async () => {
      const sql = c.sql.replaceAll('{s}', SCHEMA);
      assert.equal(classifySql(sql).class, c.parseClass, 'the parser alone sees less');
      await assert.rejects(
        makeModule().actions.query!(
          { sql, readOnly: c.parseClass === 'read', authorizedClass: c.parseClass },
          ctx(),
        ),
        (e) =>
          isGloveboxError(e, 'GBX_SQL_NOT_AUTHORIZED') &&
          e.message.includes(c.names.replaceAll('{s}', SCHEMA)) &&
          e.message.includes(`is ${c.atLeast}`),
      );
    });

  test('built-in operators only call built-in functions that are not volatile (what the catalog query assumes)', async () => {
    const r = await admin.query(`
      SELECT o.oid FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode
      WHERE o.oid < 16384 AND (p.oid >= 16384 OR p.provolatile = 'v' OR p.prosecdef)`);
    assert.equal(r.rowCount, 0);
  });

  test('a function the configuration classifies is judged by that class', async () => {
    const module = makeModule({ functions: { [`${SCHEMA}.reap`]: 'write' } });
    await assert.rejects(
      module.actions.query!(read(`SELECT ${SCHEMA}.reap(1)`), ctx()),
      (e) => isGloveboxError(e, 'GBX_SQL_NOT_AUTHORIZED') && /is write/.test(e.message),
    );
  });

  test('ordinary reads still run, and the statement is audited with what was resolved', async () => {
    const outcome = await makeModule().actions.query!(
      read(`SELECT id, note, now() AS at, random() < 2 AS r FROM ${SCHEMA}.t ORDER BY id`),
      ctx(),
    );
    assert.equal((outcome.result as QueryResult).rowCount, 1);
    assert.equal(outcome.accessed?.['class'], 'read');
    assert.deepEqual(outcome.accessed?.['maskedColumns'], []);
  });
});
