/**
 * Benchmark preload (`node --import bench/dist/debug-preload.js app.js`): starts the debugger module in
 * a worker thread of the application, as the agent does, and relays the benchmark driver's IPC
 * messages to it. Stands in for `@glovebox/agent/register` until the agent runtime wires the module.
 */
import { isMainThread, Worker } from 'node:worker_threads';

// Workers inherit --import: without this guard every worker would start another one.
if (isMainThread) {
  const options = JSON.parse(process.env['GBX_BENCH_DEBUGGER_OPTIONS'] ?? '{}') as Record<string, unknown>;
  const worker = new Worker(
    new URL('../../packages/agent/dist/debugger/testing/worker-host.js', import.meta.url),
    {
      workerData: options,
      execArgv: [],
    },
  );
  worker.unref();
  process.on('message', (m) => worker.postMessage(m));
  worker.on('message', (m) => process.send?.(m));
}
