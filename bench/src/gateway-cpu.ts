// Gateway CPU per authorized `facts` action: the gateway runs alone in a child process and reports
// its own process.cpuUsage(); callers and a stub agent (facts collected once, then served from
// memory) run in this process, so their CPU is not counted. Each store and caller count is
// measured for every gateway build named on the command line, alternating rounds in one run, so
// before/after figures share the machine's conditions.
// Run: npm run build && node bench/dist/gateway-cpu.js [seconds] [rounds] [stores] [callers] [gateway dist ...]
//   e.g. node bench/dist/gateway-cpu.js 4 3 sqlite,postgres 1,32 /tmp/base/apps/gateway/dist/index.js
//   (with no gateway named, this tree's build is measured). Profile the gateway child:
//   BENCH_PROFILE_DIR=/tmp/prof node bench/dist/gateway-cpu.js … (the measured seconds only).
//   BENCH_GATEWAY_CPU=0: the gateway alone on CPU 0, everything of the bench on the others.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { AgentRuntime, createFactsModule, processFactsCollector } from '@glovebox/agent';
import type * as Gateway from '@glovebox/gateway';
import type * as Stores from '@glovebox/gateway/testing/stores';

const ADMIN = 'gbx_t_bench-admin-token-0000000000000000';
const POLICIES = fileURLToPath(new URL('../../examples/policies', import.meta.url));
const THIS_TREE = fileURLToPath(new URL('../../apps/gateway/dist/index.js', import.meta.url));

interface Ready {
  url: string;
}
interface Cpu {
  cpuMs: number;
  /** Of which in the kernel (system calls: sockets, the store's writes and fsyncs). */
  systemMs: number;
}

/** The child: a gateway from `gatewayPath` on a fresh store, answering `cpu` with its CPU time. */
async function serve(gatewayPath: string, storeName: string): Promise<void> {
  const { buildServer } = (await import(gatewayPath)) as typeof Gateway;
  const { TEST_STORES } = (await import(
    gatewayPath.replace(/index\.js$/, 'store/test-stores.js')
  )) as typeof Stores;
  const dir = mkdtempSync(join(tmpdir(), 'gbx-bench-cpu-'));
  const opened = await TEST_STORES.find((s) => s.name === storeName)!.open();
  const gw = buildServer({
    dataDir: dir,
    store: opened.url,
    policiesDir: POLICIES,
    bootstrapToken: ADMIN,
    port: 0,
    watchPolicies: false,
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
  });
  const url = await gw.listen();
  // BENCH_PROFILE_DIR: a CPU profile of the measured part only (between the two `cpu` messages).
  const profileDir = process.env.BENCH_PROFILE_DIR;
  let profiler: Session | undefined;
  process.on('message', (m: string) => {
    if (m === 'idle') {
      const u = process.cpuUsage();
      process.send!({ cpuMs: (u.user + u.system) / 1000, systemMs: u.system / 1000 } satisfies Cpu);
    } else if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ cpuMs: (u.user + u.system) / 1000, systemMs: u.system / 1000 } satisfies Cpu);
      if (profileDir) void toggleProfile();
    } else if (m === 'stop') {
      void (async () => {
        await gw.close();
        await opened.dispose();
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      })();
    }
  });
  process.send!({ url } satisfies Ready);

  async function toggleProfile(): Promise<void> {
    if (!profiler) {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
      return;
    }
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(
      join(profileDir!, `gateway-${storeName}-${process.pid}.cpuprofile`),
      JSON.stringify(profile),
    );
  }
}

function ask<T>(child: ChildProcess, message?: string): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', () => reject(new Error('gateway exited')));
    if (message) child.send(message);
  });
}

async function call(url: string, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/**
 * BENCH_GATEWAY_CPU=N: the gateway child (every thread) runs on CPU N alone and this process
 * (callers and agent) on the others, so "CPU per action on one core" is not shared with them.
 * PostgreSQL's processes are the operator's to place (e.g. `taskset -a -p -c 1 <postmaster pid>`
 * before the run: new backends inherit it).
 */
const GATEWAY_CPU = process.env.BENCH_GATEWAY_CPU;

function pin(pid: number, cpus: string): void {
  const run = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`taskset: ${run.stderr.trim() || `exit ${run.status}`}`);
}

if (GATEWAY_CPU !== undefined && process.argv[2] !== 'serve') {
  const others = Array.from({ length: availableParallelism() }, (_, i) => i).filter(
    (i) => String(i) !== GATEWAY_CPU,
  );
  if (others.length === 0) throw new Error('BENCH_GATEWAY_CPU needs a machine with two CPUs or more');
  pin(process.pid, others.join(','));
}

interface Point {
  perSec: number;
  p50: number;
  cpuMsPerAction: number;
  systemMsPerAction: number;
  /** The same less the idle gateway's CPU over the same time. */
  netCpuMsPerAction: number;
  idleMsPerSec: number;
}

