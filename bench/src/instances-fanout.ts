// Fan-out latency: one action (`eval` of a constant by default, or `facts`, whose own collection
// takes a measuring window) reaching 1, 3 and 10 instances of one service (real
// processes with the in-process agent, one credential), through HTTP, policy, the audit trail and
// each instance's signed call, merged and labelled. Rounds interleave the fan-outs (rotated order)
// so load from other jobs hits them alike; reported: median of per-round medians and p99s, and the
// ratio to reaching one instance in the same run.
// The store is SQLite, PostgreSQL (127.0.0.1:5432, database test, a schema of its own) or both, one
// after the other in the same run (the default).
// Run: npx tsc -b bench && node bench/dist/instances-fanout.js [rounds] [calls-per-round] [eval|facts] [sqlite,postgres]
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, startBenchGateway } from './bench-gateway.js';

const rounds = Number(process.argv[2] ?? 5);
const perRound = Number(process.argv[3] ?? 30);
const action = process.argv[4] ?? 'eval';
const storeNames = (process.argv[5] ?? 'sqlite,postgres').split(',');
const PARAMS: Record<string, unknown> = action === 'eval' ? { expression: '1 + 1', timeoutMs: 1000 } : {};
const FANOUTS = [1, 3, 10];
const SERVICE = join(ROOT, 'tests/e2e/fixtures/service.mjs');

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function bench(storeName: string): Promise<void> {
  const gw = await startBenchGateway({ store: storeName });
  const { url, call } = gw;
  const token = await gw.addUser('alice', ['engineers']);
  const reg = await gw.addAgent('fleet');
  const children: ChildProcess[] = [];
  for (let i = 0; i < Math.max(...FANOUTS); i++)
    children.push(
      spawn(process.execPath, ['--import', '@glovebox/agent/register', SERVICE], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          GLOVEBOX_URL: url,
          GLOVEBOX_AGENT_TOKEN: reg.credential,
          GLOVEBOX_GATEWAY_KEYS: reg.gatewayKeys.join(','),
          PORT: '0',
        },
        stdio: 'ignore',
      }),
    );
  const instances = async () =>
    ((await call('GET', '/targets', token)).targets as { instances: unknown[] }[])[0]?.instances.length ?? 0;
  const deadline = Date.now() + 120_000;
  while ((await instances()) < children.length) {
    if (Date.now() > deadline)
      throw new Error(`only ${await instances()} of ${children.length} instances connected`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const session = await call('POST', '/requests', token, {
    target: 'fleet',
    actions: [action],
    reason: 'bench',
  });
  const path = `/sessions/${session.id as string}/actions/${action}`;
  const reach = async (n: number) => {
    const t0 = performance.now();
    const out = await call('POST', path, token, { params: PARAMS, instances: { sample: n } });
    const reached = (out.instances as string[]).length;
    if (reached !== n) throw new Error(`reached ${reached} instances, wanted ${n}`);
    return performance.now() - t0;
  };
  for (const n of FANOUTS) for (let i = 0; i < 5; i++) await reach(n); // warm-up

  const medians = new Map<number, number[]>(FANOUTS.map((n) => [n, []]));
  const p99s = new Map<number, number[]>(FANOUTS.map((n) => [n, []]));
  /** The gateway's own CPU time per call (this process: gateway and HTTP client), µs. */
  const cpu = new Map<number, number[]>(FANOUTS.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = FANOUTS.map((_, i) => FANOUTS[(i + r) % FANOUTS.length]!);
    for (const n of order) {
      const samples: number[] = [];
      const before = process.cpuUsage();
      for (let i = 0; i < perRound; i++) samples.push(await reach(n));
      const used = process.cpuUsage(before);
      cpu.get(n)!.push((used.user + used.system) / perRound);
      medians.get(n)!.push(quantile(samples, 0.5));
      p99s.get(n)!.push(quantile(samples, 0.99));
    }
  }
  console.log(
    `${action}; store: ${storeName}; ${children.length} instances connected; ${rounds} rounds × ${perRound} sequential calls per fan-out`,
  );
  const base = quantile(medians.get(1)!, 0.5);
  for (const n of FANOUTS) {
    const p50 = quantile(medians.get(n)!, 0.5);
    const p99 = quantile(p99s.get(n)!, 0.5);
    console.log(
      `fan-out ${String(n).padStart(2)}: p50 ${p50.toFixed(2)} ms   p99 ${p99.toFixed(2)} ms   ×${(p50 / base).toFixed(2)} of one instance   gateway CPU ${(quantile(cpu.get(n)!, 0.5) / 1000).toFixed(2)} ms/call`,
    );
  }
  for (const c of children) c.kill('SIGKILL');
  await gw.close();
}

for (const name of storeNames) await bench(name);
