import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer, type Gateway } from '../server.js';
import { approveDevice, loginAtIdp, startTestIdp, type Tamper, type TestIdp } from './test-idp/index.js';
import { mapGroups, usernameFrom } from './oidc.js';
import { safeReturnTo } from './security.js';

const POLICIES = fileURLToPath(new URL('../../../../examples/policies', import.meta.url));
const ADMIN = 'gbx_t_admin-bootstrap-token-for-web-tests-0000';
const PUBLIC = 'http://gateway.test';

interface Setup {
  gw: Gateway;
  idp: TestIdp;
}

async function setup(t: TestContext): Promise<Setup> {
  const idp = await startTestIdp([`${PUBLIC}/auth/oidc/callback`]);
  idp.accounts.set('alice', { groups: ['idp-engineers'], mfa: true });
  idp.accounts.set('bob', { groups: ['idp-sre', 'idp-other'] });
  idp.accounts.set('dave', { groups: ['idp-other'] });
  idp.accounts.set('carol', { groups: ['idp-engineers'] });
  const dir = mkdtempSync(join(tmpdir(), 'gbx-web-'));
  const gw = buildServer({
    dataDir: dir,
    policiesDir: POLICIES,
    bootstrapToken: ADMIN,
    watchPolicies: false,
    logLevel: 'silent',
    publicUrl: PUBLIC,
    oidc: {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      groupMapping: { 'idp-engineers': ['engineers'], 'idp-sre': ['sre-leads'] },
    },
  });
  await gw.ready();
  t.after(async () => {
    await gw.close();
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { gw, idp };
}

function setCookies(res: { headers: Record<string, unknown> }): string[] {
  const raw = res.headers['set-cookie'];
  return Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
}

function cookieValue(lines: string[], name: string): string | undefined {
  for (const line of lines) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(line);
    if (m && m[1]) return m[1];
  }
  return undefined;
}

/** Runs the console's SSO login up to the callback; returns the callback response. */
async function ssoCallback(gw: Gateway, login: string, beforeCallback?: () => void) {
  const start = await gw.app.inject({ method: 'GET', url: '/auth/oidc/login?returnTo=/console/requests/r1' });
  assert.equal(start.statusCode, 303);
  const loginCookie = cookieValue(setCookies(start), '__Host-gbx_login');
  assert.ok(loginCookie);
  const back = await loginAtIdp(start.headers.location as string, login);
  beforeCallback?.();
  const cookie = `__Host-gbx_login=${loginCookie}`;
  const res = await gw.app.inject({
    method: 'GET',
    url: `${back.pathname}${back.search}`,
    headers: { cookie },
  });
  return {
    res,
    replay: () =>
      gw.app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, headers: { cookie } }),
  };
}

async function ssoLogin(gw: Gateway, login: string): Promise<{ cookie: string; csrf: string }> {
  const { res } = await ssoCallback(gw, login);
  assert.equal(res.statusCode, 303);
  const token = cookieValue(setCookies(res), '__Host-gbx_session');
  assert.ok(token, `no session cookie for ${login}: ${res.headers.location as string}`);
  const cookie = `__Host-gbx_session=${token}`;
  const session = await gw.app.inject({ method: 'GET', url: '/auth/console/session', headers: { cookie } });
  const body = session.json<{ csrf: string }>();
  return { cookie, csrf: body.csrf };
}

