/**
 * Test support: runs the debugger module in a worker thread, as the agent does, and answers RPC
 * messages from the thread that started it. Not exported from the package.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KnownSecrets, type KnownSecretsState } from '@glovebox/redact';
import type { ActionContext } from '../../action.js';
import { createDebuggerModule, type DebuggerOptions } from '../module.js';

type Request =
  | {
      id: number;
      type: 'call';
      action: string;
      params: unknown;
      sessionId: string;
      masking?: 'standard' | 'strict';
    }
  | { id: number; type: 'abort'; callId: number }
  | { id: number; type: 'endSession'; sessionId: string }
  | { id: number; type: 'status' }
  | { id: number; type: 'close' };

const port = parentPort!;
const { knownSecretsState, ...options } = (workerData ?? {}) as Omit<DebuggerOptions, 'knownSecrets'> & {
  verbose?: boolean;
  knownSecretsState?: KnownSecretsState;
};
const mod = createDebuggerModule({
  ...options,
  ...(knownSecretsState ? { knownSecrets: KnownSecrets.fromState(knownSecretsState) } : {}),
  ...(options.verbose === true ? { log: (m: string) => process.stderr.write(`[debugger] ${m}\n`) } : {}),
});
const aborts = new Map<number, AbortController>();

port.on('message', (req: Request) => {
  void handle(req);
});

async function handle(req: Request): Promise<void> {
  try {
    switch (req.type) {
      case 'call': {
        const controller = new AbortController();
        aborts.set(req.id, controller);
        const ctx: ActionContext = {
          sessionId: req.sessionId,
          callId: String(req.id),
          target: 'test',
          masking: req.masking ?? 'standard',
          signal: controller.signal,
          emit: (data) => port.postMessage({ id: req.id, emit: data }),
        };
        const handler = mod.actions[req.action];
        if (handler === undefined) throw new Error('no such action');
        const outcome = await handler(req.params, ctx);
        aborts.delete(req.id);
        port.postMessage({ id: req.id, outcome });
        return;
      }
      case 'abort':
        aborts.get(req.callId)?.abort();
        port.postMessage({ id: req.id, outcome: null });
        return;
      case 'endSession':
        await mod.endSession(req.sessionId);
        port.postMessage({ id: req.id, outcome: null });
        return;
      case 'status':
        port.postMessage({ id: req.id, outcome: mod.status() });
        return;
      case 'close':
        await mod.close();
        port.postMessage({ id: req.id, outcome: null });
        return;
    }
  } catch (err) {
    const e = err as { code?: string; message?: string };
    port.postMessage({ id: req.id, error: { code: e.code ?? 'UNKNOWN', message: e.message ?? String(err) } });
  }
}
