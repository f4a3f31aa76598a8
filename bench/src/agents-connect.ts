// How long N agents take to connect to one gateway process, and the gateway's memory before and
// after (RSS from /proc), on SQLite or PostgreSQL. The agents are AgentRuntime instances in this
// process (each its own WebSocket and credential), started at once.
// Run: npm run build && node bench/dist/agents-connect.js [agents=1000] [sqlite|postgres]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { AgentRuntime, createFactsModule, processFactsCollector } from '@glovebox/agent';
import { TEST_PG_URL } from '@glovebox/gateway/testing/stores';

const count = Number(process.argv[2] ?? 1000);
const storeKind = process.argv[3] ?? 'sqlite';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADMIN = `gbx_t_${randomBytes(24).toString('base64url')}`;
const dir = mkdtempSync(join(tmpdir(), 'gbx-bench-agents-'));
const schema = `gbx_bench_${randomBytes(4).toString('hex')}`;
const port = 30_000 + Math.floor(Math.random() * 10_000);
const url = `http://127.0.0.1:${port}`;
const store =
  storeKind === 'postgres' ? `${TEST_PG_URL}?schema=${schema}` : `sqlite:${join(dir, 'glovebox.db')}`;

const gateway = spawn(
  process.execPath,
  [
    join(ROOT, 'apps/gateway/dist/main.js'),
    '--data',
    join(dir, 'data'),
    '--policies',
    join(ROOT, 'examples/policies'),
    '--listen',
    `127.0.0.1:${port}`,
    '--store',
    store,
  ],
  {
    env: { PATH: process.env.PATH ?? '', GLOVEBOX_BOOTSTRAP_TOKEN: ADMIN, GLOVEBOX_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  },
);
const rssMb = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gateway.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

const runtimes: AgentRuntime[] = [];
try {
  for (;;) {
    if ((await fetch(`${url}/readyz`).catch(() => null))?.ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const registrations: { credential: string; gatewayKeys: string[] }[] = [];
  for (let i = 0; i < count; i++)
    registrations.push(
      (await api('POST', '/agents', { name: `a${i}`, env: 'staging' })) as {
        credential: string;
        gatewayKeys: string[];
      },
    );
  const before = rssMb();
  const facts = createFactsModule(processFactsCollector());
  const t0 = performance.now();
  const connected = registrations.map(({ credential, gatewayKeys }) => {
    const runtime = new AgentRuntime({
      url,
      token: credential,
      gatewayKeys,
      modules: [facts],
      log: () => undefined,
    });
    runtimes.push(runtime);
    return runtime.start();
  });
  await Promise.all(connected);
  const seconds = (performance.now() - t0) / 1000;
  const listed = (await api('GET', '/agents')).agents as { connected: boolean }[];
  const after = rssMb();
  console.log(
    `${count} agents on ${storeKind}: all connected in ${seconds.toFixed(1)} s ` +
      `(${(count / seconds).toFixed(0)}/s), ${listed.filter((a) => a.connected).length} listed connected; ` +
      `gateway RSS ${before.toFixed(0)} -> ${after.toFixed(0)} MB ` +
      `(${(((after - before) * 1024) / count).toFixed(0)} kB per agent)`,
  );
} finally {
  await Promise.allSettled(runtimes.map((r) => r.stop()));
  gateway.kill('SIGTERM');
  await new Promise((r) => gateway.once('exit', r));
  if (storeKind === 'postgres') {
    const db = new pg.Client({ connectionString: TEST_PG_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
  }
  rmSync(dir, { recursive: true, force: true });
}
