import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRouteTestGateway } from './routes/test-gateway.js';

// A duration above what any policy may grant failed the policy request's own bounds and came back
// as a policy denial (a recorded, denied session) instead of as the input error it is.
test('a requested duration longer than any policy may grant is an input error and records nothing', async (t) => {
  const g = await startRouteTestGateway();
  t.after(() => g.close());
  const headers = { authorization: `Bearer ${await g.token('engineer')}` };
  const list = async () =>
    (await g.gw.app.inject({ method: 'GET', url: '/api/v1/requests', headers })).json<{
      requests: unknown[];
    }>().requests.length;
  const before = await list();
  for (const duration of ['999999999d', '8d', '604801s']) {
    const res = await g.gw.app.inject({
      method: 'POST',
      url: '/api/v1/requests',
      headers,
      payload: { target: 'payments', actions: ['facts'], reason: 'checking the duration bound', duration },
    });
    assert.equal(res.statusCode, 400, `${duration}: ${res.body}`);
    const error = res.json<{ error: { code: string; message: string } }>().error;
    assert.equal(error.code, 'GBX_REQUEST_INVALID', duration);
    assert.match(error.message, /at most 7d/, duration);
  }
  assert.equal(await list(), before, 'no request was recorded');
  const longest = await g.gw.app.inject({
    method: 'POST',
    url: '/api/v1/requests',
    headers,
    payload: {
      target: 'payments',
      actions: ['facts'],
      reason: 'checking the duration bound',
      duration: '7d',
    },
  });
  assert.equal(longest.statusCode, 201, longest.body);
});

// The staging permit states @maxDuration("4h") @idleTimeout("30m"), and `glovebox policy test`
// said so; but the request permit states none, and its defaults (1h, 15m) capped the session.
test('a session lasts what the permits state: a permit that states no duration does not cap it', async (t) => {
  const g = await startRouteTestGateway();
  t.after(() => g.close());
  await g.gw.services.store.createAgent({
    id: 'agt_checkout_staging',
    name: 'checkout-staging',
    env: 'staging',
    owner: 'payments-team',
    tags: {},
    credentialHash: 'y'.repeat(64),
    createdAt: g.gw.services.config.clock.now(),
    revokedAt: null,
  });
  const headers = { authorization: `Bearer ${await g.token('engineer')}` };
  const file = async (duration?: string) => {
    const res = await g.gw.app.inject({
      method: 'POST',
      url: '/api/v1/requests',
      headers,
      payload: {
        target: 'checkout-staging',
        actions: ['facts'],
        reason: 'staging session length',
        ...(duration ? { duration } : {}),
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json<{ status: string; durationSec: number; obligations: { idleTimeoutSec: number } }>();
  };
  const asked = await file('2h');
  assert.equal(asked.status, 'active');
  assert.equal(asked.durationSec, 7200);
  const longest = await file();
  assert.equal(longest.durationSec, 4 * 3600);
  assert.equal(longest.obligations.idleTimeoutSec, 30 * 60);
  // what a permit states still caps: prod's permit says 1h
  const prod = await g.gw.app.inject({
    method: 'POST',
    url: '/api/v1/requests',
    headers,
    payload: { target: 'payments', actions: ['facts'], reason: 'prod session length', duration: '4h' },
  });
  assert.equal(prod.json<{ durationSec: number }>().durationSec, 3600);
});

// An auditor sees no target in `glovebox targets`, yet a request on a real one came back as a
// stored, denied request naming its environment, and on an unknown name as GBX_NOT_FOUND.
test('attack: a target the caller may not ask for answers like one that does not exist, and nothing is stored', async (t) => {
  const g = await startRouteTestGateway();
  t.after(() => g.close());
  const headers = { authorization: `Bearer ${await g.token('auditor')}` };
  const ask = (target: string) =>
    g.gw.app.inject({
      method: 'POST',
      url: '/api/v1/requests',
      headers,
      payload: { target, actions: ['facts'], reason: 'probing for targets' },
    });
  const real = await ask('payments');
  const unknown = await ask('nosuch');
  assert.equal(real.statusCode, 404, real.body);
  assert.equal(unknown.statusCode, 404);
  const body = (r: typeof real) => r.json<{ error: { code: string; message: string } }>().error;
  assert.equal(body(real).code, 'GBX_NOT_FOUND');
  assert.equal(body(real).message, body(unknown).message.replace('nosuch', 'payments'));
  const stored = await g.gw.services.store.listRequests({});
  assert.equal(
    stored.filter((r) => r.requesterName === 'auditor' || r.reason === 'probing for targets').length,
    0,
  );
});

test('a reason of invisible characters is no reason: zero-width spaces and bidi marks do not count', async (t) => {
  const g = await startRouteTestGateway();
  t.after(() => g.close());
  const headers = { authorization: `Bearer ${await g.token('engineer')}` };
  const ask = (reason: string) =>
    g.gw.app.inject({
      method: 'POST',
      url: '/api/v1/requests',
      headers,
      payload: { target: 'payments', actions: ['facts'], reason },
    });
  for (const reason of ['\u200b\u200b\u200b', 'a\u200b\u200e\u2066b', '\u00a0\u3000x ']) {
    const res = await ask(reason);
    assert.equal(res.statusCode, 400, JSON.stringify(reason));
    assert.match(res.json<{ error: { message: string } }>().error.message, /at least 3 visible characters/);
  }
  assert.equal((await ask('🔥🔥🔥')).statusCode, 201, 'three visible characters, each two UTF-16 units');
});