test('console SSO: authorization code with PKCE, JIT user, mapped groups, session bounded by the provider', async (t) => {
  const { gw } = await setup(t);
  const start = await gw.app.inject({ method: 'GET', url: '/auth/oidc/login?returnTo=/console/requests/r1' });
  const authorize = new URL(start.headers.location as string);
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(authorize.searchParams.get('code_challenge'));
  assert.ok(authorize.searchParams.get('state'));
  assert.ok(authorize.searchParams.get('nonce'));
  const loginCookie = setCookies(start).find((c) => c.startsWith('__Host-gbx_login='))!;
  for (const attr of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/'])
    assert.ok(loginCookie.includes(attr), attr);

  const { res } = await ssoCallback(gw, 'alice');
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, '/console/requests/r1');
  const session = setCookies(res).find((c) => c.startsWith('__Host-gbx_session='))!;
  for (const attr of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/'])
    assert.ok(session.includes(attr), attr);
  const maxAge = Number(/Max-Age=(\d+)/.exec(session)![1]);
  assert.ok(maxAge <= 3600 && maxAge > 3500, `session ends with the provider's tokens, got ${maxAge}s`);

  const { cookie, csrf } = await ssoLogin(gw, 'alice');
  const whoami = await gw.app.inject({
    method: 'GET',
    url: '/api/v1/whoami',
    headers: { cookie, 'x-glovebox-csrf': csrf },
  });
  assert.equal(whoami.statusCode, 200, whoami.body);
  assert.deepEqual(whoami.json(), {
    user: 'alice',
    groups: ['engineers'],
    tokenKind: 'session',
    mfa: { enrolled: false, ageSec: whoami.json<{ mfa: { ageSec: number } }>().mfa.ageSec },
  });
  assert.notEqual(
    whoami.json<{ mfa: { ageSec: number | null } }>().mfa.ageSec,
    null,
    'amr=mfa counts as MFA',
  );
  const users = await gw.app.inject({
    method: 'GET',
    url: '/api/v1/users',
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  assert.ok(
    users.json<{ users: { name: string }[] }>().users.some((u) => u.name === 'alice'),
    'provisioned just in time',
  );
});

test('console SSO refuses a replayed code and tampered ID tokens', async (t) => {
  const { gw, idp } = await setup(t);
  const first = await ssoCallback(gw, 'alice');
  assert.ok(cookieValue(setCookies(first.res), '__Host-gbx_session'));
  const replay = await first.replay();
  assert.equal(replay.statusCode, 303);
  assert.equal(replay.headers.location, '/console/login?error=GBX_AUTH_FAILED');
  assert.equal(cookieValue(setCookies(replay), '__Host-gbx_session'), undefined, 'replayed code refused');

  const cases: Tamper[] = ['bad-signature', 'wrong-issuer', 'expired', 'foreign-key'];
  for (const tamper of cases) {
    const { res } = await ssoCallback(gw, 'alice', () => {
      idp.tamper = tamper;
    });
    idp.tamper = 'none';
    assert.equal(res.statusCode, 303, tamper);
    assert.equal(res.headers.location, '/console/login?error=GBX_AUTH_FAILED', tamper);
    assert.equal(cookieValue(setCookies(res), '__Host-gbx_session'), undefined, `${tamper} refused`);
  }
  const noCookie = await gw.app.inject({ method: 'GET', url: '/auth/oidc/callback?code=x&state=y' });
  assert.equal(noCookie.headers.location, '/console/login?error=GBX_AUTH_FAILED');
  const audit = await gw.app.inject({
    method: 'GET',
    url: '/api/v1/audit?limit=1000',
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  const failed = audit
    .json<{ events: { type: string }[] }>()
    .events.filter((e) => e.type === 'auth.login_failed');
  assert.equal(failed.length, 1 + cases.length + 1, 'every refusal is audited');
});

test('a local user with the same name is never taken over by an SSO login', async (t) => {
  const { gw } = await setup(t);
  const created = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { name: 'carol', groups: ['admins'], password: 'a-long-local-password' },
  });
  assert.equal(created.statusCode, 201);
  const { res } = await ssoCallback(gw, 'carol');
  assert.equal(res.headers.location, '/console/login?error=GBX_CONFLICT');
  assert.equal(cookieValue(setCookies(res), '__Host-gbx_session'), undefined);
});

test('CLI SSO: device authorization flow', async (t) => {
  const { gw } = await setup(t);
  const start = await gw.app.inject({ method: 'POST', url: '/api/v1/auth/sso/device', payload: {} });
  assert.equal(start.statusCode, 200, start.body);
  const device = start.json<{ deviceCode: string; verificationUriComplete: string; userCode: string }>();
  assert.ok(device.userCode);
  const poll = () =>
    gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sso/device/token',
      payload: { deviceCode: device.deviceCode },
    });
  const pending = await poll();
  assert.equal(pending.json<{ error: { code: string } }>().error.code, 'GBX_AUTH_PENDING');
  await approveDevice(device.verificationUriComplete, 'bob');
  const done = await poll();
  assert.equal(done.statusCode, 200, done.body);
  const login = done.json<{ token: string; user: { name: string; groups: string[] } }>();
  assert.deepEqual(login.user, { name: 'bob', groups: ['sre-leads'] });
  const whoami = await gw.app.inject({
    method: 'GET',
    url: '/api/v1/whoami',
    headers: { authorization: `Bearer ${login.token}` },
  });
  assert.equal(whoami.json<{ user: string }>().user, 'bob');
  const again = await poll();
  assert.equal(again.statusCode, 401, 'a device code is redeemed once');
});

test('console API: CSRF refused, other origins refused, other groups cannot see or approve', async (t) => {
  const { gw } = await setup(t);
  const alice = await ssoLogin(gw, 'alice');
  const bob = await ssoLogin(gw, 'bob');
  const dave = await ssoLogin(gw, 'dave');
  const agent = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/agents',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { name: 'payments', env: 'prod' },
  });
  assert.equal(agent.statusCode, 201);

  const csrfCases: { name: string; headers: Record<string, string>; code: string }[] = [
    { name: 'no token', headers: {}, code: 'GBX_CSRF_INVALID' },
    { name: 'wrong token', headers: { 'x-glovebox-csrf': 'x'.repeat(43) }, code: 'GBX_CSRF_INVALID' },
    { name: "another login's token", headers: { 'x-glovebox-csrf': bob.csrf }, code: 'GBX_CSRF_INVALID' },
    {
      name: 'foreign origin',
      headers: { 'x-glovebox-csrf': alice.csrf, origin: 'https://evil.example' },
      code: 'GBX_CSRF_INVALID',
    },
    {
      name: 'cross-site fetch',
      headers: { 'x-glovebox-csrf': alice.csrf, 'sec-fetch-site': 'cross-site' },
      code: 'GBX_CSRF_INVALID',
    },
  ];
  for (const c of csrfCases) {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/requests',
      headers: { cookie: alice.cookie, ...c.headers },
      payload: { target: 'payments', actions: ['facts'], reason: 'forged' },
    });
    assert.equal(res.statusCode, 403, c.name);
    assert.equal(res.json<{ error: { code: string } }>().error.code, c.code, c.name);
  }
  const logout = await gw.app.inject({
    method: 'POST',
    url: '/auth/console/logout',
    headers: { cookie: alice.cookie },
  });
  assert.equal(logout.json<{ error: { code: string } }>().error.code, 'GBX_CSRF_INVALID');
  const listed = await gw.app.inject({
    method: 'GET',
    url: '/api/v1/requests',
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  assert.equal(listed.json<{ requests: unknown[] }>().requests.length, 0, 'no forged request was created');

  const created = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/requests',
    headers: { cookie: alice.cookie, 'x-glovebox-csrf': alice.csrf, origin: 'http://localhost' },
    payload: { target: 'payments', actions: ['facts'], reason: 'INC-1 checkout errors' },
  });
  assert.equal(created.statusCode, 201, created.body);
  const request = created.json<{ id: string; digest: string; status: string }>();
  assert.equal(request.status, 'pending');

  const as = (who: { cookie: string; csrf: string }) => ({ cookie: who.cookie, 'x-glovebox-csrf': who.csrf });
  const daveSees = await gw.app.inject({
    method: 'GET',
    url: `/api/v1/requests/${request.id}`,
    headers: as(dave),
  });
  assert.equal(daveSees.statusCode, 404, 'another group cannot see it');
  const daveList = await gw.app.inject({
    method: 'GET',
    url: '/api/v1/requests?pending=true',
    headers: as(dave),
  });
  assert.equal(daveList.json<{ requests: unknown[] }>().requests.length, 0);
  const daveApproves = await gw.app.inject({
    method: 'POST',
    url: `/api/v1/requests/${request.id}/approve`,
    headers: as(dave),
    payload: { digest: request.digest },
  });
  assert.ok([403, 404].includes(daveApproves.statusCode), 'another group cannot approve');
  const selfApproves = await gw.app.inject({
    method: 'POST',
    url: `/api/v1/requests/${request.id}/approve`,
    headers: as(alice),
    payload: { digest: request.digest },
  });
  assert.equal(selfApproves.statusCode, 403);

  const bobApproves = await gw.app.inject({
    method: 'POST',
    url: `/api/v1/requests/${request.id}/approve`,
    headers: as(bob),
    payload: { digest: request.digest, comment: 'ok from the console' },
  });
  assert.equal(bobApproves.statusCode, 200, bobApproves.body);
  assert.equal(bobApproves.json<{ status: string }>().status, 'active');
});