/** One gateway: set up, warm up, then `seconds` of `callers` concurrent callers. */
async function point(gateway: string, store: string, callers: number, seconds: number): Promise<Point> {
  const child = fork(fileURLToPath(import.meta.url), ['serve', gateway, store], {
    execArgv: (process.env.BENCH_GATEWAY_NODE_OPTIONS ?? '').split(' ').filter(Boolean),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { url } = await ask<Ready>(child);
  if (GATEWAY_CPU !== undefined) pin(child.pid!, GATEWAY_CPU);
  await call(url, 'POST', '/users', ADMIN, {
    name: 'alice',
    groups: ['engineers'],
    password: 'alice-password-123',
  });
  const reg = await call(url, 'POST', '/agents', ADMIN, { name: 'bench', env: 'staging' });
  const facts = await processFactsCollector()();
  const runtime = new AgentRuntime({
    url,
    token: reg.credential as string,
    gatewayKeys: reg.gatewayKeys as string[],
    modules: [createFactsModule(async () => facts)],
    maxConcurrentCalls: 256,
    log: () => undefined,
  });
  await runtime.start();
  const login = await call(url, 'POST', '/auth/login', '', { user: 'alice', password: 'alice-password-123' });
  const token = login.token as string;
  const session = await call(url, 'POST', '/requests', token, {
    target: 'bench',
    actions: ['facts'],
    reason: 'bench',
  });
  const path = `${url}/api/v1/sessions/${session.id as string}/actions/facts`;
  const run = async (ms: number) => {
    const latencies: number[] = [];
    const until = performance.now() + ms;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (performance.now() < until) {
          const t0 = performance.now();
          const res = await fetch(path, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: '{"params":{}}',
          });
          const body = await res.text();
          if (!res.ok) throw new Error(`facts: ${res.status} ${body}`);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    return latencies;
  };
  await run(1000); // warm-up: JIT, connections
  // What the gateway spends idle (timers, heartbeats, leases) over the same time, agent connected.
  const idle0 = (await ask<Cpu>(child, 'idle')).cpuMs;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const idleMsPerSec = ((await ask<Cpu>(child, 'idle')).cpuMs - idle0) / seconds;
  const before = await ask<Cpu>(child, 'cpu');
  const cpu0 = before.cpuMs;
  const t0 = performance.now();
  const latencies = await run(seconds * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  const after = await ask<Cpu>(child, 'cpu');
  const cpu = after.cpuMs - cpu0;
  await runtime.stop();
  const exited = new Promise((r) => child.once('exit', r));
  child.send('stop');
  await exited;
  latencies.sort((a, b) => a - b);
  return {
    perSec: latencies.length / elapsed,
    p50: latencies[Math.floor(latencies.length / 2)]!,
    cpuMsPerAction: cpu / latencies.length,
    systemMsPerAction: (after.systemMs - before.systemMs) / latencies.length,
    netCpuMsPerAction: (cpu - idleMsPerSec * elapsed) / latencies.length,
    idleMsPerSec,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 4);
  const rounds = Number(process.argv[3] ?? 3);
  const stores = (process.argv[4] ?? 'sqlite,postgres').split(',');
  const callerCounts = (process.argv[5] ?? '1,32').split(',').map(Number);
  const gateways = [...process.argv.slice(6), THIS_TREE];
  console.log(
    `gateway CPU per authorized facts action, ${seconds} s x ${rounds} rounds, ${new Date().toISOString()}`,
  );
  for (const store of stores) {
    for (const callers of callerCounts) {
      const cpu = gateways.map((): number[] => []);
      const net = gateways.map((): number[] => []);
      const idle = gateways.map((): number[] => []);
      const sys = gateways.map((): number[] => []);
      const rate = gateways.map((): number[] => []);
      const p50 = gateways.map((): number[] => []);
      for (let r = 0; r < rounds; r++) {
        for (const [i, gateway] of gateways.entries()) {
          const p = await point(gateway, store, callers, seconds);
          cpu[i]!.push(p.cpuMsPerAction);
          sys[i]!.push(p.systemMsPerAction);
          net[i]!.push(p.netCpuMsPerAction);
          idle[i]!.push(p.idleMsPerSec);
          rate[i]!.push(p.perSec);
          p50[i]!.push(p.p50);
        }
      }
      for (const [i, gateway] of gateways.entries()) {
        const label = gateway === THIS_TREE ? 'this tree' : gateway;
        console.log(
          `${store.padEnd(8)} ${String(callers).padStart(3)} callers  ${label}: gateway CPU ` +
            `${median(cpu[i]!).toFixed(3)} ms/action (median of ${cpu[i]!.map((c) => c.toFixed(2)).join(', ')}; kernel ${median(sys[i]!).toFixed(3)})` +
            `   less idle ${median(net[i]!).toFixed(3)} ms/action (idle ${median(idle[i]!).toFixed(0)} ms/s)` +
            `   ${median(rate[i]!).toFixed(0)} /s   p50 ${median(p50[i]!).toFixed(2)} ms`,
        );
      }
      for (let i = 0; i + 1 < gateways.length; i++)
        console.log(
          `${store.padEnd(8)} ${String(callers).padStart(3)} callers  ratio this tree / ${gateways[i]}: ` +
            `${(median(cpu.at(-1)!) / median(cpu[i]!)).toFixed(3)}x CPU per action, ` +
            `${(median(net.at(-1)!) / median(net[i]!)).toFixed(3)}x less idle`,
        );
    }
  }
}

if (process.argv[2] === 'serve') await serve(process.argv[3]!, process.argv[4]!);
else await main();
