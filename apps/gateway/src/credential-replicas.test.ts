import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { apiClient } from './cluster/test-cluster.js';
import { CLUSTER_ADMIN, twoReplicas } from './cluster/test-cluster.js';
import { TEST_PG_URL } from './store/test-stores.js';

// Each replica reuses the tokens and users it read for bearer checks (services/credential-reads.ts).
// Whatever changes a credential on one replica, or in the database, is refused on the other at
// once: each check first reads the credential generation, which every such write replaces.

const PASSWORD = 'olivia-password-123';
type Api = ReturnType<typeof apiClient>;

async function oliviaOnTwoReplicas(t: TestContext) {
  const { cluster, onA, onB } = await twoReplicas(t);
  await onA('POST', '/users', CLUSTER_ADMIN, { name: 'olivia', groups: ['engineers'], password: PASSWORD });
  const login = await onA('POST', '/auth/login', null, { user: 'olivia', password: PASSWORD });
  assert.equal(login.status, 200, JSON.stringify(login.json));
  return { cluster, onA, onB, session: login.json.token as string };
}

/** Uses the token on the replica a few times, so that whatever it keeps of it is kept. */
async function warm(api: Api, token: string): Promise<void> {
  for (let i = 0; i < 3; i++) assert.equal((await api('GET', '/whoami', token)).status, 200);
}

test('attack: a token revoked on replica B is still accepted on replica A', async (t) => {
  const { onA, onB, session } = await oliviaOnTwoReplicas(t);
  const minted = await onA('POST', '/tokens', session, { ttl: '1h', label: 'script' });
  assert.equal(minted.status, 201, JSON.stringify(minted.json));
  const token = minted.json.token as string;
  await warm(onA, token);
  const revoked = await onB('DELETE', `/tokens/${minted.json.id as string}`, session);
  assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
  assert.equal((await onA('GET', '/whoami', token)).status, 401, 'refused on A at once');
  assert.equal((await onA('GET', '/whoami', session)).status, 200, 'the login it came from lives on');
});

test('attack: a login logged out on replica B, and the token minted from it, still work on replica A', async (t) => {
  const { onA, onB, session } = await oliviaOnTwoReplicas(t);
  const minted = (await onA('POST', '/tokens', session, { ttl: '1h' })).json.token as string;
  await warm(onA, session);
  await warm(onA, minted);
  assert.equal((await onB('POST', '/auth/logout', session)).status, 200);
  assert.equal((await onA('GET', '/whoami', session)).status, 401, 'the login');
  assert.equal((await onA('GET', '/whoami', minted)).status, 401, 'the token minted from it');
});

test('attack: a user disabled on replica B keeps working on replica A', async (t) => {
  const { onA, onB, session } = await oliviaOnTwoReplicas(t);
  await warm(onA, session);
  const disabled = await onB('POST', '/users/olivia/disable', CLUSTER_ADMIN, {});
  assert.equal(disabled.status, 200, JSON.stringify(disabled.json));
  assert.equal((await onA('GET', '/whoami', session)).status, 401);
});

test('attack: groups taken away in the database keep counting on a replica', async (t) => {
  const { cluster, onA, session } = await oliviaOnTwoReplicas(t);
  await warm(onA, session);
  assert.deepEqual((await onA('GET', '/whoami', session)).json.groups, ['engineers']);
  // Any writer (an operator's SQL, a process of an older version) is seen: the database replaces
  // the generation, not the gateway.
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(`UPDATE ${cluster.schema}.users SET groups_json = '[]' WHERE name = 'olivia'`);
  } finally {
    await client.end();
  }
  assert.deepEqual((await onA('GET', '/whoami', session)).json.groups, []);
});
