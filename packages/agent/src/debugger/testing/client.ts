/** Test support: the main-thread side of worker-host.ts. */
import { Worker } from 'node:worker_threads';
import type { DebuggerOptions, DebuggerStatus } from '../module.js';

export interface CallError {
  code: string;
  message: string;
}

/** Drives a debugger module living in a real worker thread of this process. */
export class DebuggerClient {
  readonly worker: Worker;
  #next = 1;
  #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: CallError) => void; emit?: (d: unknown) => void }
  >();

  constructor(options: DebuggerOptions = {}) {
    // known secrets cross the thread boundary as their fingerprints
    const { knownSecrets, ...rest } = options;
    const workerData = knownSecrets ? { ...rest, knownSecretsState: knownSecrets.toState() } : rest;
    this.worker = new Worker(new URL('./worker-host.js', import.meta.url), { workerData });
    this.worker.on('message', (m: { id: number; outcome?: unknown; error?: CallError; emit?: unknown }) => {
      const p = this.#pending.get(m.id);
      if (p === undefined) return;
      if ('emit' in m) {
        p.emit?.(m.emit);
        return;
      }
      this.#pending.delete(m.id);
      if (m.error !== undefined) p.reject(m.error);
      else p.resolve(m.outcome);
    });
  }

  #send<T>(msg: Record<string, unknown>, emit?: (d: unknown) => void): { id: number; done: Promise<T> } {
    const id = this.#next++;
    const done = new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, ...(emit ? { emit } : {}) });
    });
    this.worker.postMessage({ id, ...msg });
    return { id, done };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- outcomes are JSON the tests inspect freely
  call<T = { result: any; accessed?: any; redactions?: any }>(
    action: string,
    params: unknown,
    opts: { sessionId?: string; emit?: (d: unknown) => void; masking?: 'standard' | 'strict' } = {},
  ): { id: number; done: Promise<T> } {
    return this.#send<T>(
      {
        type: 'call',
        action,
        params,
        sessionId: opts.sessionId ?? 's1',
        masking: opts.masking ?? 'standard',
      },
      opts.emit,
    );
  }

  abort(callId: number): Promise<unknown> {
    return this.#send({ type: 'abort', callId }).done;
  }

  endSession(sessionId: string): Promise<unknown> {
    return this.#send({ type: 'endSession', sessionId }).done;
  }

  status(): Promise<DebuggerStatus> {
    return this.#send<DebuggerStatus>({ type: 'status' }).done;
  }

  async close(): Promise<void> {
    await this.#send({ type: 'close' }).done;
    await this.worker.terminate();
  }
}
