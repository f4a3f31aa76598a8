/**
 * Benchmark support: the agent's heap module in a worker thread, as the agent runs it, taking one
 * redacted snapshot of the main thread and counting the bytes it would send (they are dropped).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createHeapModule } from '@glovebox/agent';

const figures = workerData as { usedHeapBytes: number; heapSizeLimitBytes: number; rssBytes: number };
const mod = createHeapModule({
  mainThread: async () => ({ memory: figures, spaces: [] }),
  limits: { maxHeapShare: 1, memoryFactor: 0.01, timeoutMs: 3_600_000 },
  fingerprintKey: Buffer.alloc(32, 1),
});
let sent = 0;
const outcome = await mod.actions.heapsnapshot!(
  {},
  {
    sessionId: 'bench',
    callId: '1',
    target: 'bench',
    masking: 'standard',
    signal: new AbortController().signal,
    emit: (data) => {
      const piece = data as { kind: string; text?: string };
      if (piece.kind === 'chunk') sent += piece.text!.length;
    },
  },
);
parentPort!.postMessage({ result: outcome.result, sent });
