/**
 * Shared helpers of the debugger benchmarks: a client for the debugger module running in a worker
 * (the agent package's test host, loaded by path like the agent loads its worker), and statistics.
 */
import { Worker } from 'node:worker_threads';

const workerHost = new URL('../../packages/agent/dist/debugger/testing/worker-host.js', import.meta.url);

type Reply = { id: number; outcome?: unknown; error?: { code: string; message: string }; emit?: unknown };

/** Drives `createDebuggerModule(options)` living in a worker thread of this process. */
export class ModuleClient {
  readonly worker: Worker;
  #next = 1;
  #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; emit?: (d: unknown) => void }
  >();

  constructor(options: Record<string, unknown>) {
    this.worker = new Worker(workerHost, { workerData: options });
    this.worker.on('message', (m: Reply) => {
      const p = this.#pending.get(m.id);
      if (p === undefined) return;
      if ('emit' in m) return p.emit?.(m.emit);
      this.#pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(`${m.error.code}: ${m.error.message}`));
      else p.resolve(m.outcome);
    });
  }

  send<T>(msg: Record<string, unknown>, emit?: (d: unknown) => void): { id: number; done: Promise<T> } {
    const id = this.#next++;
    const done = new Promise<T>((resolve, reject) =>
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, ...(emit ? { emit } : {}) }),
    );
    this.worker.postMessage({ id, ...msg });
    return { id, done };
  }

  call<T>(action: string, params: unknown, emit?: (d: unknown) => void): { id: number; done: Promise<T> } {
    return this.send<T>({ type: 'call', action, params, sessionId: 'bench' }, emit);
  }

  async close(): Promise<void> {
    await this.send({ type: 'close' }).done;
    await this.worker.terminate();
  }
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))]!;
}

export const median = (values: number[]): number => quantile(values, 0.5);

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}
