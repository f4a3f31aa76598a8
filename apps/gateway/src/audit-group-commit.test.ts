// The write-ahead guarantee under group commit and the one-round-trip append (ADR 0026): many
// concurrent actions share audit transactions, and when the database refuses to commit their
// `action.intent` events, none of those actions reaches the agent. Then the trail still verifies.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { ActionModule } from '@glovebox/agent';
import { CLUSTER_ADMIN as ADMIN, moduleAgent, singleGateway } from './cluster/test-cluster.js';
import { TEST_PG_URL, TEST_STORES } from './store/test-stores.js';

const CALLERS = 12;

/**
 * Makes the database refuse to commit intents: on SQLite a trigger that aborts the insert, on
 * PostgreSQL a deferred constraint trigger that fails at COMMIT (after the rows were inserted).
 * Returns the function that lifts the refusal.
 */
async function refuseIntents(url: string): Promise<() => Promise<void>> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    db.exec(`CREATE TRIGGER refuse_intent BEFORE INSERT ON audit_events
      WHEN NEW.type = 'action.intent' BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
    return async () => {
      db.exec('DROP TRIGGER refuse_intent');
      db.close();
    };
  }
  const schema = new URL(url).searchParams.get('schema')!;
  const db = new pg.Client({ connectionString: TEST_PG_URL, options: `-c search_path=${schema}` });
  await db.connect();
  await db.query(`CREATE FUNCTION refuse_intent() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'disk full'; END $$;
    CREATE CONSTRAINT TRIGGER refuse_intent AFTER INSERT ON audit_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.type = 'action.intent')
    EXECUTE FUNCTION refuse_intent();`);
  return async () => {
    await db.query('DROP TRIGGER refuse_intent ON audit_events; DROP FUNCTION refuse_intent();');
    await db.end();
  };
}

async function setup(t: TestContext, storeName: string) {
  const opened = await TEST_STORES.find((s) => s.name === storeName)!.open();
  await opened.store.close();
  const { url, api } = await singleGateway(t, { store: opened.url });
  const calls: string[] = [];
  const module: ActionModule = {
    actions: {
      facts: async () => {
        calls.push('facts');
        return { result: { ok: true } };
      },
    },
    endSession: async () => undefined,
    close: async () => undefined,
  };
  await api('POST', '/users', ADMIN, {
    name: 'alice',
    groups: ['engineers'],
    password: 'alice-password-123',
  });
  await moduleAgent(t, url, [module], { maxConcurrentCalls: CALLERS * 2 });
  t.after(async () => {
    // After singleGateway's own clean-up, registered earlier, has closed the gateway.
    const again = await TEST_STORES.find((s) => s.name === storeName)!.open();
    await again.dispose();
  });
  const token = (await api('POST', '/auth/login', null, { user: 'alice', password: 'alice-password-123' }))
    .json.token as string;
  const session = (
    await api('POST', '/requests', token, { target: 'svc', actions: ['facts'], reason: 'wal' })
  ).json.id as string;
  return { url: opened.url, api, token, session, calls };
}

for (const { name } of TEST_STORES) {
  test(`${name}: concurrent actions whose intents fail to commit never reach the agent`, async (t) => {
    const { url, api, token, session, calls } = await setup(t, name);
    const act = () => api('POST', `/sessions/${session}/actions/facts`, token, { params: {} });
    assert.equal((await act()).status, 200, 'the one-round-trip path is in use');
    assert.equal(calls.length, 1);
    const lift = await refuseIntents(url);
    const refused = await Promise.all(Array.from({ length: CALLERS }, act));
    await lift();
    for (const res of refused) {
      assert.equal(res.status, 503);
      assert.equal((res.json.error as { code: string }).code, 'GBX_AUDIT_UNAVAILABLE');
    }
    assert.equal(calls.length, 1, 'no action whose intent was not committed reached the agent');
    const after = await Promise.all(Array.from({ length: CALLERS }, act));
    assert.deepEqual(
      after.map((r) => r.status),
      after.map(() => 200),
    );
    assert.equal(calls.length, 1 + CALLERS);
    const verified = await api('GET', '/audit/verify', ADMIN);
    assert.equal(verified.status, 200, JSON.stringify(verified.json));
    assert.equal(verified.json.ok, true, JSON.stringify(verified.json));
  });
}
