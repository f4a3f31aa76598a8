import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import type { Gateway } from './server.js';
import type { GatewayOptions } from './config.js';
import { apiClient, CLUSTER_ADMIN, singleGateway, testCluster } from './cluster/test-cluster.js';
import { DEFAULT_CREDENTIAL_LIMITS } from './services/credential-limits.js';

const LIMITS = { ...DEFAULT_CREDENTIAL_LIMITS, perSource: 3 };
const WRONG = 'gbx_a_wrong-credential-00000000000000000';

async function single(t: TestContext, options: Partial<GatewayOptions> = {}): Promise<string> {
  return (await singleGateway(t, { credentialLimits: LIMITS, ...options })).url;
}

/** Opens the agent endpoint with `credential`: the HTTP status of a refusal, or 101 when it connected. */
function connect(url: string, credential: string, forwardedFor?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/agent/connect`, {
      headers: {
        authorization: `Bearer ${credential}`,
        ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
      },
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (error) => reject(error));
  });
}

async function register(url: string, name: string): Promise<string> {
  const r = await apiClient(url)('POST', '/agents', CLUSTER_ADMIN, { name, env: 'staging' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.credential as string;
}

test('attack: wrong agent credentials on the WebSocket connect are refused past the limit, for that source', async (t) => {
  const url = await single(t);
  const credential = await register(url, 'svc');
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push(await connect(url, WRONG));
  assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
  // over the limit the check does not run: the right credential from there waits for the window too
  assert.equal(await connect(url, credential), 429);
  const events = (await apiClient(url)('GET', '/audit?type=agent.rejected&limit=20', CLUSTER_ADMIN)).json
    .events as { event: { details: { reason: string } } }[];
  assert.ok(events.some((e) => e.event.details.reason === 'rate limited'));
});

test('behind a trusted proxy an agent is not locked out by another client spraying credentials', async (t) => {
  const url = await single(t, { trustProxy: ['127.0.0.1'] });
  const credential = await register(url, 'svc');
  for (let i = 0; i < 4; i++) await connect(url, WRONG, '203.0.113.9');
  assert.equal(await connect(url, WRONG, '203.0.113.9'), 429);
  assert.equal(await connect(url, credential, '198.51.100.20'), 101);
});

test('attack: wrong agent credentials spread over two replicas on one PostgreSQL share one count', async (t) => {
  const cluster = testCluster(2, { credentialLimits: LIMITS });
  t.after(() => cluster.dispose());
  const [a, b] = cluster.gateways as [Gateway, Gateway];
  const urls = [await a.listen(), await b.listen()];
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push(await connect(urls[i % 2]!, WRONG));
  assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
});
