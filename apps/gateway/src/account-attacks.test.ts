import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentRuntime } from '@glovebox/agent';
import { buildServer, type Gateway } from './server.js';
import { hashBearer as hashOf } from './services/secrets.js';
import {
  apiClient,
  CLUSTER_ADMIN,
  CLUSTER_POLICIES,
  testCluster,
  twoReplicas,
} from './cluster/test-cluster.js';

const ADMIN = CLUSTER_ADMIN;
const PASSWORD = 'olivia-password-123';
const DAY = 24 * 3600_000;

type Api = ReturnType<typeof apiClient>;

async function single(t: TestContext, policiesDir = CLUSTER_POLICIES): Promise<{ gw: Gateway; api: Api }> {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-accounts-'));
  const gw = buildServer({
    dataDir: dir,
    policiesDir,
    bootstrapToken: ADMIN,
    port: 0,
    watchPolicies: false,
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
  });
  const url = await gw.listen();
  t.after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { gw, api: apiClient(url) };
}

async function olivia(api: Api): Promise<string> {
  await api('POST', '/users', ADMIN, { name: 'olivia', groups: ['engineers'], password: PASSWORD });
  return (await api('POST', '/auth/login', null, { user: 'olivia', password: PASSWORD })).json
    .token as string;
}

/** An in-process agent for `name` connected to `url` (a replica's). */
async function agentFor(
  t: TestContext,
  url: string,
  reg: { credential: string; gatewayKeys: string[] },
): Promise<AgentRuntime> {
  const runtime = new AgentRuntime({
    url,
    token: reg.credential,
    gatewayKeys: reg.gatewayKeys,
    modules: [
      {
        actions: { facts: async () => ({ result: { ok: true } }) },
        endSession: async () => undefined,
        close: async () => undefined,
      },
    ],
    log: () => undefined,
    reconnectMinMs: 50,
    reconnectMaxMs: 200,
  });
  await runtime.start();
  t.after(() => runtime.stop());
  return runtime;
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`never: ${what}`);
}

test('attack: a single sign-on login of ten minutes cannot mint a token that outlives it', async (t) => {
  const { gw, api } = await single(t);
  const now = Date.now();
  const sso = await gw.services.identity.loginSso({
    issuer: 'https://idp.example.com',
    subject: 'sub-olivia',
    username: 'olivia',
    groups: ['engineers'],
    expiresAt: now + 10 * 60_000,
    mfaAt: null,
  });
  const minted = await api('POST', '/tokens', sso.token, { ttl: '366d' });
  assert.equal(minted.status, 201, JSON.stringify(minted.json));
  assert.ok((minted.json.expiresAt as number) <= sso.record.expiresAt, 'the token ends with the SSO login');
  assert.equal(minted.json.limitedBy, 'login');
});

test('attack: a password login cannot mint a year-long token; the policy decision and its bound are audited', async (t) => {
  const { api } = await single(t);
  const token = await olivia(api);
  const minted = await api('POST', '/tokens', token, { ttl: '366d', label: 'script' });
  assert.equal(minted.status, 201, JSON.stringify(minted.json));
  assert.ok((minted.json.expiresAt as number) <= Date.now() + DAY, 'at most a day (users-mint-own-tokens)');
  const events = (await api('GET', '/audit?type=auth.token_created&limit=5', ADMIN)).json.events as {
    event: { decision?: { determiningPolicies: string[] }; details: { limitedBy: string } };
  }[];
  assert.deepEqual(events[0]?.event.decision?.determiningPolicies, ['users-mint-own-tokens']);
  assert.equal(events[0]?.event.details.limitedBy, 'login');
});

test('minting without a permit is refused by policy and audited as a denial', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-policies-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(CLUSTER_POLICIES, dir, { recursive: true });
  rmSync(join(dir, 'tokens.cedar'));
  rmSync(join(dir, 'tests', 'tokens.yaml'));
  const { api } = await single(t, dir);
  const token = await olivia(api);
  const refused = await api('POST', '/tokens', token, { ttl: '1h' });
  assert.equal(refused.status, 403);
  assert.equal((refused.json.error as { code: string }).code, 'GBX_POLICY_DENIED');
  const denied = (await api('GET', '/audit?type=authz.denied&limit=5', ADMIN)).json.events as {
    event: { details: { route: string } };
  }[];
  assert.ok(denied.some((e) => e.event.details.route === '/api/v1/tokens'));
});

