import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '@glovebox/core';
import { buildServer, type Gateway } from '../server.js';
import type { GatewayOptions } from '../config.js';
import { TEST_STORES, type TestStore } from '../store/test-stores.js';
import { approveDevice, startTestIdp, type TestIdp } from './test-idp/index.js';

const POLICIES = fileURLToPath(new URL('../../../../examples/policies', import.meta.url));
const ADMIN = 'gbx_t_admin-bootstrap-token-for-sso-groups-00';
const MINUTE = 60_000;

async function setup(
  t: TestContext,
  oidc: Partial<NonNullable<GatewayOptions['oidc']>> = {},
  backing: TestStore = TEST_STORES[0]!,
): Promise<{ gw: Gateway; idp: TestIdp; clock: ManualClock }> {
  const opened = await backing.open();
  const idp = await startTestIdp(['http://gateway.test/auth/oidc/callback']);
  idp.accounts.set('carol', { groups: ['idp-engineers'] });
  const clock = new ManualClock(Date.now());
  const dir = mkdtempSync(join(tmpdir(), 'gbx-sso-groups-'));
  const gw = buildServer({
    dataDir: dir,
    policiesDir: POLICIES,
    bootstrapToken: ADMIN,
    watchPolicies: false,
    logLevel: 'silent',
    publicUrl: 'http://gateway.test',
    store: opened.url,
    clock,
    oidc: {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      groupMapping: { 'idp-engineers': ['engineers'] },
      ...oidc,
    },
  });
  await gw.ready();
  t.after(async () => {
    await gw.close();
    await idp.close();
    await opened.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  return { gw, idp, clock };
}

/** `glovebox login --sso` as the CLI does it: the device flow, approved at the provider. */
async function deviceLogin(gw: Gateway, account: string): Promise<{ token: string; groups: string[] }> {
  const start = await gw.app.inject({ method: 'POST', url: '/api/v1/auth/sso/device', payload: {} });
  const device = start.json<{ deviceCode: string; verificationUriComplete: string }>();
  await approveDevice(device.verificationUriComplete, account);
  const done = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/auth/sso/device/token',
    payload: { deviceCode: device.deviceCode },
  });
  assert.equal(done.statusCode, 200, done.body);
  const body = done.json<{ token: string; user: { groups: string[] } }>();
  return { token: body.token, groups: body.user.groups };
}

const call = (gw: Gateway, method: 'GET' | 'POST', url: string, token: string, payload?: object) =>
  gw.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });

for (const backing of TEST_STORES)
  test(`attack: a token from an SSO login keeps groups the provider took away, past the allowed staleness (${backing.name})`, async (t) => {
    const { gw, idp, clock } = await setup(t, { maxGroupStalenessSec: 600 }, backing);
    const login = await deviceLogin(gw, 'carol');
    assert.deepEqual(login.groups, ['engineers']);
    const minted = await call(gw, 'POST', '/tokens', login.token, { ttl: '50m', label: 'script' });
    assert.equal(minted.statusCode, 201, minted.body);
    const token = minted.json<{ token: string }>().token;

    idp.accounts.set('carol', { groups: [] }); // removed from the group at the provider
    clock.advance(9 * MINUTE);
    assert.deepEqual(
      (await call(gw, 'GET', '/whoami', token)).json<{ groups: string[] }>().groups,
      ['engineers'],
      'within the allowed staleness the stored groups hold',
    );
    clock.advance(2 * MINUTE);
    for (const [what, bearer] of [
      ['the login', login.token],
      ['a token minted from it', token],
    ] as const) {
      const refused = await call(gw, 'GET', '/whoami', bearer);
      assert.equal(refused.statusCode, 401, `${what}: ${refused.body}`);
      assert.equal(refused.json<{ error: { code: string } }>().error.code, 'GBX_AUTH_SSO_STALE', what);
    }
    const audit = await call(gw, 'GET', '/audit?type=auth.sso_stale&limit=5', ADMIN);
    assert.equal(audit.json<{ events: unknown[] }>().events.length, 2, audit.body);

    // Logging in again refreshes the groups: every token of the user holds again, with the new groups.
    const again = await deviceLogin(gw, 'carol');
    assert.deepEqual(again.groups, []);
    const after = await call(gw, 'GET', '/whoami', token);
    assert.equal(after.statusCode, 200, after.body);
    assert.deepEqual(after.json<{ groups: string[] }>().groups, []);
  });

test('a token that outlives its login still ends with stale groups (default one hour); local users are not concerned', async (t) => {
  const { gw, clock } = await setup(t);
  const created = await call(gw, 'POST', '/users', ADMIN, { name: 'ci-deploy', groups: ['ci'] });
  assert.equal(created.statusCode, 201, created.body);
  await deviceLogin(gw, 'carol');
  // an admin's tokens for others may outlive any login (admins-mint-tokens)
  const carol = (await call(gw, 'POST', '/tokens', ADMIN, { user: 'carol', ttl: '2d' })).json<{
    token: string;
  }>().token;
  const local = (await call(gw, 'POST', '/tokens', ADMIN, { user: 'ci-deploy', ttl: '2d' })).json<{
    token: string;
  }>().token;
  clock.advance(59 * MINUTE);
  assert.equal((await call(gw, 'GET', '/whoami', carol)).statusCode, 200);
  clock.advance(2 * MINUTE);
  const refused = await call(gw, 'GET', '/whoami', carol);
  assert.equal(refused.json<{ error: { code: string } }>().error.code, 'GBX_AUTH_SSO_STALE', refused.body);
  clock.advance(24 * 60 * MINUTE);
  assert.equal((await call(gw, 'GET', '/whoami', local)).statusCode, 200, 'a local user has no provider');
});

test('attack: an SSO login that takes the last administrator out of its group is recorded, not silent', async (t) => {
  const { gw, idp } = await setup(t, {
    groupMapping: { 'idp-engineers': ['engineers'], 'idp-admins': ['admins'] },
  });
  idp.accounts.set('dana', { groups: ['idp-admins'] });
  const dana = await deviceLogin(gw, 'dana');
  assert.deepEqual(dana.groups, ['admins']);
  // dana becomes the only administrator
  const disabled = await call(gw, 'POST', '/users/admin/disable', dana.token, {});
  assert.equal(disabled.statusCode, 200, disabled.body);
  // the provider moves dana out of the group: the gateway cannot refuse the provider's groups
  idp.accounts.set('dana', { groups: ['idp-engineers'] });
  const again = await deviceLogin(gw, 'dana');
  assert.deepEqual(again.groups, ['engineers']);
  const updates = (await gw.services.store.queryAudit({ type: 'user.updated', limit: 100 })).map(
    (r) => JSON.parse(r.event) as { actor: { id: string }; details: Record<string, unknown> },
  );
  const change = updates.find((e) => e.details.user === 'dana');
  assert.ok(change, 'the change of groups at login is in the trail');
  assert.equal(change.actor.id, 'sso');
  assert.deepEqual(change.details.previousGroups, ['admins']);
  assert.deepEqual(change.details.groups, ['engineers']);
  assert.equal(change.details.administrable, false, 'the trail says no user can administer any more');
  // a login that changes nothing records nothing more
  await deviceLogin(gw, 'dana');
  assert.equal(
    (await gw.services.store.queryAudit({ type: 'user.updated', limit: 100 })).length,
    updates.length,
  );
});
