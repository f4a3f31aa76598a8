/**
 * Closed-loop HTTP load generator for the debugger throughput benchmark, run as its own process:
 * `node bench/dist/debug-load.js URL CONNECTIONS WARMUP_MS MEASURE_MS` prints one JSON line.
 */
import { Agent, get } from 'node:http';

const [
  url = 'http://127.0.0.1:3000/checkout?customer=1',
  conns = '8',
  warmupMs = '1000',
  measureMs = '4000',
] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: Number(conns) });
const latencies: number[] = [];
let errors = 0;
let measuring = false;
let stopped = false;

function once(): Promise<void> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        if (measuring) {
          if (res.statusCode === 200) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          else errors++;
        }
        resolve();
      });
    });
    req.on('error', () => {
      if (measuring) errors++;
      resolve();
    });
  });
}

async function loop(): Promise<void> {
  while (!stopped) await once();
}

const loops = Array.from({ length: Number(conns) }, () => loop());
await new Promise((r) => setTimeout(r, Number(warmupMs)));
measuring = true;
const start = process.hrtime.bigint();
await new Promise((r) => setTimeout(r, Number(measureMs)));
measuring = false;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
stopped = true;
await Promise.all(loops);
agent.destroy();
latencies.sort((a, b) => a - b);
const q = (p: number): number =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * (latencies.length - 1)))] ?? NaN;
process.stdout.write(
  `${JSON.stringify({ requests: latencies.length, errors, rps: latencies.length / seconds, p50: q(0.5), p99: q(0.99) })}\n`,
);
