/**
 * What the real in-process agent costs while idle: examples/demo-app under a fixed closed-loop load
 * from a second process, without an agent and with `--import @glovebox/agent/register` connected to
 * a real gateway (facts and the live debugger loaded, no probe). Configurations alternate in every
 * round (fresh process each time, order flipped per round). Besides requests/s, which this shared
 * machine makes noisy, it reports the application's own CPU time per request (from /proc), which
 * is what an idle agent would add to.
 *
 * Run: npx tsc -b examples/demo-app bench && node bench/dist/debug-agent-overhead.js [rounds] [connections] [measureMs]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startBenchGateway } from './bench-gateway.js';

const rounds = Number(process.argv[2] ?? 6);
const connections = process.argv[3] ?? '8';
const measureMs = process.argv[4] ?? '4000';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const gw = await startBenchGateway();
const url = gw.url;
const reg = await gw.addAgent('shop');

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function startApp(withAgent: boolean): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      ...(withAgent ? ['--import', '@glovebox/agent/register'] : []),
      join(ROOT, 'examples/demo-app/dist/server.js'),
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        ...(withAgent
          ? {
              GLOVEBOX_URL: url,
              GLOVEBOX_AGENT_TOKEN: reg.credential,
              GLOVEBOX_GATEWAY_KEYS: reg.gatewayKeys.join(','),
            }
          : {}),
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error('demo app exited')));
  });
  if (withAgent) {
    for (let i = 0; i < 100; i++) {
      const { agents } = (await gw.call('GET', '/agents', gw.admin)) as { agents: { connected: boolean }[] };
      if (agents[0]?.connected) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { child, port };
}

async function measure(withAgent: boolean): Promise<{ rps: number; cpuUsPerRequest: number }> {
  const { child, port } = await startApp(withAgent);
  const cpuBefore = cpuMs(child.pid!);
  const load = spawn(
    process.execPath,
    [
      join(ROOT, 'bench/dist/debug-load.js'),
      `http://127.0.0.1:${port}/checkout?customer=1`,
      connections,
      '1000',
      measureMs,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  load.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => load.on('exit', r));
  const cpuAfter = cpuMs(child.pid!);
  const result = JSON.parse(out) as { rps: number; requests: number };
  child.kill('SIGKILL');
  const totalRequests = result.rps * ((Number(measureMs) + 1000) / 1000);
  return { rps: result.rps, cpuUsPerRequest: ((cpuAfter - cpuBefore) * 1000) / totalRequests };
}

const rpsRatios: number[] = [];
const cpuRatios: number[] = [];
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? [false, true] : [true, false];
  const got: Record<string, { rps: number; cpuUsPerRequest: number }> = {};
  for (const withAgent of order) got[withAgent ? 'agent' : 'none'] = await measure(withAgent);
  rpsRatios.push(got.agent!.rps / got.none!.rps);
  cpuRatios.push(got.agent!.cpuUsPerRequest / got.none!.cpuUsPerRequest);
  process.stderr.write(
    `round ${r + 1}: none ${got.none!.rps.toFixed(0)} req/s ${got.none!.cpuUsPerRequest.toFixed(1)} µs CPU/req | agent idle ${got.agent!.rps.toFixed(0)} req/s ${got.agent!.cpuUsPerRequest.toFixed(1)} µs CPU/req\n`,
  );
}
console.log(
  `agent idle vs no agent, ${rounds} paired rounds, ${connections} connections, ${measureMs} ms each (medians of per-round ratios)`,
);
console.log(
  `  throughput ratio        ${median(rpsRatios).toFixed(3)}   (per round: ${rpsRatios.map((x) => x.toFixed(2)).join(' ')})`,
);
console.log(
  `  app CPU per request     ${median(cpuRatios).toFixed(3)}   (per round: ${cpuRatios.map((x) => x.toFixed(2)).join(' ')})`,
);
await gw.close();
