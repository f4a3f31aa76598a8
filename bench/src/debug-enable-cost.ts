/**
 * What `Debugger.enable` costs the application's main thread, call by call, and what drives it: the
 * number of loaded scripts or the size of the heap. A worker's inspector session drives the idle main
 * thread (as the agent's debugger does); each cost is the main thread's CPU time during the round trip
 * (`/proc/self/task/<pid>/schedstat`). Per configuration:
 *
 *   first         the first enable of this session (the process's first for the baseline row)
 *   again         enable after a disable, p50 / p99 of the rounds
 *   already on    enable while this session has the domain on (a no-op for V8)
 *   2nd session   enable in a second session while the first holds the domain on
 *   disable       the first session's disable
 *   predicted     what the agent's installer predicts for `again` before any calibration
 *
 * Configurations, grown in this order in one process: the bare process, then `scripts` more small
 * scripts (ten functions each, all called once; heap nearly unchanged), then as many again padded to
 * 10 KB of source each, then the heap grown to each of `heaps` MB with small objects holding closures
 * (script count unchanged).
 *
 * Run: npx tsc -b bench && node bench/dist/debug-enable-cost.js [rounds=20] [scripts=5000] [heapsMB=100,300]
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { runInThisContext } from 'node:vm';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fmt, median, quantile } from './debug-common.js';
import { InstallCostModel } from '../../packages/agent/dist/debugger/install-cost.js';

interface Costs {
  first: number;
  again: number[];
  alreadyOn: number[];
  second: number[];
  disable: number[];
  scripts: number;
  sourceMb: number;
}

function connect(): { post: (m: string) => Promise<void>; session: Session } {
  const session = new Session();
  session.connectToMainThread();
  const post = (method: string): Promise<void> =>
    new Promise((resolve, reject) => session.post(method, (err) => (err ? reject(err) : resolve())));
  return { post, session };
}

async function driveMainThread(rounds: number): Promise<Costs> {
  const statPath = `/proc/self/task/${process.pid}/schedstat`;
  const cpuMs = (): number => Number(readFileSync(statPath, 'utf8').split(' ')[0]) / 1e6;
  const timed = async (fn: () => Promise<void>): Promise<number> => {
    const c0 = cpuMs();
    await fn();
    return cpuMs() - c0;
  };
  const a = connect();
  const b = connect();
  let scripts = 0;
  let sourceBytes = 0;
  a.session.on('Debugger.scriptParsed', (m) => {
    scripts++;
    sourceBytes += m.params.length ?? 0;
  });
  const costs: Costs = {
    first: 0,
    again: [],
    alreadyOn: [],
    second: [],
    disable: [],
    scripts: 0,
    sourceMb: 0,
  };
  costs.first = await timed(() => a.post('Debugger.enable'));
  costs.scripts = scripts;
  costs.sourceMb = sourceBytes / 2 ** 20;
  costs.disable.push(await timed(() => a.post('Debugger.disable')));
  for (let i = 0; i < rounds; i++) {
    costs.again.push(await timed(() => a.post('Debugger.enable')));
    costs.alreadyOn.push(await timed(() => a.post('Debugger.enable')));
    costs.second.push(await timed(() => b.post('Debugger.enable')));
    await b.post('Debugger.disable');
    costs.disable.push(await timed(() => a.post('Debugger.disable')));
  }
  // Not disconnected: on Node 20 disconnecting both sessions and then ending the worker aborted the process.
  return costs;
}

let loaded = 0;
/** Loads `n` scripts of ten functions each, every function called once (so it has bytecode), padded to `kb` KB. */
function loadScripts(n: number, kb: number): void {
  const pad = kb > 0 ? `/*${'x'.repeat(kb * 1024)}*/` : '';
  for (let k = 0; k < n; k++, loaded++) {
    const fns = Array.from({ length: 10 }, (_, j) => `function f${j}(x) { return x * ${j} + ${loaded}; }`);
    const body = `${pad}globalThis.__gbxS${loaded} = [${fns.join(', ')}]; for (const f of globalThis.__gbxS${loaded}) f(1);`;
    runInThisContext(body, { filename: `/gbx-bench/s${loaded}.js` });
  }
}

const retained: unknown[] = [];
function growHeapTo(mb: number): void {
  while (process.memoryUsage().heapUsed / 2 ** 20 < mb) {
    retained.push(Array.from({ length: 10_000 }, (_, i) => ({ i, s: `v${i}`, f: () => i })));
  }
}

async function measure(label: string, rounds: number): Promise<void> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { rounds }, execArgv: [] });
  const c = await new Promise<Costs>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const pq = (v: number[]): string => `${fmt(median(v), 2)} / ${fmt(quantile(v, 0.99), 2)}`;
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  // What the installer predicts before a later enable (default rates, not calibrated).
  const predicted = new InstallCostModel().predict('enable', { heapMb, scripts: c.scripts });
  console.log(
    `${label}: ${c.scripts} scripts (${fmt(c.sourceMb, 1)} MB of source), heap ${fmt(heapMb, 0)} MB · first ${fmt(c.first, 2)} · ` +
      `again ${pq(c.again)} (predicted ${fmt(predicted, 1)}) · already on ${pq(c.alreadyOn)} · 2nd session ${pq(c.second)} · disable ${pq(c.disable)}`,
  );
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 20);
  const scripts = Number(process.argv[3] ?? 5000);
  const heaps = (process.argv[4] ?? '100,300').split(',').map(Number);
  console.log(
    `Debugger.enable, main-thread CPU ms (single, or p50 / p99 of ${rounds}), Node ${process.version}`,
  );
  await measure('bare process', rounds);
  loadScripts(scripts, 0);
  await measure(`+${scripts} small scripts`, rounds);
  loadScripts(scripts, 10);
  await measure(`+${scripts} scripts of 10 KB`, rounds);
  for (const mb of heaps) {
    growHeapTo(mb);
    await measure(`heap ${mb} MB`, rounds);
  }
}

if (isMainThread) await main();
else {
  // Inspector replies do not keep a worker's event loop alive.
  const alive = setInterval(() => undefined, 1000);
  parentPort?.postMessage(await driveMainThread((workerData as { rounds: number }).rounds));
  clearInterval(alive);
}
