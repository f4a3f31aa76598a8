import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { ManualClock } from '@glovebox/core';
import { buildServer, type Gateway } from './server.js';
import type { GatewayOptions } from './config.js';

const POLICIES = fileURLToPath(new URL('../../../examples/policies', import.meta.url));
const ADMIN = 'gbx_t_admin-bootstrap-token-for-tests-000000';

async function gateway(
  t: TestContext,
  overrides: Partial<GatewayOptions> = {},
): Promise<{ gw: Gateway; logs: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-gw-'));
  const logs: string[] = [];
  const gw = buildServer({
    ...overrides,
    dataDir: dir,
    policiesDir: POLICIES,
    bootstrapToken: ADMIN,
    watchPolicies: false,
    logLevel: 'info',
    logDestination: new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  });
  await gw.ready();
  t.after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { gw, logs };
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** Creates a local user through the API as the bootstrap admin. */
async function addUser(gw: Gateway, name: string, password: string, groups = ['engineers']): Promise<void> {
  const res = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: auth(ADMIN),
    payload: { name, groups, password },
  });
  assert.equal(res.statusCode, 201, res.body);
}

/** Logs a local user in through the API; the raw response, so tests can inspect failures. */
function login(gw: Gateway, user: string, password: string) {
  return gw.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { user, password } });
}

test('bad input gets a clear coded error and changes nothing', async (t) => {
  const { gw } = await gateway(t);
  const app = gw.app;
  const cases: {
    name: string;
    method: 'POST' | 'GET';
    url: string;
    headers?: Record<string, string>;
    payload?: string;
    code: string;
    status: number;
  }[] = [
    { name: 'no token', method: 'GET', url: '/api/v1/whoami', code: 'GBX_AUTH_REQUIRED', status: 401 },
    {
      name: 'garbage token',
      method: 'GET',
      url: '/api/v1/whoami',
      headers: auth('nope'),
      code: 'GBX_AUTH_FAILED',
      status: 401,
    },
    {
      name: 'expired-looking unknown token',
      method: 'GET',
      url: '/api/v1/whoami',
      headers: auth('gbx_s_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
      code: 'GBX_AUTH_FAILED',
      status: 401,
    },
    {
      name: 'malformed JSON',
      method: 'POST',
      url: '/api/v1/users',
      headers: { ...auth(ADMIN), 'content-type': 'application/json' },
      payload: '{"name": ',
      code: 'GBX_REQUEST_INVALID',
      status: 400,
    },
    {
      name: 'wrong types',
      method: 'POST',
      url: '/api/v1/users',
      headers: { ...auth(ADMIN), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 42, groups: 'admins' }),
      code: 'GBX_REQUEST_INVALID',
      status: 400,
    },
    {
      name: 'unknown fields',
      method: 'POST',
      url: '/api/v1/users',
      headers: { ...auth(ADMIN), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'eve', isAdmin: true }),
      code: 'GBX_REQUEST_INVALID',
      status: 400,
    },
    {
      name: 'oversized body',
      method: 'POST',
      url: '/api/v1/users',
      headers: { ...auth(ADMIN), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'eve', password: 'x'.repeat(400_000) }),
      code: 'GBX_REQUEST_TOO_LARGE',
      status: 413,
    },
    {
      // the router refuses an over-long path parameter before any route: it answered in its own
      // shape (`FST_ERR_MAX_PARAM_LENGTH`, 414), which the CLI called GBX_INTERNAL
      name: 'path parameter longer than any id',
      method: 'GET',
      url: `/api/v1/requests/${'a'.repeat(101)}`,
      headers: auth(ADMIN),
      code: 'GBX_NOT_FOUND',
      status: 404,
    },
    {
      name: 'malformed percent-encoding in a path parameter',
      method: 'GET',
      url: '/api/v1/requests/%E0%A4%A',
      headers: auth(ADMIN),
      code: 'GBX_REQUEST_INVALID',
      status: 400,
    },
    {
      // authorization comes before validation: a session that is not the caller's is all it learns
      name: "unknown action name on a session that is not the caller's",
      method: 'POST',
      url: '/api/v1/sessions/ses_x/actions/rm-rf',
      headers: { ...auth(ADMIN), 'content-type': 'application/json' },
      payload: '{}',
      code: 'GBX_NOT_FOUND',
      status: 404,
    },
  ];
  for (const c of cases) {
    const res = await app.inject({
      method: c.method,
      url: c.url,
      headers: c.headers ?? {},
      ...(c.payload ? { payload: c.payload } : {}),
    });
    assert.equal(res.statusCode, c.status, `${c.name}: ${res.body}`);
    assert.equal(res.json<{ error: { code: string } }>().error.code, c.code, c.name);
  }
  const users = await app.inject({ method: 'GET', url: '/api/v1/users', headers: auth(ADMIN) });
  assert.deepEqual(
    users.json<{ users: { name: string }[] }>().users.map((u) => u.name),
    ['admin'],
    'nothing was created by bad input',
  );
  const audit = await app.inject({ method: 'GET', url: '/api/v1/audit?limit=1000', headers: auth(ADMIN) });
  const calls = audit
    .json<{ events: { type: string; outcome: string; event: { details: { status?: number } } }[] }>()
    .events.filter((e) => e.type === 'api.request');
  const statuses = calls.map((e) => e.event.details.status);
  for (const status of [400, 401, 413])
    assert.ok(statuses.includes(status), `the refused call with ${status} is audited`);
  assert.ok(
    calls.some((e) => e.outcome === 'denied'),
    'authentication failures are audited as denied',
  );
});

