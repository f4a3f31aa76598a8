import { workerData, type MessagePort } from 'node:worker_threads';
import type { ActionModule } from './action.js';
import { workerAgentLog } from './agent-log.js';
import { createFactsModule, type ProcessFacts } from './facts.js';
import { AgentRuntime } from './runtime.js';
import type { AgentDebuggerOptions } from './debugger-config.js';
import { createDebuggerModule } from './debugger/index.js';
import { createHeapModule } from './heap/index.js';
import { hkdfSync } from 'node:crypto';
import { createKnownSecrets, type KnownSecrets } from '@glovebox/redact';
import { GloveboxError } from '@glovebox/core';
import type { InspectorExposure } from './inspector-exposure.js';

/** Operator settings of heap snapshots (see docs/debugging.md). */
export interface HeapAgentOptions {
  sources?: 'omit' | 'redact' | 'keep';
  code?: 'redact' | 'keep';
  maxHeapShare?: number;
  memoryFactor?: number;
  timeoutMs?: number;
}

/** Data the main thread hands to the agent worker. */
export interface AgentWorkerData {
  url: string;
  token: string;
  /** Pinned gateway key fingerprints. */
  gatewayKeys: string[];
  /** `refuse`: serve nothing while the inspector is exposed (the main thread reports it on factsPort). */
  inspector: 'report' | 'refuse';
  factsPort: MessagePort;
  /** Where the agent's diagnostics go (bounded, relayed to stderr by the main thread). */
  logPort?: MessagePort;
  /** The debugger's operator settings; false: no debugger. */
  debugger: AgentDebuggerOptions | false;
  heap: HeapAgentOptions | false;
  /** The service's version (GLOVEBOX_SERVICE_VERSION, else the npm package version it runs as). */
  serviceVersion?: string;
  /** The application's environment, read once for its sensitive values and then dropped. */
  env?: Record<string, string | undefined>;
}

const data = workerData as AgentWorkerData;
const agentLog = workerAgentLog(data.logPort);
let nextId = 0;
const waiting = new Map<number, (facts: ProcessFacts) => void>();
/** The inspector's state, as the main thread last reported it. */
let inspector: InspectorExposure | undefined;
data.factsPort.on(
  'message',
  (msg: { id: number; facts: ProcessFacts } | { inspector: InspectorExposure }) => {
    if ('inspector' in msg) {
      inspector = msg.inspector;
      return;
    }
    waiting.get(msg.id)?.(msg.facts);
    waiting.delete(msg.id);
  },
);
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
function knownSecrets(): KnownSecrets {
  const known = createKnownSecrets();
  known.add(data.token, 'GLOVEBOX_AGENT_CREDENTIAL');
  if (data.env) known.addSensitiveEnv(data.env);
  delete data.env;
  return known;
}

function heapModule(o: HeapAgentOptions, known: KnownSecrets): ActionModule {
  return createHeapModule({
    knownSecrets: known,
    mainThread: async () => {
      const facts = await mainThreadFacts();
      return {
        memory: {
          usedHeapBytes: facts.heap.usedHeapBytes,
          heapSizeLimitBytes: facts.heap.heapSizeLimitBytes,
          rssBytes: facts.memory.rssBytes,
        },
        spaces: facts.heapSpaces,
      };
    },
    // stable per agent credential, so equal hidden values correlate across snapshots and restarts
    fingerprintKey: new Uint8Array(
      hkdfSync('sha256', data.token, 'glovebox', 'heap snapshot fingerprints', 32),
    ),
    ...(o.sources ? { sources: o.sources } : {}),
    ...(o.code ? { code: o.code } : {}),
    limits: {
      ...(o.maxHeapShare !== undefined ? { maxHeapShare: o.maxHeapShare } : {}),
      ...(o.memoryFactor !== undefined ? { memoryFactor: o.memoryFactor } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    },
  });
}

/** With GLOVEBOX_INSPECTOR=refuse, why nothing is served while the inspector is exposed. */
function inspectorRefusal(): GloveboxError | undefined {
  if (data.inspector !== 'refuse' || !inspector?.exposed) return undefined;
  const how = inspector.openedBy === 'runtime' ? 'opened at run time (kill -USR1)' : 'opened by --inspect';
  return new GloveboxError(
    'GBX_AGENT_INSPECTOR_EXPOSED',
    `the process's inspector is open on ${inspector.address ?? 'an unknown address'}, ${how}; the agent is configured to refuse (GLOVEBOX_INSPECTOR=refuse)`,
  );
}

async function main(): Promise<void> {
  const known = knownSecrets();
  const debuggerModule = data.debugger
    ? createDebuggerModule({
        ...data.debugger,
        log: (message) => agentLog.log('info', `debugger: ${message}`),
        knownSecrets: known,
      })
    : undefined;
  const modules: ActionModule[] = [
    createFactsModule(mainThreadFacts, () => ({ debugger: debuggerModule?.status() ?? null })),
  ];
  if (debuggerModule) modules.push(debuggerModule);
  if (data.heap) modules.push(heapModule(data.heap, known));
  const runtime = new AgentRuntime({
    url: data.url,
    token: data.token,
    gatewayKeys: data.gatewayKeys,
    refusal: inspectorRefusal,
    modules,
    log: (level, message) => agentLog.log(level, message),
    ...(data.serviceVersion ? { serviceVersion: data.serviceVersion } : {}),
  });
  await runtime.start();
}

main().catch(() => agentLog.log('error', 'the agent could not start'));
