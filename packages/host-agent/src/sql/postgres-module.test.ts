import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { isGloveboxError } from '@glovebox/core';
import type { ActionContext, ActionOutcome } from '@glovebox/agent';
import type { PostgresTargetConfig } from '../config.js';
import { createPostgresModule, type PostgresModule, type QueryResult } from './postgres-module.js';
import { executeStatement } from './pg-executor.js';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';
const suffix = randomBytes(4).toString('hex');
const SCHEMA = `gbx_ha_${suffix}`;
const ROLE = `gbx_agent_${suffix}`;
// Trust authentication ignores it, but the agent holds it like any real credential and must never show it.
const PASSWORD = `S3cr3t-Passw0rd-${suffix}`;
const AGENT_URL = `postgres://${ROLE}:${PASSWORD}@127.0.0.1:5432/test`;
const TOKEN = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const BCRYPT = '$2b$12$KIXQJ8aP0bY3y0sVZb6Yqe3lL1Yh1Q9eZ2sKq5mW0n7r8t9u0v1w';

const admin = new pg.Client({ connectionString: ADMIN_URL });

function target(overrides: Partial<PostgresTargetConfig> = {}): PostgresTargetConfig {
  return {
    type: 'postgres',
    name: 'orders-db',
    connection: { env: 'GBX_TEST_DB_URL' },
    statementTimeoutMs: 5000,
    connectTimeoutMs: 2000,
    rowLimit: 1000,
    maxConnections: 4,
    maxClass: 'admin',
    functions: {},
    ...overrides,
  };
}

const modules: PostgresModule[] = [];
function makeModule(overrides: Partial<PostgresTargetConfig> = {}, url = AGENT_URL): PostgresModule {
  const module = createPostgresModule([target(overrides)], { env: { GBX_TEST_DB_URL: url } });
  modules.push(module);
  return module;
}

function ctx(extra: Partial<ActionContext> = {}): ActionContext {
  return {
    sessionId: 'ses_sql',
    callId: 'call_sql',
    target: 'orders-db',
    masking: 'standard',
    signal: new AbortController().signal,
    emit: () => undefined,
    ...extra,
  };
}

