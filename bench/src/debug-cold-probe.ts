/**
 * What a probe on a line that never runs costs the application, by technique, through the agent's
 * debugger module (in a worker, as in the agent): the workloads of `debug-workloads.ts` on the main
 * thread with no probe (A) and with one cold probe (B), alternating ABBA in one process. The probe is
 * a snapshot waiting on a line of `debug-live-cold.ts`: in a synchronous function it is placed by
 * LiveEdit (a hook whose gate is closed), in an async function by a breakpoint, which keeps the V8
 * Debugger domain enabled while it exists. Each B slice installs the probe, waits until it is active,
 * runs the workload, then cancels the snapshot.
 *
 * Run: npx tsc -b bench && node bench/dist/debug-cold-probe.js [rounds=10] [workloads=cpu,async] [markers=cold,cold-async]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ModuleClient } from './debug-common.js';
import { neverCalled, neverCalledAsync } from './debug-live-cold.js';
import { abba, compareLine, consume, workload } from './debug-workloads.js';

const coldPath = fileURLToPath(new URL('./debug-live-cold.js', import.meta.url));
const at = (marker: string): string =>
  `${coldPath}:${
    readFileSync(coldPath, 'utf8')
      .split('\n')
      .findIndex((l) => l.endsWith(`PROBE: ${marker}`)) + 1
  }`;

interface Status {
  activeProbes: number;
  debuggerEnabled: boolean;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 10);
  const names = (process.argv[3] ?? 'cpu,async').split(',');
  const markers = (process.argv[4] ?? 'cold,cold-async').split(',');
  // Referenced so that the module (and its never-run lines) stays loaded.
  if (typeof neverCalled !== 'function' || typeof neverCalledAsync !== 'function') throw new Error('cold');
  const client = new ModuleClient({});
  await client.call('eval', { expression: '1 + 1', timeoutMs: 1000 }).done;
  console.log(
    `a cold probe vs none, main-thread CPU per unit (µs), ${rounds} rounds ABBA, Node ${process.version}`,
  );
  for (const marker of markers) {
    const techniques = new Set<string>();
    for (const name of names) {
      const w = workload(name);
      let pending: { id: number; done: Promise<{ result: { technique: string } }> } | undefined;
      const { a, b } = await abba(rounds, w, async (state) => {
        if (pending !== undefined) {
          await client.send({ type: 'abort', callId: pending.id }).done;
          techniques.add((await pending.done).result.technique);
          pending = undefined;
        }
        if (state === 'a') return;
        pending = client.call('snapshot', { location: at(marker), waitMs: 600_000 });
        while ((await client.send<Status>({ type: 'status' }).done).activeProbes === 0)
          await new Promise((r) => setTimeout(r, 2));
      });
      if (pending !== undefined) {
        await client.send({ type: 'abort', callId: pending.id }).done;
        techniques.add((await pending.done).result.technique);
      }
      const label = `${marker} (${[...techniques].join(', ')})`;
      console.log(`${label}: ${compareLine(name, w.units, a, b, ['none', 'probe'])}`);
    }
  }
  await client.close();
  if (consume() === 0.5) console.log('');
}

await main();