test('strict security headers on the console and the API', async (t) => {
  const { gw } = await setup(t);
  for (const url of ['/console/', '/console/requests/abc', '/api/v1/whoami', '/auth/console/session']) {
    const res = await gw.app.inject({ method: 'GET', url });
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/, url);
    assert.match(csp, /script-src 'self'(;|$)/, url);
    assert.match(csp, /frame-ancestors 'none'/, url);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, url);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
    assert.equal(res.headers['x-frame-options'], 'DENY', url);
    assert.equal(res.headers['referrer-policy'], 'no-referrer', url);
    assert.equal(res.headers['cache-control'], 'no-store', url);
  }
  const page = await gw.app.inject({ method: 'GET', url: '/console/' });
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(
    page.body,
    /<script(?![^>]*\ssrc=)[^>]*>|\sstyle=|\son[a-z]+=/i,
    'no inline script or style',
  );
  const asset = await gw.app.inject({ method: 'GET', url: '/console/assets/main.js' });
  assert.equal(asset.statusCode, 200);
  assert.match(String(asset.headers['content-type']), /^text\/javascript/);
  for (const url of [
    '/console/assets/..%2f..%2fpackage.json',
    '/console/assets/main.d.ts',
    '/console/assets/nope.js',
  ])
    assert.equal((await gw.app.inject({ method: 'GET', url })).statusCode, 404, url);
});

test('group mapping, user names and return paths', () => {
  const cases: [unknown, Record<string, string[]> | undefined, string[]][] = [
    [['idp-eng', 'x'], { 'idp-eng': ['engineers'] }, ['engineers']],
    [
      ['idp-eng', 'idp-sre'],
      { 'idp-eng': ['engineers'], 'idp-sre': ['sre-leads', 'engineers'] },
      ['engineers', 'sre-leads'],
    ],
    [['Engineers', 'bad group!'], undefined, ['engineers']],
    ['admins', undefined, ['admins']],
    [42, undefined, []],
    [['admins'], {}, []],
  ];
  for (const [claim, mapping, expected] of cases) assert.deepEqual(mapGroups(claim, mapping), expected);
  assert.equal(usernameFrom('Alice.Smith@example.com'), 'alice.smith');
  assert.equal(usernameFrom('--'), null);
  assert.equal(usernameFrom(7), null);
  for (const [input, expected] of [
    ['/console/requests/r1', '/console/requests/r1'],
    ['https://evil.example/', '/console/'],
    ['//evil.example/console', '/console/'],
    ['/console/../admin', '/console/'],
    [undefined, '/console/'],
  ] as const)
    assert.equal(safeReturnTo(input), expected, String(input));
});
