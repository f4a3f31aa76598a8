// End-to-end authorized `facts` actions per second on one gateway with one agent, against the
// same facts collection called directly in the same run (the baseline).
// Run: npx tsc -b bench && node bench/dist/spine-facts.js [seconds] [sqlite|postgres] [concurrency]
import { AgentRuntime, createFactsModule, processFactsCollector } from '@glovebox/agent';
import { startBenchGateway } from './bench-gateway.js';

const seconds = Number(process.argv[2] ?? 5);
const storeName = process.argv[3] ?? 'sqlite';
const concurrency = Number(process.argv[4] ?? 8);

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

const gw = await startBenchGateway({ store: storeName });
const { url, call } = gw;
const token = await gw.addUser('alice', ['engineers']);
const reg = await gw.addAgent('bench');
const facts = processFactsCollector();
const runtime = new AgentRuntime({
  url,
  token: reg.credential,
  gatewayKeys: reg.gatewayKeys,
  modules: [createFactsModule(facts)],
  log: () => undefined,
});
await runtime.start();
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