test("an admin's token for a service user may outlive the admin's login, up to the policy's seven days", async (t) => {
  const { api } = await single(t);
  await api('POST', '/users', ADMIN, { name: 'ci-deploy', groups: ['ci'] });
  const minted = await api('POST', '/tokens', ADMIN, { user: 'ci-deploy', ttl: '30d' });
  assert.equal(minted.status, 201);
  assert.equal(minted.json.limitedBy, 'policy');
  assert.ok((minted.json.expiresAt as number) <= Date.now() + 7 * DAY);
  assert.ok((minted.json.expiresAt as number) > Date.now() + 6 * DAY);
});

test('attack: disabling a user on one replica ends every token, login and session of theirs at once on the other', async (t) => {
  const { onA, onB } = await twoReplicas(t);
  const login = await olivia(onA);
  const apiToken = (await onA('POST', '/tokens', login, { ttl: '1h' })).json.token as string;
  await onA('POST', '/agents', ADMIN, { name: 'svc-staging', env: 'staging', owner: 'payments' });
  const session = await onB('POST', '/requests', login, {
    target: 'svc-staging',
    actions: ['facts'],
    reason: 'INC-7 checking the staging service',
  });
  assert.equal(session.json.status, 'active', JSON.stringify(session.json));
  const disabled = await onA('POST', '/users/olivia/disable', ADMIN, {});
  assert.equal(disabled.status, 200, JSON.stringify(disabled.json));
  assert.equal(disabled.json.tokensRevoked, 2);
  assert.equal(disabled.json.sessionsClosed, 1);
  for (const token of [login, apiToken]) assert.equal((await onB('GET', '/whoami', token)).status, 401);
  const seen = await onB('GET', `/requests/${session.json.id as string}`, ADMIN);
  assert.equal(seen.json.status, 'ended');
  assert.equal((await onB('POST', '/auth/login', null, { user: 'olivia', password: PASSWORD })).status, 401);
  assert.equal((await onB('POST', '/users/olivia/enable', ADMIN, {})).status, 200);
  assert.equal((await onA('POST', '/auth/login', null, { user: 'olivia', password: PASSWORD })).status, 200);
  assert.equal((await onA('GET', '/whoami', apiToken)).status, 401, 'old tokens stay revoked');
});

test('attack: a revoked or rotated agent credential stops working at once, also on the replica holding the connection', async (t) => {
  const cluster = testCluster(2);
  t.after(() => cluster.dispose());
  const [a, b] = cluster.gateways as [Gateway, Gateway];
  const onA = apiClient(await a.listen());
  const urlB = await b.listen();
  const hubB = b.services.hub;
  const reg = await onA('POST', '/agents', ADMIN, { name: 'svc-staging', env: 'staging' });
  const old = reg.json.credential as string;
  await agentFor(t, urlB, reg.json as { credential: string; gatewayKeys: string[] });
  await until('the agent is connected to replica B', () => hubB.instances('svc-staging').size > 0);

  const rotated = await onA('POST', '/agents/svc-staging/rotate', ADMIN, {});
  assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
  await until(
    'replica B closed the connection made with the old credential',
    () => !(hubB.instances('svc-staging').size > 0),
  );
  assert.equal(
    await b.services.store.getAgentByCredentialHash(hashOf(old)),
    null,
    'the old credential is gone',
  );
  await agentFor(t, urlB, rotated.json as { credential: string; gatewayKeys: string[] });
  await until('the agent is back with its new credential', () => hubB.instances('svc-staging').size > 0);

  await onA('POST', '/users', ADMIN, { name: 'olivia', groups: ['engineers'], password: PASSWORD });
  const login = (await onA('POST', '/auth/login', null, { user: 'olivia', password: PASSWORD })).json
    .token as string;
  const session = await onA('POST', '/requests', login, {
    target: 'svc-staging',
    actions: ['facts'],
    reason: 'INC-8 checking the staging service',
  });
  assert.equal(session.json.status, 'active');
  const revoked = await onA('POST', '/agents/svc-staging/revoke', ADMIN, {});
  assert.deepEqual(revoked.json, { agent: 'svc-staging', sessionsClosed: 1 });
  await until('replica B closed the revoked agent', () => !(hubB.instances('svc-staging').size > 0));
  assert.equal((await onA('GET', `/requests/${session.json.id as string}`, ADMIN)).json.status, 'ended');
  assert.equal((await onA('POST', '/agents/svc-staging/rotate', ADMIN, {})).status, 404);
});
