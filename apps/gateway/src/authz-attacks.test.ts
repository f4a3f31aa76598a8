import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { GloveboxError } from '@glovebox/core';
import { createRedactor } from '@glovebox/redact';
import { buildServer } from './server.js';
import { startRouteTestGateway, ADMIN_TOKEN } from './routes/test-gateway.js';
import { UndeclaredRouteError } from './routes/registrar.js';
import { streamAction } from './routes/stream.js';
import { canonicalRequestTarget } from './routes/canonical-url.js';

/** One request with the request-target written exactly as given (absolute form, odd paths). */
function raw(
  port: number,
  path: string,
  token: string | null,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('absolute-form and odd request targets get the answer of the origin form, refusals audited', async (t) => {
  const g = await startRouteTestGateway(undefined, true);
  t.after(() => g.close());
  const port = (g.gw.app.server.address() as { port: number }).port;
  const spellings = [
    `http://127.0.0.1:${port}/api/v1/users`,
    `http://evil.example/api/v1/users`,
    '//api/v1/users',
    '/api//v1/users',
    '/api/v1/../v1/users',
    '/api/v1/./users',
    '/x/../api/v1/users',
    '/api/v1%2Fusers',
    '/api%2fv1%2fusers',
    '/api/v1/users.',
    '/api/v1./users',
  ];
  for (const role of ['anonymous', 'engineer', 'admin'] as const) {
    const token = await g.token(role);
    const origin = await raw(port, '/api/v1/users', token);
    assert.equal(origin.status, { anonymous: 401, engineer: 403, admin: 200 }[role]);
    for (const path of spellings) {
      const before = await g.lastDenial();
      const res = await raw(port, path, token);
      assert.equal(res.status, origin.status, `${role} ${path}: ${res.body}`);
      const after = await g.lastDenial();
      if (role === 'admin') assert.equal(after.seq, before.seq, `${path}: no refusal`);
      else {
        assert.ok(after.seq > before.seq, `${role} ${path}: the refusal is audited`);
        assert.equal(after.event?.details.route, '/api/v1/users');
      }
    }
  }
  assert.equal(
    canonicalRequestTarget('/api/v1/requests?all=true&x=/../'),
    '/api/v1/requests?all=true&x=/../',
  );
  assert.equal(canonicalRequestTarget('/console/'), '/console/');
});

test('/metrics needs readMetrics and GET /policy needs readPolicy', async (t) => {
  const g = await startRouteTestGateway();
  t.after(() => g.close());
  const get = async (url: string, role: Parameters<typeof g.token>[0]) => {
    const token = await g.token(role);
    return (
      await g.gw.app.inject({
        method: 'GET',
        url,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      })
    ).statusCode;
  };
  assert.equal(await get('/metrics', 'anonymous'), 401);
  assert.equal(await get('/metrics', 'engineer'), 403);
  assert.equal(await get('/metrics', 'admin'), 200);
  assert.equal(await get('/api/v1/policy', 'non-owner'), 403);
  assert.equal(await get('/api/v1/policy', 'engineer'), 200);
  const denial = await g.lastDenial();
  assert.equal(denial.event?.details.route, '/api/v1/policy');
  assert.equal(denial.event?.decision?.allowed, false);
});

test('a refused duplicate user or agent leaves no success event', async (t) => {
  const g = await startRouteTestGateway();
  t.after(() => g.close());
  const post = (url: string, payload: Record<string, unknown>) =>
    g.gw.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload });
  const count = async (type: string) =>
    (await g.gw.services.store.queryAudit({ type, outcome: 'success', limit: 1000 })).length;
  const users = await count('user.created');
  assert.equal((await post('/api/v1/users', { name: 'dup', groups: [] })).statusCode, 201);
  assert.equal((await post('/api/v1/users', { name: 'dup', groups: [] })).statusCode, 409);
  assert.equal(await count('user.created'), users + 1);
  assert.equal((await post('/api/v1/agents', { name: 'twin', env: 'staging' })).statusCode, 201);
  assert.equal((await post('/api/v1/agents', { name: 'twin', env: 'staging' })).statusCode, 409);
  assert.equal(await count('agent.registered'), 1);
});

test("a non-owner learns nothing of a session's allow-list, and the refusal is audited", async (t) => {
  const g = await startRouteTestGateway();
  t.after(() => g.close());
  const session = await g.session('active');
  const before = await g.lastDenial();
  const res = await g.gw.app.inject({
    method: 'POST',
    url: `/api/v1/sessions/${session.id}/actions/exec`,
    headers: { authorization: `Bearer ${await g.token('engineer')}` },
    payload: { params: { argv: ['cat', '/etc/shadow'] } },
  });
  assert.equal(res.statusCode, 404, res.body);
  assert.doesNotMatch(res.body, /allow-listed/);
  const after = await g.lastDenial();
  assert.ok(after.seq > before.seq);
  assert.equal(after.event?.sessionId, session.id);
});

