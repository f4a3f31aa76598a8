import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { AgentRuntime, type ActionModule } from '@glovebox/agent';
import { buildServer, type Gateway } from '../server.js';
import type { GatewayOptions } from '../config.js';
import { TEST_PG_URL } from '../store/test-stores.js';

export const CLUSTER_POLICIES = fileURLToPath(new URL('../../../../examples/policies', import.meta.url));
export const CLUSTER_ADMIN = 'gbx_t_cluster-admin-bootstrap-token-000';

/** Several gateways built on one fresh PostgreSQL schema, each with its own data directory. */
export interface TestCluster {
  schema: string;
  storeUrl: string;
  gateways: Gateway[];
  /** Builds one more replica on the same schema (not started). */
  add(options?: Partial<GatewayOptions>): Gateway;
  dispose(): Promise<void>;
}

/** A master key every replica of a test cluster shares (base64, 32 bytes). */
export const CLUSTER_MASTER_KEY = randomBytes(32).toString('base64');

const silent = () => new Writable({ write: (_c, _e, done) => done() });

export function testCluster(count: number, options: Partial<GatewayOptions> = {}): TestCluster {
  const schema = `gbx_cluster_${randomBytes(5).toString('hex')}`;
  const storeUrl = `${TEST_PG_URL}?schema=${schema}`;
  const dirs: string[] = [];
  const gateways: Gateway[] = [];
  const add = (extra: Partial<GatewayOptions> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'gbx-replica-'));
    dirs.push(dir);
    const gw = buildServer({
      dataDir: dir,
      store: storeUrl,
      policiesDir: CLUSTER_POLICIES,
      bootstrapToken: CLUSTER_ADMIN,
      masterKey: CLUSTER_MASTER_KEY,
      port: 0,
      watchPolicies: false,
      logDestination: silent(),
      ...options,
      ...extra,
    });
    gateways.push(gw);
    return gw;
  };
  for (let i = 0; i < count; i++) add();
  return {
    schema,
    storeUrl,
    gateways,
    add,
    async dispose() {
      await Promise.allSettled(gateways.map((g) => g.close()));
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Two replicas on a fresh PostgreSQL schema, listening, each with an API client; disposed at the end. */
export async function twoReplicas(t: TestContext) {
  const cluster = testCluster(2);
  t.after(() => cluster.dispose());
  const [a, b] = cluster.gateways as [Gateway, Gateway];
  return { cluster, a, b, onA: apiClient(await a.listen()), onB: apiClient(await b.listen()) };
}

/**
 * One gateway on its own SQLite data directory (or `options.store`), listening on loopback; closed and
 * removed when the test ends.
 */
export async function singleGateway(
  t: TestContext,
  options: Partial<GatewayOptions> = {},
): Promise<{ gw: Gateway; url: string; api: ReturnType<typeof apiClient>; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-gateway-'));
  const gw = buildServer({
    dataDir: dir,
    policiesDir: CLUSTER_POLICIES,
    bootstrapToken: CLUSTER_ADMIN,
    port: 0,
    watchPolicies: false,
    logDestination: silent(),
    ...options,
  });
  t.after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const url = await gw.listen();
  return { gw, url, api: apiClient(url), dir };
}

/**
 * Registers agent `name` (env staging) and connects an in-process agent serving `modules` to the
 * gateway at `url`; stopped when the test ends.
 */
export async function moduleAgent(
  t: TestContext,
  url: string,
  modules: ActionModule[],
  options: { name?: string; maxConcurrentCalls?: number } = {},
): Promise<AgentRuntime> {
  const reg = await apiClient(url)('POST', '/agents', CLUSTER_ADMIN, {
    name: options.name ?? 'svc',
    env: 'staging',
  });
  const runtime = new AgentRuntime({
    url,
    token: reg.json.credential as string,
    gatewayKeys: reg.json.gatewayKeys as string[],
    modules,
    ...(options.maxConcurrentCalls ? { maxConcurrentCalls: options.maxConcurrentCalls } : {}),
    log: () => undefined,
  });
  await runtime.start();
  t.after(() => runtime.stop());
  return runtime;
}

/** A tiny JSON client for one gateway URL. */
export function apiClient(url: string) {
  return async (method: string, path: string, token: string | null, body?: unknown) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
}
