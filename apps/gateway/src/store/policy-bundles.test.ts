import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { PolicyBundleRecord } from './policy-bundles.js';
import { PostgresStore } from './postgres-store.js';
import { TEST_PG_URL, TEST_STORES } from './test-stores.js';

function bundle(n: number): Omit<PolicyBundleRecord, 'version'> {
  return {
    digest: `sha256:${String(n).padStart(64, '0')}`,
    policySetVersion: `sha256:${String(n).padStart(64, 'f')}`,
    files: [{ path: 'a.cedar', text: `// ${n}` }],
    author: 'ci',
    message: `bundle ${n}`,
    origin: { claimed: { commit: 'abc' }, verified: { repository: 'acme/policies' } },
    testsPassed: 3,
    approvalsNeeded: 0,
    approverGroups: [],
    createdAt: 1000 + n,
  };
}

/** Runs raw SQL against the store's own database, as an attacker with database access would. */
async function rawSql(url: string, sql: string): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema')!;
  parsed.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: parsed.toString() });
  await client.connect();
  try {
    await client.query(`SET search_path = ${schema}`);
    await client.query(sql);
  } finally {
    await client.end();
  }
}

for (const kind of TEST_STORES) {
  test(`${kind.name}: bundles get versions in push order, activations generations`, async (t) => {
    const opened = await kind.open();
    const store = opened.store;
    t.after(() => opened.dispose());
    const bundles = store.policyBundles;
    assert.equal(await bundles.active(), null);
    const first = await bundles.add(bundle(1), { kind: 'seed', actor: 'system', at: 5, ifGeneration: 0 });
    assert.deepEqual(first, {
      version: 1,
      activation: { generation: 1, version: 1, kind: 'seed', actor: 'system', at: 5 },
    });
    // a second seed loses: somebody activated meanwhile
    assert.equal(await bundles.add(bundle(9), { kind: 'seed', actor: 'x', at: 6, ifGeneration: 0 }), null);
    const pending = await bundles.add(bundle(2), null);
    assert.deepEqual(pending, { version: 2, activation: null });
    assert.equal((await bundles.active())?.version, 1, 'an unactivated bundle changes nothing');
    const pushed = await bundles.add(bundle(3), { kind: 'push', actor: 'ci', at: 7 });
    assert.deepEqual(pushed?.activation, { generation: 2, version: 3, kind: 'push', actor: 'ci', at: 7 });
    const back = await bundles.activate(1, { kind: 'rollback', actor: 'alice', at: 8 });
    assert.equal(back?.generation, 3);
    assert.equal(await bundles.activate(2, { kind: 'approve', actor: 'bob', at: 9, ifGeneration: 2 }), null);
    assert.deepEqual(await bundles.active(), back);
    assert.deepEqual(
      (await bundles.activations(10)).map((a) => [a.generation, a.version, a.kind]),
      [
        [3, 1, 'rollback'],
        [2, 3, 'push'],
        [1, 1, 'seed'],
      ],
    );
    assert.deepEqual(
      (await bundles.list(10)).map((b) => b.version),
      [3, 2, 1],
    );
    const stored = await bundles.get(3);
    assert.deepEqual(stored, { ...bundle(3), version: 3 });
    assert.equal(await bundles.get(42), null);
    assert.equal('files' in (await bundles.list(1))[0]!, false, 'lists carry no files');
    await assert.rejects(bundles.activate(42, { kind: 'rollback', actor: 'a', at: 1 }));
  });

  test(`${kind.name}: bundles, activations and approvals cannot be changed or deleted`, async (t) => {
    const opened = await kind.open();
    const { store, url } = opened;
    t.after(() => opened.dispose());
    await store.policyBundles.add(bundle(1), { kind: 'push', actor: 'ci', at: 1 });
    assert.equal(
      await store.policyBundles.approve({ version: 1, approver: 'bob', digest: 'd', at: 2 }),
      true,
    );
    assert.equal(
      await store.policyBundles.approve({ version: 1, approver: 'bob', digest: 'd', at: 3 }),
      false,
    );
    for (const sql of [
      "UPDATE policy_bundles SET message = 'x'",
      "UPDATE policy_bundles SET files_json = '[]'",
      'DELETE FROM policy_bundles',
      'UPDATE policy_activations SET version = 2',
      'DELETE FROM policy_activations',
      "UPDATE policy_approvals SET approver = 'eve'",
      'DELETE FROM policy_approvals',
    ])
      await assert.rejects(rawSql(url, sql), /append-only/, sql);
    assert.equal((await store.policyBundles.get(1))?.message, 'bundle 1');
    assert.equal((await store.policyBundles.activations(5)).length, 1);
  });

  test(`${kind.name}: replicas report what they run`, async (t) => {
    const opened = await kind.open();
    const store = opened.store;
    t.after(() => opened.dispose());
    const r = {
      replica: 'gw-a',
      generation: 1,
      version: 1,
      policySetVersion: 'sha256:x',
      error: null,
      at: 100,
    };
    await store.policyBundles.reportReplica(r);
    await store.policyBundles.reportReplica({ ...r, replica: 'gw-b', at: 50, error: 'cannot compile' });
    await store.policyBundles.reportReplica({ ...r, generation: 2, version: 2, at: 200 });
    assert.deepEqual(await store.policyBundles.replicas(100), [{ ...r, generation: 2, version: 2, at: 200 }]);
    assert.equal((await store.policyBundles.replicas(0)).length, 2);
  });
}

test('postgres: an activation wakes a replica listening on the same schema, not another schema', async (t) => {
  const schema = `gbx_pb_${randomBytes(5).toString('hex')}`;
  const a = new PostgresStore({ connectionString: TEST_PG_URL, schema, max: 2 });
  const b = new PostgresStore({ connectionString: TEST_PG_URL, schema, max: 2 });
  const other = new PostgresStore({ connectionString: TEST_PG_URL, schema: `${schema}_x`, max: 2 });
  await a.migrate();
  t.after(async () => {
    await a.dropSchema();
    await Promise.all([a.close(), b.close(), other.close()]);
  });
  let woken = 0;
  let strangers = 0;
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  const stop = b.policyBundles.subscribe(() => {
    woken++;
    listening();
  });
  const stopOther = other.policyBundles.subscribe(() => strangers++);
  t.after(() => {
    stop();
    stopOther();
  });
  await ready; // the first call comes once LISTEN is in place
  await new Promise((r) => setTimeout(r, 200));
  const before = woken;
  const strangersBefore = strangers;
  const wake = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (woken > before) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  await a.policyBundles.add(bundle(1), { kind: 'push', actor: 'ci', at: 1 });
  await wake;
  assert.equal(strangers, strangersBefore);
});
