// How long N agents take to connect to one gateway process, and the gateway's memory before and
// after (RSS from /proc), on SQLite or PostgreSQL. The agents are AgentRuntime instances in this
// process (each its own WebSocket and credential), started at once.
// Run: npm run build && node bench/dist/agents-connect.js [agents=1000] [sqlite|postgres]
import { readFileSync } from 'node:fs';
import { AgentRuntime, createFactsModule, processFactsCollector } from '@glovebox/agent';
import { startBenchGatewayProcess, type Registration } from './bench-gateway.js';

const count = Number(process.argv[2] ?? 1000);
const storeKind = process.argv[3] ?? 'sqlite';
const gateway = await startBenchGatewayProcess({ store: storeKind });
const url = gateway.url;
const rssMb = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gateway.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const runtimes: AgentRuntime[] = [];
try {
  const registrations: Registration[] = [];
  for (let i = 0; i < count; i++) registrations.push(await gateway.addAgent(`a${i}`));
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
  const listed = (await gateway.call('GET', '/agents', gateway.admin)).agents as { connected: boolean }[];
  const after = rssMb();
  console.log(
    `${count} agents on ${storeKind}: all connected in ${seconds.toFixed(1)} s ` +
      `(${(count / seconds).toFixed(0)}/s), ${listed.filter((a) => a.connected).length} listed connected; ` +
      `gateway RSS ${before.toFixed(0)} -> ${after.toFixed(0)} MB ` +
      `(${(((after - before) * 1024) / count).toFixed(0)} kB per agent)`,
  );
} finally {
  await Promise.allSettled(runtimes.map((r) => r.stop()));
  await gateway.close();
}