test('a validation error names the field and its rule legibly, also for a field named like a secret', async (t) => {
  const { gw } = await gateway(t);
  const short = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: auth(ADMIN),
    payload: { name: 'eve', password: 'short' },
  });
  const body = short.json<{ error: { code: string; message: string } }>().error;
  assert.equal(body.code, 'GBX_REQUEST_INVALID');
  // "body.password: Too small…" read as a password in text and came out "[REDACTED:PASSWORD] small"
  assert.doesNotMatch(body.message, /REDACTED/, body.message);
  assert.match(body.message, /body\.password/);
  assert.match(body.message, /Too small: expected string to have >=12 characters/);
  const root = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: auth(ADMIN),
    payload: [],
  });
  assert.match(
    root.json<{ error: { message: string } }>().error.message,
    /\(body\)$/,
    'the whole body, not "body."',
  );
  const empty = await login(gw, 'eve', '');
  assert.doesNotMatch(empty.json<{ error: { message: string } }>().error.message, /REDACTED/);
});

test('login failures look the same, are rate-limited, and never log the password', async (t) => {
  const { gw, logs } = await gateway(t);
  await addUser(gw, 'alice', 'correct-horse-battery');
  const wrongPassword = await login(gw, 'alice', 'Sup3r$ecretGuess!');
  const unknownUser = await login(gw, 'mallory', 'Sup3r$ecretGuess!');
  assert.equal(wrongPassword.statusCode, 401);
  assert.deepEqual(
    wrongPassword.json(),
    unknownUser.json(),
    'unknown user and wrong password are indistinguishable',
  );
  let last = wrongPassword;
  for (let i = 0; i < 6; i++) last = await login(gw, 'alice', 'Sup3r$ecretGuess!');
  assert.equal(last.json<{ error: { code: string } }>().error.code, 'GBX_RATE_LIMITED');
  const ok = await login(gw, 'alice', 'correct-horse-battery');
  assert.equal(ok.statusCode, 429, 'still limited even with the right password');
  assert.ok(!logs.join('').includes('Sup3r$ecretGuess!'), 'no password in any log line');
  assert.ok(!logs.join('').includes(ADMIN), 'no token in any log line');
});

