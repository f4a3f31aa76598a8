import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { authenticator } from 'otplib';
import { buildServer, type Gateway } from './server.js';
import type { GatewayOptions } from './config.js';
import { CLUSTER_ADMIN, CLUSTER_POLICIES, testCluster } from './cluster/test-cluster.js';
import { sourceOf } from './services/credential-limits.js';

const ADMIN = CLUSTER_ADMIN;
const PASSWORD = 'olivia-password-123';

async function single(t: TestContext, options: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-limits-'));
  const gw = buildServer({
    dataDir: dir,
    policiesDir: CLUSTER_POLICIES,
    bootstrapToken: ADMIN,
    watchPolicies: false,
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
    ...options,
  });
  await gw.ready();
  t.after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return gw;
}

interface Call {
  method?: 'GET' | 'POST';
  url: string;
  token?: string | null;
  body?: unknown;
  from?: string;
  forwardedFor?: string;
}

/** An answer's JSON, loosely: each test reads the fields it needs. */
type Answer = Record<string, unknown> & {
  token?: string;
  secret?: string;
  error?: { code: string };
  enrollmentTicket?: { ticket: string };
};

async function call(
  gw: Gateway,
  c: Call,
): Promise<{ status: number; code: string | undefined; json: Answer }> {
  const res = await gw.app.inject({
    method: c.method ?? 'POST',
    url: `/api/v1${c.url}`,
    remoteAddress: c.from ?? '198.51.100.7',
    headers: {
      ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
      ...(c.forwardedFor ? { 'x-forwarded-for': c.forwardedFor } : {}),
    },
    ...(c.body === undefined ? {} : { payload: c.body as object }),
  });
  const json: Answer = res.body ? res.json<Answer>() : {};
  return { status: res.statusCode, code: json.error?.code, json };
}

const addUser = (gw: Gateway, name: string, password = PASSWORD) =>
  call(gw, { url: '/users', token: ADMIN, body: { name, groups: ['engineers'], password } });

const login = (gw: Gateway, user: string, password: string, extra: Partial<Call> = {}) =>
  call(gw, { url: '/auth/login', body: { user, password }, ...extra });

test('attack: wrong TOTP codes at /mfa/verify are refused after five, even the right one then', async (t) => {
  const gw = await single(t);
  const created = await addUser(gw, 'olivia');
  const token = (await login(gw, 'olivia', PASSWORD)).json.token!;
  const ticket = created.json.enrollmentTicket!.ticket;
  const secret = (await call(gw, { url: '/mfa/enroll', token, body: { ticket } })).json.secret!;
  const confirm = authenticator.generate(secret);
  assert.equal((await call(gw, { url: '/mfa/verify', token, body: { code: confirm } })).status, 200);
  const later = (
    await login(gw, 'olivia', PASSWORD, {
      body: {
        user: 'olivia',
        password: PASSWORD,
        otp: authenticator.clone({ epoch: Date.now() + 30_000 }).generate(secret),
      },
    })
  ).json.token!;
  const codes: (string | undefined)[] = [];
  for (let i = 0; i < 8; i++)
    codes.push((await call(gw, { url: '/mfa/verify', token: later, body: { code: '000000' } })).code);
  assert.deepEqual(codes.slice(0, 5), Array(5).fill('GBX_MFA_INVALID'));
  assert.deepEqual(codes.slice(5), Array(3).fill('GBX_RATE_LIMITED'));
  const right = authenticator.clone({ epoch: Date.now() + 60_000 }).generate(secret);
  assert.equal(
    (await call(gw, { url: '/mfa/verify', token: later, body: { code: right } })).code,
    'GBX_RATE_LIMITED',
  );
});

test('attack: wrong security-key assertions are limited like TOTP codes', async (t) => {
  const gw = await single(t);
  await addUser(gw, 'olivia');
  const token = (await login(gw, 'olivia', PASSWORD)).json.token!;
  const codes: (string | undefined)[] = [];
  for (let i = 0; i < 7; i++) {
    const body = { challengeToken: 'forged-challenge-token', response: { id: 'x' } };
    codes.push((await call(gw, { url: '/mfa/webauthn/assert/verify', token, body })).code);
  }
  assert.deepEqual(codes, [...Array(5).fill('GBX_MFA_INVALID'), ...Array(2).fill('GBX_RATE_LIMITED')]);
});

test('attack: five failures from one address do not lock out the other people at that address', async (t) => {
  const gw = await single(t);
  await addUser(gw, 'olivia');
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'])
    assert.equal((await login(gw, user, 'guessed-password-1')).code, 'GBX_AUTH_FAILED');
  assert.equal((await login(gw, 'olivia', PASSWORD)).status, 200, 'olivia behind the same NAT logs in');
});

