import { isMainThread, MessageChannel, Worker } from 'node:worker_threads';
import { GloveboxError, isGloveboxError } from '@glovebox/core';
import { agentDebuggerOptions, type AgentDebuggerOptions } from './debugger-config.js';
import { gatewayKeyPins, gatewayUrls } from './gateway-config.js';
import { inspectorExposure } from './inspector-exposure.js';
import { relayAgentLog } from './agent-log.js';
import { processFactsCollector } from './facts.js';
import type { AgentWorkerData, HeapAgentOptions } from './worker.js';

export interface StartAgentOptions {
  /** Gateway URL; default GLOVEBOX_URL. */
  url?: string;
  /** Agent credential; default GLOVEBOX_AGENT_TOKEN (removed from the environment once read). */
  token?: string;
  /**
   * Fingerprints of the gateway keys to trust, as `glovebox agents register` printed them; default
   * GLOVEBOX_GATEWAY_KEYS (comma-separated).
   */
  gatewayKeys?: string[];
  /**
   * Live debugging actions (snapshot, logpoint, eval, profile), with the operator's settings
   * (techniques, breakpointProbeMaxMs; defaults from the environment); `false` to disable. Default on.
   */
  debugger?: boolean | AgentDebuggerOptions;
  /** Heap snapshots and statistics (heapsnapshot, heapstats), with their settings; `false` to disable. */
  heap?: HeapAgentOptions | false;
  /**
   * `refuse`: serve nothing while the process's inspector is open on a non-loopback address or was
   * opened at run time (`kill -USR1`); `report` (default): show it in facts only. Default
   * GLOVEBOX_INSPECTOR.
   */
  inspector?: 'report' | 'refuse';
}

export interface AgentHandle {
  stop(): Promise<void>;
}

/**
 * Starts the in-process agent in a worker thread, so the control plane never runs on the
 * application's event loop. Never throws into the host: a misconfiguration is reported on stderr
 * and the application runs on without an agent.
 */
export function startAgent(options: StartAgentOptions = {}): AgentHandle {
  // `--import` flags reach worker threads too; only the application's main thread starts an agent.
  if (!isMainThread) return { stop: async () => undefined };
  const url = options.url ?? process.env.GLOVEBOX_URL;
  const token = options.token ?? process.env.GLOVEBOX_AGENT_TOKEN;
  // Nothing else in the process (eval, child processes, a dependency) reads it after this.
  delete process.env.GLOVEBOX_AGENT_TOKEN;
  if (!url || !token) {
    process.stderr.write(
      '[glovebox-agent] warn: GLOVEBOX_URL and GLOVEBOX_AGENT_TOKEN are required; agent not started\n',
    );
    return { stop: async () => undefined };
  }
  let gatewayKeys: string[];
  let debug: AgentDebuggerOptions | false;
  const inspector = options.inspector ?? process.env.GLOVEBOX_INSPECTOR ?? 'report';
  try {
    gatewayUrls(url);
    gatewayKeys = gatewayKeyPins(options.gatewayKeys?.join(',') ?? process.env.GLOVEBOX_GATEWAY_KEYS);
    debug = agentDebuggerOptions(options.debugger, process.env);
    if (inspector !== 'report' && inspector !== 'refuse')
      throw new GloveboxError('GBX_CONFIG_INVALID', 'GLOVEBOX_INSPECTOR is report or refuse');
  } catch (error) {
    const why = isGloveboxError(error) ? `${error.code}: ${error.message}` : 'invalid configuration';
    process.stderr.write(`[glovebox-agent] error: ${why}; agent not started\n`);
    return { stop: async () => undefined };
  }
  try {
    const { port1, port2 } = new MessageChannel();
    const facts = processFactsCollector();
    port1.on('message', (msg: { id: number }) => {
      facts()
        .then((facts) => port1.postMessage({ id: msg.id, facts }))
        .catch(() => undefined);
    });
    port1.unref();
    // The inspector can be opened at any time (kill -USR1): the worker learns of it within a second.
    let exposure = '';
    const watchInspector = () => {
      const now = inspectorExposure();
      if (JSON.stringify(now) === exposure) return;
      exposure = JSON.stringify(now);
      port1.postMessage({ inspector: now });
    };
    watchInspector();
    const inspectorTimer = setInterval(watchInspector, 1000).unref();
    // The worker's diagnostics reach stderr through here, bounded (never the worker's own stderr).
    const logs = new MessageChannel();
    relayAgentLog(logs.port1);
    const heap = options.heap ?? {};
    // the worker fingerprints the sensitive values and drops this copy (its own env stays empty)
    const serviceVersion = process.env.GLOVEBOX_SERVICE_VERSION ?? process.env.npm_package_version;
    const workerData: AgentWorkerData = {
      url,
      token,
      ...(serviceVersion ? { serviceVersion } : {}),
      gatewayKeys,
      inspector,
      factsPort: port2,
      logPort: logs.port2,
      debugger: debug,
      heap,
      ...(debug || heap ? { env: { ...process.env } } : {}),
    };
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData,
      transferList: [port2, logs.port2],
      env: {},
      execArgv: [],
      stdout: false,
      stderr: false,
      resourceLimits: { maxOldGenerationSizeMb: 128 },
    });
    worker.unref();
    worker.on('error', () =>
      process.stderr.write('[glovebox-agent] error: the agent stopped unexpectedly\n'),
    );
    return {
      stop: async () => {
        clearInterval(inspectorTimer);
        port1.close();
        await worker.terminate();
      },
    };
  } catch {
    process.stderr.write('[glovebox-agent] error: the agent could not start\n');
    return { stop: async () => undefined };
  }
}
