import { workerData, type MessagePort } from 'node:worker_threads';
import type { ActionModule } from './action.js';
import { createFactsModule, type ProcessFacts } from './facts.js';
import { AgentRuntime } from './runtime.js';
import { createDebuggerModule } from './debugger/index.js';
import { createKnownSecrets } from '@glovebox/redact';

/** Data the main thread hands to the agent worker. */
export interface AgentWorkerData {
  url: string;
  token: string;
  factsPort: MessagePort;
  debugger: boolean;
  /** The application's environment, read once for its sensitive values and then dropped. */
  env?: Record<string, string | undefined>;
}

const data = workerData as AgentWorkerData;
let nextId = 0;
const waiting = new Map<number, (facts: ProcessFacts) => void>();
data.factsPort.on('message', (msg: { id: number; facts: ProcessFacts }) => {
  waiting.get(msg.id)?.(msg.facts);
  waiting.delete(msg.id);
});
data.factsPort.unref();

/** Asks the application's main thread for its facts: the worker's own loop is not the one that matters. */
function mainThreadFacts(): Promise<ProcessFacts> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('main thread did not answer'));
    }, 5000);
    waiting.set(id, (facts) => {
      clearTimeout(timer);
      resolve(facts);
    });
    data.factsPort.postMessage({ id });
  });
}

/**
 * What the debugger masks by value: the agent's credential and the application's sensitive
 * environment values, kept as keyed fingerprints; the copy of the environment is dropped.
 */
function knownSecrets(): ReturnType<typeof createKnownSecrets> {
  const known = createKnownSecrets();
  known.add(data.token, 'GLOVEBOX_AGENT_CREDENTIAL');
  if (data.env) known.addSensitiveEnv(data.env);
  delete data.env;
  return known;
}

async function main(): Promise<void> {
  const debuggerModule = data.debugger
    ? createDebuggerModule({
        log: (message) => process.stderr.write(`[glovebox-agent] ${message}\n`),
        knownSecrets: knownSecrets(),
      })
    : undefined;
  const modules: ActionModule[] = [
    createFactsModule(mainThreadFacts, () => ({ debugger: debuggerModule?.status() ?? null })),
  ];
  if (debuggerModule) modules.push(debuggerModule);
  const runtime = new AgentRuntime({ url: data.url, token: data.token, modules });
  await runtime.start();
}

main().catch(() => process.stderr.write('[glovebox-agent] error: the agent could not start\n'));