test('attack: behind a trusted proxy, one client spraying passwords is limited, the others are not', async (t) => {
  const gw = await single(t, { trustProxy: ['10.0.0.0/8'], credentialLimits: { perSource: 10 } as never });
  await addUser(gw, 'olivia');
  const viaProxy = (client: string) => ({ from: '10.1.2.3', forwardedFor: client });
  const sprayed: (string | undefined)[] = [];
  for (let i = 0; i < 12; i++)
    sprayed.push((await login(gw, `user${i}`, 'guessed-password-1', viaProxy('203.0.113.9'))).code);
  assert.deepEqual(sprayed.slice(10), ['GBX_RATE_LIMITED', 'GBX_RATE_LIMITED'], 'the sprayer is stopped');
  assert.equal((await login(gw, 'olivia', PASSWORD, viaProxy('203.0.113.10'))).status, 200);
  // An untrusted peer cannot pick its own source by sending the header.
  const direct: (string | undefined)[] = [];
  for (let i = 0; i < 11; i++)
    direct.push(
      (
        await login(gw, `other${i}`, 'guessed-password-1', {
          from: '192.0.2.1',
          forwardedFor: `203.0.113.${i}`,
        })
      ).code,
    );
  assert.equal(direct.at(-1), 'GBX_RATE_LIMITED');
});

test('a success forgives that user at that source, not the failures elsewhere', async (t) => {
  const gw = await single(t);
  await addUser(gw, 'olivia');
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 4; i++)
      assert.equal((await login(gw, 'olivia', 'typo-password-1')).code, 'GBX_AUTH_FAILED');
    assert.equal((await login(gw, 'olivia', PASSWORD)).status, 200, `round ${round}`);
  }
});

test('attack: guessing bearer tokens from one source is refused past the limit, for that source only', async (t) => {
  const gw = await single(t, { credentialLimits: { perSource: 20 } as never });
  const codes: (string | undefined)[] = [];
  for (let i = 0; i < 22; i++)
    codes.push(
      (
        await call(gw, {
          method: 'GET',
          url: '/whoami',
          token: `gbx_t_${'x'.repeat(30)}${i}`,
          from: '192.0.2.66',
        })
      ).code,
    );
  assert.deepEqual(codes.slice(19), ['GBX_AUTH_FAILED', 'GBX_RATE_LIMITED', 'GBX_RATE_LIMITED']);
  assert.equal(
    (await call(gw, { method: 'GET', url: '/whoami', token: ADMIN, from: '192.0.2.66' })).code,
    'GBX_RATE_LIMITED',
    'the guessing source is refused every bearer check until the window passes',
  );
  assert.equal(
    (await call(gw, { method: 'GET', url: '/whoami', token: ADMIN, from: '192.0.2.67' })).status,
    200,
  );
});

test('an IPv6 client is one /64; an IPv4-mapped address is the IPv4 address', () => {
  assert.equal(sourceOf('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(sourceOf('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(sourceOf('::1'), '0:0:0:0::/64');
  assert.equal(sourceOf('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(sourceOf('192.0.2.1'), '192.0.2.1');
});

test('attack: failed logins spread over two replicas on one PostgreSQL share one count', async (t) => {
  const cluster = testCluster(2);
  t.after(() => cluster.dispose());
  const [a, b] = cluster.gateways as [Gateway, Gateway];
  await a.ready();
  await b.ready();
  await addUser(a, 'olivia');
  const codes: (string | undefined)[] = [];
  for (let i = 0; i < 8; i++) codes.push((await login(i % 2 ? b : a, 'olivia', 'guessed-password-1')).code);
  assert.deepEqual(codes, [...Array(5).fill('GBX_AUTH_FAILED'), ...Array(3).fill('GBX_RATE_LIMITED')]);
  // Concurrent guesses on both replicas from many sources: at most perUser (20) are ever checked.
  await addUser(a, 'victor');
  const burst = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      login(i % 2 ? b : a, 'victor', 'guessed-password-1', { from: `192.0.2.${i}` }),
    ),
  );
  const checked = burst.filter((r) => r.code === 'GBX_AUTH_FAILED').length;
  assert.ok(checked <= 20, `${checked} guesses were checked`);
  assert.equal(burst.filter((r) => r.code === 'GBX_RATE_LIMITED').length, 40 - checked);
  // Refused attempts counted against nobody: the next guess is checked exactly while the count allows.
  const next = await login(a, 'victor', 'guessed-password-1', { from: '192.0.2.200' });
  assert.equal(next.code, checked < 20 ? 'GBX_AUTH_FAILED' : 'GBX_RATE_LIMITED');
});