test('recordings are filtered by owner before the row limit', async (t) => {
  const g = await startRouteTestGateway();
  t.after(() => g.close());
  const store = g.gw.services.store;
  const own = await g.session('active');
  const other = await g.gw.services.access.create(await g.actor('engineer'), {
    target: 'payments',
    actions: ['facts'],
    reason: 'somebody else debugging',
    breakGlass: false,
  });
  const recording = (id: string, sessionId: string, createdAt: number) => ({
    id,
    sessionId,
    action: 'facts',
    actor: 'x',
    createdAt,
    chunks: 0,
    bytes: 0,
    cast: '',
  });
  await store.saveRecording(recording('rec_own', own.id, 1));
  for (let i = 0; i < 500; i++) await store.saveRecording(recording(`rec_other_${i}`, other.id, 1000 + i));
  const res = await g.gw.app.inject({
    method: 'GET',
    url: '/api/v1/recordings',
    headers: { authorization: `Bearer ${await g.token('owner')}` },
  });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(
    res.json<{ recordings: { id: string }[] }>().recordings.map((r) => r.id),
    ['rec_own'],
  );
});

test('a live watcher is cut off when its token is revoked or its rights change', async (t) => {
  const g = await startRouteTestGateway(undefined, true);
  t.after(() => g.close());
  const port = (g.gw.app.server.address() as { port: number }).port;
  const session = await g.session('active');
  const watch = (token: string) =>
    new Promise<{ lines: () => Record<string, unknown>[]; ended: Promise<void> }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: `/api/v1/sessions/${session.id}/live`,
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          const ended = new Promise<void>((done) => res.on('end', done));
          res.on('data', (c: string) => {
            text += c;
            if (text.includes('"watching"'))
              resolve({
                lines: () =>
                  text
                    .split('\n')
                    .filter(Boolean)
                    .map((l) => JSON.parse(l) as Record<string, unknown>),
                ended,
              });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  const live = g.gw.services.live;
  const piece = (data: string) => ({
    sessionId: session.id,
    action: 'facts',
    recordingId: 'r',
    time: 0,
    data,
  });

  const ownerToken = (await g.token('owner'))!;
  const owner = await watch(ownerToken);
  const auditor = await watch((await g.token('auditor'))!);
  live.publish(piece('first'));
  await new Promise((r) => setImmediate(r));
  const ownerTokenId = (await g.gw.services.identity.authenticate(ownerToken, '127.0.0.1')).tokenId;
  await g.gw.services.identity.revokeToken(ownerTokenId);
  const audrey = (await g.gw.services.store.getUserByName('audrey'))!;
  await g.gw.services.store.updateUserGroups(audrey.id, []);
  live.publish(piece('secret-after-revocation'));
  await owner.ended;
  await auditor.ended;
  for (const [who, watcher, code] of [
    ['owner', owner, 'GBX_AUTH_FAILED'],
    ['auditor', auditor, 'GBX_NOT_FOUND'],
  ] as const) {
    const lines = watcher.lines();
    assert.ok(!lines.some((l) => l.data === 'secret-after-revocation'), `${who} got nothing after`);
    assert.deepEqual(lines.at(-1), { type: 'error', error: lines.at(-1)!.error });
    assert.equal((lines.at(-1)!.error as { code: string }).code, code);
  }
});

test('a mid-stream error message passes the redactor', async (t) => {
  const app = Fastify();
  t.after(() => app.close());
  const secret = 'AKIAIOSFODNN7EXAMPLE';
  app.get('/stream', async (_request, reply) =>
    streamAction(
      reply,
      async (onStream) => {
        onStream({ step: 1 });
        throw new GloveboxError('GBX_AGENT_REFUSED', `agent failed reading key ${secret}`);
      },
      { sessionId: 's', action: 'eval' },
      createRedactor({ level: 'standard' }),
      async () => null,
    ),
  );
  const res = await app.inject({ method: 'GET', url: '/stream' });
  const last = JSON.parse(res.body.trim().split('\n').at(-1)!) as { error: { message: string } };
  assert.doesNotMatch(last.error.message, new RegExp(secret));
  assert.match(last.error.message, /agent failed reading key/);
});

test('a route without a declaration in the route table stops the gateway from starting', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-undeclared-'));
  const gw = buildServer({
    dataDir: dir,
    policiesDir: fileURLToPath(new URL('../../../examples/policies', import.meta.url)),
    watchPolicies: false,
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
  });
  t.after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.throws(() => gw.app.get('/backdoor', async () => 'open'), UndeclaredRouteError);
  void gw.app.register(async (api) => api.post('/users/:id/promote', async () => 'open'), {
    prefix: '/api/v1',
  });
  await assert.rejects(gw.ready(), UndeclaredRouteError);
});