async function count(): Promise<number> {
  const r = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${SCHEMA}.customers`);
  return Number(r.rows[0]?.n);
}

function leaks(value: unknown): boolean {
  const text = JSON.stringify(value, (_k, v: unknown) =>
    v instanceof Error ? { ...v, message: v.message } : v,
  );
  return text.includes(PASSWORD) || text.includes(AGENT_URL);
}

before(async () => {
  await admin.connect();
  await admin.query(`
    CREATE ROLE ${ROLE} LOGIN;
    CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.customers (id int PRIMARY KEY, name text, email text, password_hash text, note text);
    INSERT INTO ${SCHEMA}.customers VALUES
      (1, 'Alice', 'alice@example.com', '${BCRYPT}', 'calls often'),
      (2, 'Bob', 'bob@example.org', 'pbkdf2$def', 'pasted ${TOKEN} in a ticket'),
      (3, 'Carol', 'carol@example.net', 'pbkdf2$ghi', 'fine');
    CREATE FUNCTION ${SCHEMA}.purge() RETURNS int LANGUAGE plpgsql AS $$ BEGIN DELETE FROM ${SCHEMA}.customers; RETURN 1; END $$;
    GRANT USAGE ON SCHEMA ${SCHEMA} TO ${ROLE};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ${SCHEMA}.customers TO ${ROLE};
    GRANT EXECUTE ON FUNCTION ${SCHEMA}.purge() TO ${ROLE};
  `);
});

after(async () => {
  await Promise.allSettled(modules.map((m) => m.close()));
  await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [ROLE]);
  await admin.query(`DROP SCHEMA ${SCHEMA} CASCADE; DROP ROLE ${ROLE}`);
  await admin.end();
});

describe('postgres module', () => {
  test('runs a read and masks columns by name and by value', async () => {
    const module = makeModule();
    const outcome = await module.actions.query!(
      {
        sql: `SELECT id, name, email, password_hash, note FROM ${SCHEMA}.customers WHERE id IN (1, 2) ORDER BY id`,
        readOnly: true,
        authorizedClass: 'read',
      },
      ctx(),
    );
    const result = outcome.result as QueryResult;
    assert.deepEqual(result.columns, [
      { name: 'id', type: 'int4' },
      { name: 'name', type: 'text' },
      { name: 'email', type: 'text' },
      { name: 'password_hash', type: 'text' },
      { name: 'note', type: 'text' },
    ]);
    assert.equal(result.rowCount, 2);
    assert.equal(result.truncated, false);
    assert.deepEqual(
      result.rows.map((r) => r[0]),
      [1, 2],
    );
    assert.deepEqual(
      result.rows.map((r) => r[1]),
      ['Alice', 'Bob'],
    );
    const text = JSON.stringify(result.rows);
    for (const secret of ['alice@example.com', 'bob@example.org', BCRYPT, TOKEN])
      assert.ok(!text.includes(secret), `${secret} is masked`);
    assert.ok((outcome.redactions?.['EMAIL'] ?? 0) >= 2);
    assert.deepEqual(outcome.accessed?.['tables'], [`${SCHEMA}.customers`]);
    assert.deepEqual(outcome.accessed?.['columns'], ['id', 'name', 'email', 'password_hash', 'note']);
    assert.equal(outcome.accessed?.['class'], 'read');
  });

  test('masks a sensitive column name even when the value looks harmless, and duplicate names', async () => {
    const outcome = await makeModule().actions.query!(
      {
        sql: "SELECT 'abc123' AS api_key, email, email FROM " + `${SCHEMA}.customers WHERE id = 3`,
        readOnly: true,
        authorizedClass: 'read',
      },
      ctx(),
    );
    const row = (outcome.result as QueryResult).rows[0]!;
    assert.notEqual(row[0], 'abc123');
    assert.ok(!JSON.stringify(row).includes('carol@example.net'));
  });

  test('keeps literals out of the audited statement', async () => {
    const outcome = await makeModule().actions.query!(
      {
        sql: `SELECT id FROM ${SCHEMA}.customers WHERE email = 'alice@example.com'`,
        readOnly: true,
        authorizedClass: 'read',
      },
      ctx(),
    );
    assert.deepEqual((outcome.result as QueryResult).rows, [[1]]);
    assert.equal(outcome.accessed?.['statement'], `SELECT id FROM ${SCHEMA}.customers WHERE email = $1`);
  });

  test('refuses a write on a read grant before it reaches the database', async () => {
    const before = await count();
    await assert.rejects(
      makeModule().actions.query!(
        { sql: `DELETE FROM ${SCHEMA}.customers`, readOnly: true, authorizedClass: 'read' },
        ctx(),
      ),
      (e) => isGloveboxError(e, 'GBX_SQL_NOT_AUTHORIZED') && /write/.test(e.message),
    );
    await assert.rejects(
      makeModule().actions.query!(
        {
          sql: `WITH d AS (DELETE FROM ${SCHEMA}.customers RETURNING *) SELECT * FROM d`,
          readOnly: false,
          authorizedClass: 'read',
        },
        ctx(),
      ),
      (e) => isGloveboxError(e, 'GBX_SQL_NOT_AUTHORIZED'),
    );
    assert.equal(await count(), before);
  });

  test('runs a write on a write grant', async () => {
    const outcome = await makeModule().actions.query!(
      {
        sql: `UPDATE ${SCHEMA}.customers SET note = 'updated' WHERE id = 3`,
        readOnly: false,
        authorizedClass: 'write',
      },
      ctx(),
    );
    assert.equal((outcome.result as QueryResult).rowCount, 1);
    const check = await admin.query(`SELECT note FROM ${SCHEMA}.customers WHERE id = 3`);
    assert.equal(check.rows[0]?.note, 'updated');
  });

  test('a volatile user function is refused on a read grant once resolved against the catalog', async () => {
    const before = await count();
    await assert.rejects(
      makeModule().actions.query!(
        { sql: `SELECT ${SCHEMA}.purge()`, readOnly: true, authorizedClass: 'read' },
        ctx(),
      ),
      (e) => isGloveboxError(e, 'GBX_SQL_NOT_AUTHORIZED') && e.message.includes(`${SCHEMA}.purge`),
    );
    assert.equal(await count(), before);
  });

  test('the database refuses a write in a read-only grant even when the configuration calls it a read', async () => {
    const before = await count();
    await assert.rejects(
      makeModule({ functions: { [`${SCHEMA}.purge`]: 'read' } }).actions.query!(
        { sql: `SELECT ${SCHEMA}.purge()`, readOnly: true, authorizedClass: 'read' },
        ctx(),
      ),
      (e) => isGloveboxError(e, 'GBX_SQL_FAILED') && e.message.startsWith('25006'),
    );
    assert.equal(await count(), before);
  });

  test('refuses several statements in one query', async () => {
    await assert.rejects(
      makeModule().actions.query!(
        { sql: 'SELECT 1; SELECT 2', readOnly: true, authorizedClass: 'read' },
        ctx(),
      ),
      (e) => isGloveboxError(e, 'GBX_SQL_MULTI_STATEMENT'),
    );
  });

  test('stops at the row limit and says so', async () => {
    const outcome = await makeModule({ rowLimit: 100 }).actions.query!(
      { sql: 'SELECT g FROM generate_series(1, 5000) g', readOnly: true, authorizedClass: 'read' },
      ctx(),
    );
    const result = outcome.result as QueryResult;
    assert.equal(result.rows.length, 100);
    assert.equal(result.truncated, true);
    assert.deepEqual(result.rows[99], [100]);
  });

  test('COPY … TO STDOUT returns masked text rows, capped; COPY … FROM STDIN is refused', async () => {
    const module = makeModule({ rowLimit: 2 });
    const outcome = await module.actions.query!(
      {
        sql: `COPY (SELECT id, email FROM ${SCHEMA}.customers ORDER BY id) TO STDOUT`,
        readOnly: true,
        authorizedClass: 'read',
      },
      ctx(),
    );
    const result = outcome.result as QueryResult;
    assert.deepEqual(result.columns, [{ name: 'copy', type: 'text' }]);
    assert.equal(result.rows.length, 2);
    assert.equal(result.truncated, true);
    assert.match(String(result.rows[0]![0]), /^1\t/);
    assert.ok(!JSON.stringify(result.rows).includes('alice@example.com'));
    await assert.rejects(
      module.actions.query!(
        { sql: `COPY ${SCHEMA}.customers FROM STDIN`, readOnly: false, authorizedClass: 'write' },
        ctx(),
      ),
      (e) => isGloveboxError(e, 'GBX_SQL_FAILED'),
    );
    const again = await module.actions.query!(
      { sql: 'SELECT 1 AS one', readOnly: true, authorizedClass: 'read' },
      ctx(),
    );
    assert.deepEqual((again.result as QueryResult).rows, [[1]]);
  });

  test('type names come from pg-types, and from the catalog for arrays and user types', async () => {
    const outcome = await makeModule().actions.query!(
      {
        sql: "SELECT 1::int8 AS a, ARRAY[1, 2] AS b, 'x'::varchar(3) AS c, NULL::numeric AS d",
        readOnly: true,
        authorizedClass: 'read',
      },
      ctx(),
    );
    const result = outcome.result as QueryResult;
    assert.deepEqual(
      result.columns.map((c) => c.type),
      ['int8', 'integer[]', 'varchar', 'numeric'],
    );
    assert.deepEqual(result.rows[0], ['1', '{1,2}', 'x', null]);
  });

  test('a slow statement hits the statement timeout', async () => {
    await assert.rejects(
      makeModule({ statementTimeoutMs: 300 }).actions.query!(
        { sql: 'SELECT pg_sleep(10)', readOnly: true, authorizedClass: 'read' },
        ctx(),
      ),
      (e) => isGloveboxError(e, 'GBX_SQL_TIMEOUT'),
    );
  });

  test('aborting the call (session end, revoke) kills the backend', async () => {
    const module = makeModule({ statementTimeoutMs: 60_000 });
    const controller = new AbortController();
    const running = module.actions.query!(
      { sql: 'SELECT pg_sleep(30)', readOnly: true, authorizedClass: 'read' },
      ctx({ signal: controller.signal }),
    );
    const sleeping = async () =>
      (
        await admin.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND query = 'SELECT pg_sleep(30)' AND state = 'active'`,
          [ROLE],
        )
      ).rows[0]?.n as number;
    for (let i = 0; i < 100 && (await sleeping()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await sleeping(), 1);
    controller.abort();
    await assert.rejects(running, (e) => isGloveboxError(e, 'GBX_SQL_FAILED') && /cancelled/.test(e.message));
    for (let i = 0; i < 100 && (await sleeping()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await sleeping(), 0);
  });

  test('endSession stops the session’s running queries', async () => {
    const module = makeModule({ statementTimeoutMs: 60_000 });
    const running = module.actions.query!(
      { sql: 'SELECT pg_sleep(20)', readOnly: true, authorizedClass: 'read' },
      ctx({ sessionId: 'ses_gone' }),
    );
    await new Promise((r) => setTimeout(r, 200));
    await module.endSession('ses_gone');
    await assert.rejects(running, (e) => isGloveboxError(e, 'GBX_SQL_FAILED'));
  });

  test('invalid parameters are refused', async () => {
    for (const params of [
      { sql: 'SELECT 1' },
      { sql: 'SELECT 1', readOnly: true, authorizedClass: 'root' },
      'SELECT 1',
    ])
      await assert.rejects(makeModule().actions.query!(params, ctx()), (e) =>
        isGloveboxError(e, 'GBX_REQUEST_INVALID'),
      );
  });
});

