import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
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
