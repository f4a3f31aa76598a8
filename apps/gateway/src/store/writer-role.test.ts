import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { PostgresStore } from './postgres-store.js';
import { TEST_PG_URL } from './test-stores.js';

/**
 * Invariant 7 in PostgreSQL, beyond the triggers: the role the gateway runs as may append to the
 * audit trail but holds no UPDATE, DELETE or TRUNCATE privilege on it (docs/postgres.md).
 */
test('a gateway role with the documented grants appends to the audit trail but cannot change it', async (t) => {
  const schema = `gbx_role_${randomBytes(4).toString('hex')}`;
  const role = `gbx_writer_${randomBytes(4).toString('hex')}`;
  const owner = new PostgresStore({ connectionString: TEST_PG_URL, schema });
  await owner.migrate();
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} LOGIN`);
  // Sites that take EXECUTE from PUBLIC: the documented grants are enough on their own.
  await admin.query(`REVOKE EXECUTE ON FUNCTION ${schema}.glovebox_audit_append_at FROM PUBLIC`);
  for (const statement of owner.grantStatements(role)) await admin.query(statement);
  const url = new URL(TEST_PG_URL);
  url.username = role;
  const writer = new PostgresStore({ connectionString: url.toString(), schema });
  t.after(async () => {
    await writer.close();
    await owner.dropSchema();
    await owner.close();
    await admin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  await writer.migrate();
  const row = {
    seq: 1,
    id: 'evt_1',
    time: new Date().toISOString(),
    type: 'system.started',
    actor: 'system:gateway',
    sessionId: null,
    action: null,
    target: null,
    outcome: 'success',
    prevHash: '0'.repeat(64),
    hash: 'h1',
    event: '{}',
  };
  await writer.appendAudit(() => [row]);
  assert.equal((await writer.readAuditAfter(0, 10)).length, 1);
  // The one-round-trip append (the head is where this writer left it).
  await writer.appendAudit(() => [{ ...row, seq: 2, id: 'evt_2', prevHash: 'h1', hash: 'h2' }], {
    seq: 1,
    hash: 'h1',
  });
  assert.equal((await writer.readAuditAfter(0, 10)).length, 2);
  await writer.createUser({
    id: 'u1',
    name: 'alice',
    groups: [],
    passwordHash: null,
    totpSecretEnc: null,
    mfaEnrolledAt: null,
    createdAt: 1,
    disabled: false,
  });

  const asWriter = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
  await asWriter.connect();
  t.after(() => asWriter.end());
  for (const sql of [
    "UPDATE audit_events SET outcome = 'failure'",
    'DELETE FROM audit_events',
    'TRUNCATE audit_events',
    'DELETE FROM audit_checkpoints',
  ]) {
    await assert.rejects(asWriter.query(sql), /permission denied/, sql);
  }
  await assert.rejects(
    admin.query(`UPDATE ${schema}.audit_events SET outcome = 'failure'`),
    /append-only/,
    'even the owner is stopped by the trigger',
  );
});

/**
 * A table added by a migration without a grant leaves a least-privilege deployment broken at the
 * first request that touches it (the identity and instance tables were: logins failed with
 * "permission denied" for the documented role). Every table the migrations create must be readable
 * by the role, and writable unless it is one of the append-only or read-only ones.
 */
test('the documented grants cover every table the migrations create', async (t) => {
  const schema = `gbx_grants_${randomBytes(4).toString('hex')}`;
  const role = `gbx_writer_${randomBytes(4).toString('hex')}`;
  const owner = new PostgresStore({ connectionString: TEST_PG_URL, schema });
  await owner.migrate();
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  t.after(async () => {
    await owner.dropSchema();
    await owner.close();
    await admin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });
  await admin.query(`CREATE ROLE ${role} LOGIN`);
  // Sites that take EXECUTE from PUBLIC: the documented grants are enough on their own.
  await admin.query(`REVOKE EXECUTE ON FUNCTION ${schema}.glovebox_audit_append_at FROM PUBLIC`);
  for (const statement of owner.grantStatements(role)) await admin.query(statement);
  const tables = await admin.query<{ name: string; read: boolean; insert: boolean }>(
    `SELECT table_name AS name,
            has_table_privilege($1, format('%I.%I', table_schema, table_name), 'SELECT') AS read,
            has_table_privilege($1, format('%I.%I', table_schema, table_name), 'INSERT') AS insert
       FROM information_schema.tables WHERE table_schema = $2 AND table_type = 'BASE TABLE'`,
    [role, schema],
  );
  assert.ok(tables.rows.length > 20, 'the migrations created the tables');
  // credential_generation has one row, which the triggers on tokens and users update (the
  // first test's writer creates a user through them); nothing inserts into it.
  const noInsert = new Set(['schema_migrations', 'credential_generation']);
  for (const table of tables.rows) {
    assert.ok(table.read, `${table.name} is readable by the gateway's role`);
    assert.equal(table.insert, !noInsert.has(table.name), `${table.name} is writable unless read-only`);
  }
});

test('docs/postgres.md grants exactly what grantStatements produces', async () => {
  const store = new PostgresStore({ connectionString: TEST_PG_URL, schema: 'glovebox' });
  try {
    const doc = readFileSync(new URL('../../../../docs/postgres.md', import.meta.url), 'utf8');
    const block = /```sql\n(CREATE ROLE glovebox_gateway[^\n]*\n)([\s\S]*?)```/.exec(doc);
    assert.ok(block, 'the doc has the grant block');
    const documented = block[2]!.trim().split(/;\s*/).filter(Boolean);
    assert.deepEqual(documented, store.grantStatements('glovebox_gateway'));
  } finally {
    await store.close();
  }
});
