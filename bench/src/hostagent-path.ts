// Commands and SQL through the whole path (HTTP → policy → audit → signed envelope → standalone
// agent → PostgreSQL / process → redaction ×2 → audit → client), against the same work done
// directly in the same run: a small query sent with `pg`, and the same command's output through a
// raw pipe.
// Run: npx tsc -b bench && node bench/dist/hostagent-path.js [queries] [MiB]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { TEST_PG_URL } from '@glovebox/gateway/testing/stores';
import { createHostAgent, parseHostAgentConfig } from '@glovebox/host-agent';
import { startBenchGateway } from './bench-gateway.js';

const QUERIES = Number(process.argv[2] ?? 300);
const MIB = Number(process.argv[3] ?? 16);

const pct = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

const gw = await startBenchGateway();
const { url, dataDir: dir, text: call } = gw;
const token = await gw.addUser('alice', ['engineers']);
const reg = await gw.addAgent('host');
const logFile = join(dir, 'app.log');
const line =
  'INFO 2026-11-29T04:00:00Z GET /orders/ord_12345 200 12ms trace=4bf92f3577b34da6a3ce929d0e0e4736 user=ann@example.org\n';
writeFileSync(logFile, line.repeat(Math.ceil((MIB * 1024 * 1024) / line.length)));
const config = parseHostAgentConfig(
  {
    gateway: { url, credential: { env: 'BENCH_AGENT_TOKEN' }, keys: reg.gatewayKeys },
    recordings: { dir: join(dir, 'recordings') },
    sandbox: 'off',
    // the path is measured, not the sandbox: reads run without it
    readsWithoutSandbox: 'allow',
    targets: [
      {
        type: 'exec',
        name: 'sh',
        commands: [
          {
            name: 'cat',
            path: '/bin/cat',
            class: 'read',
            args: [{ fixed: logFile }],
            maxOutputBytes: '256MiB',
            timeout: '5m',
          },
        ],
      },
      { type: 'postgres', name: 'db', connection: { env: 'BENCH_DB_URL' } },
    ],
  },
  dir,
);
const agent = createHostAgent(config, {
  env: { ...process.env, BENCH_AGENT_TOKEN: reg.credential, BENCH_DB_URL: TEST_PG_URL },
  log: () => undefined,
});
await agent.runtime.start();
const session = JSON.parse(
  await call('POST', '/requests', token, {
    target: 'host',
    actions: ['exec', 'query'],
    reason: 'benchmark',
  }),
) as { id: string };
const sql = `SELECT 1 AS one, 'bench-${randomBytes(2).toString('hex')}' AS tag`;

// ---- small query latency ----------------------------------------------------------------
const direct = new pg.Client({ connectionString: TEST_PG_URL });
await direct.connect();
const directMs: number[] = [];
const pathMs: number[] = [];
for (let i = 0; i < 20; i++) {
  await direct.query(sql);
  await call('POST', `/sessions/${session.id}/actions/query`, token, { params: { sql } });
}
for (let i = 0; i < QUERIES; i++) {
  let t0 = performance.now();
  await direct.query(sql);
  directMs.push(performance.now() - t0);
  t0 = performance.now();
  await call('POST', `/sessions/${session.id}/actions/query`, token, { params: { sql } });
  pathMs.push(performance.now() - t0);
}
await direct.end();
console.log(`small query, ${QUERIES} interleaved runs (ms)`);
console.log(
  `  direct pg                 p50 ${pct(directMs, 0.5).toFixed(2)}  p99 ${pct(directMs, 0.99).toFixed(2)}`,
);
console.log(
  `  HTTP→gateway→agent→pg     p50 ${pct(pathMs, 0.5).toFixed(2)}  p99 ${pct(pathMs, 0.99).toFixed(2)}`,
);
console.log(
  `  ratio (path/direct)       p50 ${(pct(pathMs, 0.5) / pct(directMs, 0.5)).toFixed(1)}×  p99 ${(pct(pathMs, 0.99) / pct(directMs, 0.99)).toFixed(1)}×`,
);

// ---- command output throughput ----------------------------------------------------------------
const rawStart = performance.now();
await new Promise<void>((resolve, reject) => {
  const child = spawn('/bin/cat', [logFile], { stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout.on('data', () => undefined);
  child.on('close', () => resolve());
  child.on('error', reject);
});
const rawSec = (performance.now() - rawStart) / 1000;
const pathStart = performance.now();
const body = await call(
  'POST',
  `/sessions/${session.id}/actions/exec`,
  token,
  { params: { argv: ['cat', logFile] } },
  'application/x-ndjson',
);
const pathSec = (performance.now() - pathStart) / 1000;
const result = body.trim().split('\n').at(-1)!;
if (!result.includes('"type":"result"')) throw new Error(`exec did not finish: ${result.slice(0, 200)}`);
console.log(`command output, ${MIB} MiB of log text`);
console.log(`  raw pipe                                ${(MIB / rawSec).toFixed(1)} MiB/s`);
console.log(`  exec through the path (redacted ×2, recorded, audited)  ${(MIB / pathSec).toFixed(1)} MiB/s`);
console.log(`  ratio path/raw                          ${(rawSec / pathSec).toFixed(4)}`);
await agent.runtime.stop();
await gw.close();