describe('database down or slow', () => {
  let silent: Server;
  let silentPort = 0;
  before(async () => {
    // Accepts connections and never answers: a database that hangs.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  after(() => {
    silent.close();
  });

  test('a refused connection is GBX_SQL_UNAVAILABLE and shows no credential', async () => {
    const module = makeModule({}, `postgres://${ROLE}:${PASSWORD}@127.0.0.1:1/test`);
    await assert.rejects(
      module.actions.query!({ sql: 'SELECT 1', readOnly: true, authorizedClass: 'read' }, ctx()),
      (e) => {
        assert.ok(isGloveboxError(e, 'GBX_SQL_UNAVAILABLE'));
        assert.ok(!e.message.includes(PASSWORD) && e.cause === undefined);
        return true;
      },
    );
  });

  test('a database that never answers is GBX_SQL_UNAVAILABLE after the connect timeout', async () => {
    const module = makeModule(
      { connectTimeoutMs: 300 },
      `postgres://${ROLE}:${PASSWORD}@127.0.0.1:${silentPort}/test`,
    );
    await assert.rejects(
      module.actions.query!({ sql: 'SELECT 1', readOnly: true, authorizedClass: 'read' }, ctx()),
      (e) => isGloveboxError(e, 'GBX_SQL_UNAVAILABLE'),
    );
  });

  test('a missing connection string fails at start with the variable name only', () => {
    assert.throws(
      () => createPostgresModule([target()], { env: {} }),
      (e) => isGloveboxError(e, 'GBX_CONFIG_INVALID') && /GBX_TEST_DB_URL/.test(e.message),
    );
  });
});

