/**
 * Test support: runs the heap module in a worker thread, as the agent does, and performs one call
 * per message from the thread that started it (which answers the module's memory questions).
 * Not exported from the package.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ActionContext } from '../../action.js';
import { createHeapModule, type HeapModuleOptions, type HeapSpace } from '../module.js';
import type { MemoryFigures } from '../capture.js';

const port = parentPort!;
let nextId = 0;
const waiting = new Map<number, (answer: { memory: MemoryFigures; spaces: HeapSpace[] }) => void>();
const options = (workerData ?? {}) as Omit<HeapModuleOptions, 'mainThread'>;
const mod = createHeapModule({
  ...options,
  mainThread: () =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      port.postMessage({ memoryRequest: id });
    }),
});

port.on(
  'message',
  (msg: { memoryAnswer?: number; answer?: never; call?: number; action?: string; params?: unknown }) => {
    if (msg.memoryAnswer !== undefined) {
      waiting.get(msg.memoryAnswer)?.(msg.answer!);
      waiting.delete(msg.memoryAnswer);
      return;
    }
    const id = msg.call!;
    const ctx: ActionContext = {
      sessionId: 's1',
      callId: String(id),
      target: 'test',
      masking: 'standard',
      signal: new AbortController().signal,
      emit: (data) => port.postMessage({ id, emit: data }),
    };
    mod.actions[msg.action!]!(msg.params, ctx).then(
      (outcome) => port.postMessage({ id, outcome }),
      (e: { code?: string; message?: string }) =>
        port.postMessage({ id, error: { code: e.code, message: e.message } }),
    );
  },
);
