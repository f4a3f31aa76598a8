// End-to-end authorized `facts` actions per second on one gateway with one agent, against the
// same facts collection called directly in the same run (the baseline).
// Run: npx tsc -b bench && node bench/dist/spine-facts.js [seconds] [sqlite|postgres] [concurrency]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { AgentRuntime, createFactsModule, processFactsCollector } from '@glovebox/agent';
import { buildServer } from '@glovebox/gateway';
import { TEST_STORES } from '@glovebox/gateway/testing/stores';

const seconds = Number(process.argv[2] ?? 5);
const storeName = process.argv[3] ?? 'sqlite';
const concurrency = Number(process.argv[4] ?? 8);
const ADMIN = 'gbx_t_bench-admin-token-0000000000000000';

async function rate(label: string, fn: () => Promise<unknown>): Promise<number> {
  const until = Date.now() + seconds * 1000;
  let done = 0;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        const t0 = performance.now();
        await fn();
        latencies.push(performance.now() - t0);
        done++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const p = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
  const perSec = done / seconds;
  console.log(
    `${label.padEnd(40)} ${perSec.toFixed(0).padStart(6)} /s   p50 ${p(0.5)} ms   p99 ${p(0.99)} ms`,
  );
  return perSec;
}

const dir = mkdtempSync(join(tmpdir(), 'gbx-bench-'));
const testStore = TEST_STORES.find((s) => s.name === storeName);
if (!testStore) throw new TypeError('store must be sqlite or postgres');
const opened = await testStore.open();
const gw = buildServer({
  dataDir: dir,
  store: opened.url,
  policiesDir: fileURLToPath(new URL('../../examples/policies', import.meta.url)),
  bootstrapToken: ADMIN,
  port: 0,
  watchPolicies: false,
  logDestination: new Writable({ write: (_c, _e, done) => done() }),
});
const url = await gw.listen();
const call = async (method: string, path: string, token: string, body?: unknown) => {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
};
await call('POST', '/users', ADMIN, { name: 'alice', groups: ['engineers'], password: 'alice-password-123' });
const reg = await call('POST', '/agents', ADMIN, { name: 'bench', env: 'staging' });
const facts = processFactsCollector();
const runtime = new AgentRuntime({
  url,
  token: reg.credential as string,
  gatewayKeys: reg.gatewayKeys as string[],
  modules: [createFactsModule(facts)],
  log: () => undefined,
});
await runtime.start();
const login = await call('POST', '/auth/login', '', { user: 'alice', password: 'alice-password-123' });
const token = login.token as string;
const session = await call('POST', '/requests', token, {
  target: 'bench',
  actions: ['facts'],
  reason: 'benchmark',
});

console.log(`store: ${storeName}, ${concurrency} concurrent callers, ${seconds}s each`);
const direct = process.env.BENCH_SKIP_BASELINE ? 1 : await rate('baseline: facts collected directly', facts);
const full = await rate('CLI path: HTTP → policy → audit ×2 → agent', () =>
  call('POST', `/sessions/${session.id as string}/actions/facts`, token, { params: {} }),
);
console.log(`ratio full/direct: ${(full / direct).toFixed(3)}`);
await runtime.stop();
await gw.close();
await opened.dispose();
rmSync(dir, { recursive: true, force: true });
