// Authorized `facts` actions per second, p50/p99 and gateway CPU per action at 1, 8, 32 and 128
// concurrent callers: one gateway (callers and agents on gw1 directly) against three behind HAProxy
// (callers and agents through the balancer), and every call relayed (callers on gw2, agents on gw1),
// measured in the same run on examples/deploy/start.sh.
// Three agent processes (in-process agent, test service) serve the calls.
// Run: npm run build && node bench/dist/replicas-throughput.js [seconds per point]
// Profile the gateways: BENCH_GATEWAY_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' node …
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { TEST_PG_URL } from '@glovebox/gateway/testing/stores';

const seconds = Number(process.argv[2] ?? 5);
const CALLERS = [1, 8, 32, 128];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TICK_MS = 1000 / 100; // USER_HZ on Linux

const dir = mkdtempSync(join(tmpdir(), 'gbx-bench-replicas-'));
const schema = `gbx_bench_${randomBytes(4).toString('hex')}`;
const base = 30_000 + Math.floor(Math.random() * 10_000);
const lb = `http://127.0.0.1:${base}`;
const replicas = [1, 2, 3].map((i) => `http://127.0.0.1:${base + i}`);
const run = join(dir, 'deploy');

const deployment = spawn('bash', [join(ROOT, 'examples/deploy/start.sh')], {
  env: {
    PATH: `${process.env.PATH ?? ''}:/usr/sbin`,
    GLOVEBOX_STORE: `${TEST_PG_URL}?schema=${schema}`,
    GLOVEBOX_DEPLOY_DIR: run,
    GLOVEBOX_DEPLOY_PORT: String(base),
    GLOVEBOX_LOG_LEVEL: 'warn',
    // e.g. --cpu-prof --cpu-prof-dir=DIR to profile the gateways (written when they stop)
    NODE_OPTIONS: process.env.BENCH_GATEWAY_NODE_OPTIONS ?? '',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  deployment.stdout?.on('data', (d: Buffer) => d.toString().includes('three replicas') && resolve());
  deployment.once('exit', () => reject(new Error('start.sh exited')));
});
const admin = readFileSync(join(run, 'admin.token'), 'utf8').trim();
const gatewayPids = [1, 2, 3].map((i) => Number(readFileSync(join(run, `gw${i}.pid`), 'utf8')));

async function call(url: string, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}
const get = async (url: string, path: string, token: string) =>
  (await fetch(`${url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })).json();

/** CPU time (ms) the gateway processes have used so far. */
function gatewayCpuMs(): number {
  let ticks = 0;
  for (const pid of gatewayPids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * TICK_MS;
}

await call(lb, 'POST', '/users', admin, {
  name: 'alice',
  groups: ['engineers'],
  password: 'alice-password-123',
});
const credentials: string[] = [];
for (let i = 1; i <= 3; i++)
  credentials.push(
    (await call(lb, 'POST', '/agents', admin, { name: `svc${i}`, env: 'staging' })).credential as string,
  );
const token = (await call(lb, 'POST', '/auth/login', '', { user: 'alice', password: 'alice-password-123' }))
  .token as string;

let agents: ChildProcess[] = [];
async function startAgents(url: string): Promise<void> {
  for (const a of agents) a.kill('SIGKILL');
  agents = credentials.map((credential) =>
    spawn(process.execPath, ['--import', '@glovebox/agent/register', 'tests/e2e/fixtures/service.mjs'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', GLOVEBOX_URL: url, GLOVEBOX_AGENT_TOKEN: credential, PORT: '0' },
      stdio: 'ignore',
    }),
  );
  for (;;) {
    const list = (await get(url, '/agents', admin)) as { agents: { connected: boolean }[] };
    if (list.agents.length === 3 && list.agents.every((a) => a.connected)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Point {
  perSec: number;
  p50: number;
  p99: number;
  cpuMsPerAction: number;
  /** Answers other than 200 (e.g. the agent's own concurrency limit: GBX_AGENT_REFUSED). */
  refused: number;
}

async function measure(url: string, sessions: string[], callers: number): Promise<Point> {
  const latencies: number[] = [];
  let refused = 0;
  const cpu0 = gatewayCpuMs();
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async (_, i) => {
      const session = sessions[i % sessions.length]!;
      while (performance.now() < until) {
        const start = performance.now();
        const res = await fetch(`${url}/api/v1/sessions/${session}/actions/facts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{"params":{}}',
        });
        await res.arrayBuffer();
        if (res.ok) latencies.push(performance.now() - start);
        else refused++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = gatewayCpuMs() - cpu0;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return {
    perSec: latencies.length / elapsed,
    p50: q(0.5),
    p99: q(0.99),
    cpuMsPerAction: cpu / latencies.length,
    refused,
  };
}

/** Runs every caller count with the agents connected to `agentsUrl` and callers calling `url`. */
async function series(label: string, url: string, agentsUrl = url): Promise<Point[]> {
  await startAgents(agentsUrl);
  const sessions: string[] = [];
  for (let i = 1; i <= 3; i++)
    sessions.push(
      (
        await call(url, 'POST', '/requests', token, {
          target: `svc${i}`,
          actions: ['facts'],
          reason: 'bench',
        })
      ).id as string,
    );
  await measure(url, sessions, 8); // warm-up: JIT, connections
  const points: Point[] = [];
  for (const callers of CALLERS) {
    const p = await measure(url, sessions, callers);
    points.push(p);
    console.log(
      `${label.padEnd(24)} ${String(callers).padStart(3)} callers ${p.perSec.toFixed(0).padStart(6)} /s` +
        `   p50 ${p.p50.toFixed(1).padStart(6)} ms   p99 ${p.p99.toFixed(1).padStart(6)} ms` +
        `   gateway CPU ${p.cpuMsPerAction.toFixed(2)} ms/action` +
        (p.refused ? `   ${p.refused} refused` : ''),
    );
  }
  for (const s of sessions) await call(url, 'POST', `/sessions/${s}/end`, token);
  return points;
}

try {
  console.log(`authorized facts, ${seconds} s per point, 3 agents, PostgreSQL, ${new Date().toISOString()}`);
  const one = await series('one gateway (gw1)', replicas[0]!);
  const relayed = await series('relayed (gw2 -> gw1)', replicas[1]!, replicas[0]);
  const three = await series('three behind HAProxy', lb);
  for (const [i, callers] of CALLERS.entries())
    console.log(
      `ratio relayed/one at ${String(callers).padStart(3)} callers: ` +
        `${(relayed[i]!.perSec / one[i]!.perSec).toFixed(2)}x throughput, ` +
        `CPU ${(relayed[i]!.cpuMsPerAction / one[i]!.cpuMsPerAction).toFixed(2)}x per action`,
    );
  for (const [i, callers] of CALLERS.entries())
    console.log(
      `ratio three/one at ${String(callers).padStart(3)} callers: ` +
        `${(three[i]!.perSec / one[i]!.perSec).toFixed(2)}x throughput, ` +
        `p99 ${(three[i]!.p99 / one[i]!.p99).toFixed(2)}x`,
    );
} finally {
  for (const a of agents) a.kill('SIGKILL');
  deployment.kill('SIGTERM');
  await new Promise((r) => deployment.once('exit', r));
  const db = new pg.Client({ connectionString: TEST_PG_URL });
  await db.connect();
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.end();
  rmSync(dir, { recursive: true, force: true });
}
