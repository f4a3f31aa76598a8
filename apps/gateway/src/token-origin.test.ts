import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { apiClient } from './cluster/test-cluster.js';
import { CLUSTER_ADMIN, singleGateway, twoReplicas } from './cluster/test-cluster.js';

const PASSWORD = 'olivia-password-123';
type Api = ReturnType<typeof apiClient>;

async function login(api: Api): Promise<string> {
  const r = await api('POST', '/auth/login', null, { user: 'olivia', password: PASSWORD });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.token as string;
}

const codeOf = (r: { json: Record<string, unknown> }) =>
  (r.json.error as { code?: string } | undefined)?.code;

test('attack: a token minted from a login still works after that login logged out', async (t) => {
  const { api } = await singleGateway(t);
  await api('POST', '/users', CLUSTER_ADMIN, { name: 'olivia', groups: ['engineers'], password: PASSWORD });
  const session = await login(api);
  const minted = await api('POST', '/tokens', session, { ttl: '1h', label: 'script' });
  assert.equal(minted.status, 201, JSON.stringify(minted.json));
  const token = minted.json.token as string;
  // a token minted from the minted token is bounded by the same login
  const grandchild = (await api('POST', '/tokens', token, { ttl: '30m' })).json.token as string;
  assert.equal((await api('GET', '/whoami', token)).status, 200);
  assert.equal((await api('GET', '/whoami', grandchild)).status, 200);
  // another login of the same user is not affected
  const other = await login(api);
  const otherToken = (await api('POST', '/tokens', other, { ttl: '1h' })).json.token as string;

  // as `glovebox logout` sends it: no body at all (it was refused with 400 and the CLI said nothing)
  const out = await api('POST', '/auth/logout', session);
  assert.equal(out.status, 200, JSON.stringify(out.json));
  for (const [what, bearer] of [
    ['the login', session],
    ['a token minted from it', token],
    ['a token minted from that token', grandchild],
  ] as const) {
    const r = await api('GET', '/whoami', bearer);
    assert.equal(r.status, 401, `${what}: ${JSON.stringify(r.json)}`);
    assert.equal(codeOf(r), 'GBX_AUTH_FAILED');
  }
  assert.equal((await api('GET', '/whoami', other)).status, 200, 'the other login lives on');
  assert.equal((await api('GET', '/whoami', otherToken)).status, 200, 'and its token');
  const listed = (await api('GET', '/tokens', other)).json.tokens as {
    kind: string;
    revokedAt: number | null;
  }[];
  assert.equal(listed.filter((x) => x.revokedAt !== null).length, 3, 'shown revoked in the listing');
});

test("an admin's token that may outlive the login is not ended by the admin's logout", async (t) => {
  const { api } = await singleGateway(t);
  await api('POST', '/users', CLUSTER_ADMIN, { name: 'ada', groups: ['admins'], password: PASSWORD });
  await api('POST', '/users', CLUSTER_ADMIN, { name: 'ci-deploy', groups: ['ci'] });
  const session = (await api('POST', '/auth/login', null, { user: 'ada', password: PASSWORD })).json
    .token as string;
  const service = await api('POST', '/tokens', session, { user: 'ci-deploy', ttl: '2d' });
  assert.equal(service.status, 201, JSON.stringify(service.json));
  assert.equal(service.json.limitedBy, 'request');
  await api('POST', '/auth/logout', session, {});
  assert.equal((await api('GET', '/whoami', service.json.token as string)).status, 200);
});

test('attack: a token minted while its login logs out on another replica does not survive it', async (t) => {
  const { onA, onB } = await twoReplicas(t);
  await onA('POST', '/users', CLUSTER_ADMIN, { name: 'olivia', groups: ['engineers'], password: PASSWORD });
  const session = await login(onA);
  const [minted] = await Promise.all([
    onA('POST', '/tokens', session, { ttl: '1h' }),
    onB('POST', '/auth/logout', session, {}),
  ]);
  if (minted.status !== 201) return; // the logout won the race outright
  const r = await onB('GET', '/whoami', minted.json.token as string);
  assert.equal(r.status, 401, JSON.stringify(r.json));
});
