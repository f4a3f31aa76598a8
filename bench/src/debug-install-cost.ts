/**
 * What each inspector primitive a probe install or removal can use costs the application's main
 * thread, in **thread CPU time** (the main thread's on-CPU time from `/proc/self/task/<pid>/schedstat`,
 * so time spent descheduled on a loaded machine is not counted), at growing heap sizes in one process.
 * The main thread is idle (waiting on a timer) while the worker's inspector session drives it, so its
 * CPU time during an operation is the operation's cost. Operations, per round:
 *
 *   evaluate         Runtime.evaluate of `1` (the floor: one round trip served by the main thread)
 *   heapUsage        Runtime.getHeapUsage (how the installer can size the heap before deciding)
 *   enable           Debugger.enable (one scriptParsed per loaded script)
 *   setBreakpoint    in a synchronous function, domain enabled
 *   removeBreakpoint
 *   liveEdit insert  Debugger.setScriptSource with a hook added (the first edit of a probe)
 *   liveEdit restore Debugger.setScriptSource back to the original
 *   dryRun           Debugger.setScriptSource with dryRun: true
 *   disable          Debugger.disable
 *
 * Run: npx tsc -b bench && node bench/dist/debug-install-cost.js [rounds=20] [heapsMB=0,100,300]
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { runInThisContext } from 'node:vm';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fmt, median, quantile } from './debug-common.js';

const TARGET_URL = 'gbx-bench-install-target.js';
const TARGET = [
  'globalThis.__gbxTarget = function target(i) {',
  '  const doubled = i * 2;',
  '  return doubled + 1;',
  '};',
  '',
].join('\n');

type Costs = Record<string, number[]>;

async function driveMainThread(rounds: number): Promise<Costs> {
  const statPath = `/proc/self/task/${process.pid}/schedstat`;
  const cpuMs = (): number => Number(readFileSync(statPath, 'utf8').split(' ')[0]) / 1e6;
  const session = new Session();
  session.connectToMainThread();
  const post = (method: string, params: object = {}): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, r) => (err ? reject(err) : resolve(r as Record<string, unknown>))),
    );
  let scriptId: string | undefined;
  session.on('Debugger.scriptParsed', (m) => {
    if (m.params.url === TARGET_URL) scriptId = m.params.scriptId;
  });
  const costs: Costs = {};
  const timed = async (
    name: string,
    method: string,
    params: object = {},
  ): Promise<Record<string, unknown>> => {
    const c0 = cpuMs();
    const r = await post(method, params);
    (costs[name] ??= []).push(cpuMs() - c0);
    return r;
  };
  const edited = TARGET.replace('  const doubled', '  {0;}const doubled');
  for (let i = 0; i < rounds; i++) {
    await timed('evaluate', 'Runtime.evaluate', { expression: '1' });
    await timed('heapUsage', 'Runtime.getHeapUsage');
    await timed('enable', 'Debugger.enable');
    if (scriptId === undefined) throw new Error('target script not seen');
    const bp = await timed('setBreakpoint', 'Debugger.setBreakpoint', {
      location: { scriptId, lineNumber: 1, columnNumber: 2 },
      condition: 'false',
    });
    await timed('removeBreakpoint', 'Debugger.removeBreakpoint', { breakpointId: bp['breakpointId'] });
    await timed('dryRun', 'Debugger.setScriptSource', { scriptId, scriptSource: edited, dryRun: true });
    await timed('liveEdit insert', 'Debugger.setScriptSource', { scriptId, scriptSource: edited });
    await timed('liveEdit restore', 'Debugger.setScriptSource', { scriptId, scriptSource: TARGET });
    await timed('disable', 'Debugger.disable');
  }
  session.disconnect();
  return costs;
}

/** Retains objects and closures until the heap holds about `mb` MB. */
const retained: unknown[] = [];
function growHeapTo(mb: number): number {
  while (process.memoryUsage().heapUsed / 2 ** 20 < mb) {
    const chunk = Array.from({ length: 10_000 }, (_, i) => ({ i, s: `v${i}`, f: () => i }));
    retained.push(chunk);
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 20);
  const heaps = (process.argv[3] ?? '0,100,300').split(',').map(Number);
  runInThisContext(TARGET, { filename: TARGET_URL });
  const target = (globalThis as unknown as { __gbxTarget: (i: number) => number }).__gbxTarget;
  for (let i = 0; i < 10_000; i++) target(i);
  console.log(
    `thread CPU of the main thread per operation, ms (p50 / p99 of ${rounds}), Node ${process.version}`,
  );
  for (const mb of heaps) {
    const heapMb = growHeapTo(mb);
    const worker = new Worker(new URL(import.meta.url), { workerData: { rounds }, execArgv: [] });
    const costs = await new Promise<Costs>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited (${code})`)));
    });
    await worker.terminate();
    const row = Object.entries(costs)
      .map(([k, v]) => `${k} ${fmt(median(v), 2)} / ${fmt(quantile(v, 0.99), 2)}`)
      .join(' · ');
    console.log(`heap ${fmt(heapMb, 0)} MB: ${row}`);
  }
}

if (isMainThread) await main();
else {
  // Inspector replies do not keep a worker's event loop alive.
  const alive = setInterval(() => undefined, 1000);
  parentPort?.postMessage(await driveMainThread((workerData as { rounds: number }).rounds));
  clearInterval(alive);
}