test('OpenAPI document, health and readiness', async (t) => {
  const { gw } = await gateway(t);
  const doc = await gw.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  assert.equal(doc.statusCode, 200);
  const paths = Object.keys(doc.json<{ paths: Record<string, unknown> }>().paths);
  for (const p of [
    '/api/v1/requests',
    '/api/v1/requests/{id}/approve',
    '/api/v1/sessions/{id}/actions/{action}',
  ]) {
    assert.ok(paths.includes(p), `${p} is documented`);
  }
  assert.equal((await gw.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  assert.equal((await gw.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
});

test('engineers cannot administer or read the audit; every refusal is audited', async (t) => {
  const { gw } = await gateway(t);
  const app = gw.app;
  await addUser(gw, 'eve', 'eve-password-1234');
  const eve = (await login(gw, 'eve', 'eve-password-1234')).json<{ token: string }>().token;
  for (const [method, url, payload] of [
    ['POST', '/api/v1/users', { name: 'eve2', groups: ['admins'] }],
    ['POST', '/api/v1/agents', { name: 'x', env: 'prod' }],
    ['GET', '/api/v1/audit', undefined],
    ['POST', '/api/v1/tokens', { user: 'admin' }],
  ] as const) {
    const res = await app.inject({ method, url, headers: auth(eve), ...(payload ? { payload } : {}) });
    assert.equal(res.json<{ error: { code: string } }>().error.code, 'GBX_POLICY_DENIED', `${method} ${url}`);
  }
  const audit = await app.inject({
    method: 'GET',
    url: '/api/v1/audit?actor=eve&limit=1000',
    headers: auth(ADMIN),
  });
  const refused = audit
    .json<{ events: { type: string; outcome: string }[] }>()
    .events.filter((e) => e.type === 'api.request' && e.outcome === 'denied');
  assert.equal(refused.length, 4, 'each refusal is in the audit trail');
});

test('expired and revoked tokens are refused alike', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-29T10:00:00Z'));
  const { gw } = await gateway(t, { clock, sessionTokenTtlMs: 60_000 });
  const app = gw.app;
  await addUser(gw, 'eve', 'eve-password-1234');
  const token = async () => (await login(gw, 'eve', 'eve-password-1234')).json<{ token: string }>().token;
  const expiring = await token();
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/whoami', headers: auth(expiring) })).statusCode,
    200,
  );
  clock.advance(61_000);
  const expired = await app.inject({ method: 'GET', url: '/api/v1/whoami', headers: auth(expiring) });
  assert.equal(expired.json<{ error: { code: string } }>().error.code, 'GBX_AUTH_FAILED');
  const revoked = await token();
  await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: auth(revoked), payload: {} });
  const after = await app.inject({ method: 'GET', url: '/api/v1/whoami', headers: auth(revoked) });
  assert.deepEqual(after.json(), expired.json(), 'a revoked token looks exactly like an expired one');
});

test('a gateway whose address is taken stops before it creates anything: no admin, no one-time token shown', async (t) => {
  const busy = createNetServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => busy.close(() => resolve())));
  const port = (busy.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'gbx-gw-busy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const gw = buildServer({
    dataDir: dir,
    policiesDir: POLICIES,
    watchPolicies: false,
    logLevel: 'silent',
    host: '127.0.0.1',
    port,
  });
  await assert.rejects(gw.listen(), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'GBX_CONFIG_INVALID');
    assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port} is in use`));
    return true;
  });
  await gw.close();
  // the next start on a free port still bootstraps: the store was left empty
  const again = buildServer({
    dataDir: dir,
    policiesDir: POLICIES,
    watchPolicies: false,
    logLevel: 'silent',
  });
  await again.ready();
  t.after(() => again.close());
  assert.equal((await again.services.store.listUsers()).length, 1, 'the admin is created now, once');
});

test('the bearer scheme is read in any case (RFC 9110): `bearer TOKEN` is the same credential', async (t) => {
  const { gw } = await gateway(t);
  for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
    const res = await gw.app.inject({
      method: 'GET',
      url: '/api/v1/whoami',
      headers: { authorization: `${scheme} ${ADMIN}` },
    });
    assert.equal(res.statusCode, 200, `${scheme}: ${res.body}`);
  }
});
