import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { AgentRuntime, type ActionModule } from '@glovebox/agent';
import { buildServer } from './server.js';

const POLICIES = fileURLToPath(new URL('../../../examples/policies', import.meta.url));
const ADMIN = 'gbx_t_admin-bootstrap-token-second-pass-00';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const CARD = '4111111111111111';

/**
 * Invariant 3 at the gateway: even when an agent (buggy, or old) sends a value unredacted, the
 * gateway's second pass masks it before it reaches the client, its logs or the audit trail.
 */
test('the gateway redacts what a careless agent sends: results, logs, audit', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-2nd-'));
  const logs: string[] = [];
  const gw = buildServer({
    dataDir: dir,
    policiesDir: POLICIES,
    bootstrapToken: ADMIN,
    port: 0,
    watchPolicies: false,
    logLevel: 'debug',
    logDestination: new Writable({
      write(chunk: Buffer, _e, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  });
  const url = await gw.listen();
  const careless: ActionModule = {
    actions: {
      facts: async () => ({
        result: { env: { AWS_ACCESS_KEY_ID: AWS_KEY }, note: `card ${CARD} on file`, ok: 'order ord_42' },
      }),
    },
    endSession: async () => undefined,
    close: async () => undefined,
  };
  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  };
  await api('POST', '/users', ADMIN, {
    name: 'alice',
    groups: ['engineers'],
    password: 'alice-password-123',
  });
  const reg = JSON.parse((await api('POST', '/agents', ADMIN, { name: 'svc', env: 'staging' })).text) as {
    credential: string;
    gatewayKeys: string[];
  };
  const runtime = new AgentRuntime({
    url,
    token: reg.credential,
    gatewayKeys: reg.gatewayKeys,
    modules: [careless],
    log: () => undefined,
  });
  await runtime.start();
  t.after(async () => {
    await runtime.stop();
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'alice', password: 'alice-password-123' }),
  });
  const token = ((await login.json()) as { token: string }).token;
  const session = JSON.parse(
    (await api('POST', '/requests', token, { target: 'svc', actions: ['facts'], reason: 'second pass' }))
      .text,
  ) as { id: string };
  const res = await api('POST', `/sessions/${session.id}/actions/facts`, token, { params: {} });
  assert.equal(res.status, 200, res.text);
  assert.ok(!res.text.includes(AWS_KEY), 'AWS key masked in the response');
  assert.ok(!res.text.includes(CARD), 'card masked in the response');
  assert.ok(res.text.includes('ord_42'), 'ordinary data stays readable');
  const body = JSON.parse(res.text) as { redactions: Record<string, number> };
  assert.ok(Object.values(body.redactions).reduce((a, b) => a + b, 0) >= 2, 'the redactions are counted');
  const audit = await api('GET', '/audit?limit=1000', ADMIN);
  assert.ok(!audit.text.includes(AWS_KEY) && !audit.text.includes(CARD), 'nothing secret in the audit trail');
  assert.match(audit.text, /"redactions"/);
  assert.ok(!logs.join('').includes(AWS_KEY) && !logs.join('').includes(CARD), 'nothing secret in our logs');
});
