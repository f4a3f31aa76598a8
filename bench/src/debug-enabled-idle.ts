/**
 * What keeping the V8 Debugger domain enabled costs an application that has no breakpoint: the same
 * workloads (`debug-workloads.ts`) run on the main thread with the domain off and on, alternating in
 * one process (ABBA order per round), while a worker's inspector session (as the agent's debugger
 * has) switches the domain between slices. Reported per workload: main-thread CPU µs per unit off
 * and on (medians), the median of the per-round on/off ratios with its spread, GCs per slice, and the
 * scriptParsed events the session received.
 *
 * Run: npx tsc -b bench && node bench/dist/debug-enabled-idle.js [rounds=10] [workloads=cpu,async,throw,compile]
 */
import { Session } from 'node:inspector';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { abba, compareLine, consume, workload } from './debug-workloads.js';

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 10);
  const names = (process.argv[3] ?? 'cpu,async,throw,compile').split(',');
  const worker = new Worker(new URL(import.meta.url), { execArgv: [] });
  const replies: Array<(v: { scripts: number }) => void> = [];
  worker.on('message', (m: { scripts: number }) => replies.shift()?.(m));
  const setDomain = (on: boolean): Promise<{ scripts: number }> =>
    new Promise((resolve) => {
      replies.push(resolve);
      worker.postMessage(on);
    });
  console.log(
    `Debugger domain off vs on, main-thread CPU per unit (µs), ${rounds} rounds ABBA, Node ${process.version}`,
  );
  for (const name of names) {
    const w = workload(name);
    const { a, b } = await abba(rounds, w, async (state) => {
      await setDomain(state === 'b');
    });
    const scripts = (await setDomain(false)).scripts;
    console.log(`${compareLine(name, w.units, a, b, ['off', 'on'])} · scriptParsed seen ${scripts}`);
  }
  await worker.terminate();
  if (consume() === 0.5) console.log('');
}

if (isMainThread) await main();
else {
  const session = new Session();
  session.connectToMainThread();
  let scripts = 0;
  session.on('Debugger.scriptParsed', () => scripts++);
  const post = (method: string): Promise<void> =>
    new Promise((resolve, reject) => session.post(method, (err) => (err ? reject(err) : resolve())));
  parentPort?.on('message', (on: boolean) => {
    void post(on ? 'Debugger.enable' : 'Debugger.disable').then(() => parentPort?.postMessage({ scripts }));
  });
}