describe('credentials never visible', () => {
  test('in results and in every kind of error', async () => {
    const module = makeModule();
    const outcomes: unknown[] = [];
    const sqls = [
      'SELECT current_user, inet_server_port()',
      `SELECT '${PASSWORD}'::int`,
      `SELECT * FROM no_such_table_${suffix}`,
      'SELECT 1/0',
      `SELECT '${PASSWORD}'`,
    ];
    for (const sql of sqls) {
      try {
        const outcome: ActionOutcome = await module.actions.query!(
          { sql, readOnly: true, authorizedClass: 'read' },
          ctx(),
        );
        outcomes.push({ result: outcome.result, accessed: outcome.accessed });
      } catch (error) {
        assert.ok(isGloveboxError(error), `${sql} fails with a coded error`);
        outcomes.push({
          code: error.code,
          message: error.message,
          details: error.details,
          cause: String(error.cause),
        });
      }
    }
    for (const [i, outcome] of outcomes.entries())
      if (i !== 4) assert.equal(leaks(outcome), false, `${sqls[i]}: ${JSON.stringify(outcome)}`);
  });
});

describe('executor called directly (no classifier)', () => {
  const agent = new pg.Client({ connectionString: AGENT_URL });
  before(() => agent.connect());
  after(() => agent.end());
  const limits = { readOnly: true, statementTimeoutMs: 5000, rowLimit: 100 };

  const writes = [
    `DELETE FROM ${SCHEMA}.customers`,
    `UPDATE ${SCHEMA}.customers SET name = 'x'`,
    `INSERT INTO ${SCHEMA}.customers VALUES (99, 'x', 'x', 'x', 'x')`,
    `WITH d AS (DELETE FROM ${SCHEMA}.customers RETURNING *) SELECT count(*) FROM d`,
    `SELECT ${SCHEMA}.purge()`,
    `CREATE TABLE ${SCHEMA}.sneaky (a int)`,
  ];
  for (const sql of writes)
    test(`the database refuses in READ ONLY: ${sql}`, async () => {
      const before = await count();
      await assert.rejects(
        executeStatement(agent, sql, limits),
        (e: { code?: string }) => e.code === '25006',
      );
      assert.equal(await count(), before);
    });

  test('the extended protocol refuses several statements', async () => {
    await assert.rejects(
      executeStatement(agent, `SELECT 1; DELETE FROM ${SCHEMA}.customers`, { ...limits, readOnly: false }),
      (e: { code?: string }) => e.code === '42601',
    );
    assert.equal(await count(), 3);
  });

  test('the connection is usable after a refused statement', async () => {
    const result = await executeStatement(agent, 'SELECT 41 + 1 AS answer', limits);
    assert.deepEqual(result.rows, [[42]]);
    assert.deepEqual(result.columns, [{ name: 'answer', type: 'int4' }]);
  });
});
