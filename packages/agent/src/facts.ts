import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { ActionModule } from './action.js';

/** What `glovebox facts` shows about a process. Numbers only; nothing from the application's data. */
export interface ProcessFacts {
  runtime: { node: string; v8: string; platform: string; arch: string; pid: number };
  uptimeSec: number;
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number };
  heap: {
    totalAvailableBytes: number;
    usedHeapBytes: number;
    heapSizeLimitBytes: number;
    nativeContexts: number;
  };
  /** V8's heap spaces (new, old, code, large object, …). */
  heapSpaces: { name: string; sizeBytes: number; usedBytes: number; availableBytes: number }[];
  eventLoop: {
    utilization: number;
    delayMs: { p50: number; p99: number; max: number };
    sampledForMs: number;
  };
  activeResources: Record<string, number>;
}

/**
 * Collects facts about the CURRENT thread's process and event loop. Call it on the main thread
 * of the application: the event-loop delay is sampled for `sampleMs` only while asked, so an idle
 * agent costs nothing.
 */
export async function collectProcessFacts(sampleMs = 200): Promise<ProcessFacts> {
  const elu0 = performance.eventLoopUtilization();
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  histogram.disable();
  const elu = performance.eventLoopUtilization(elu0);
  const mem = process.memoryUsage();
  const heap = getHeapStatistics();
  const resources: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
  // The histogram measures timer wake-ups; subtract its own resolution to report the delay beyond it.
  const ms = (ns: number) => Math.max(0, Math.round(((Number.isFinite(ns) ? ns : 0) - 10e6) / 1e4) / 100);
  return {
    runtime: {
      node: process.versions.node,
      v8: process.versions.v8,
      platform: process.platform,
      arch: process.arch,
      pid: process.pid,
    },
    uptimeSec: Math.round(process.uptime()),
    memory: {
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      externalBytes: mem.external,
    },
    heap: {
      totalAvailableBytes: heap.total_available_size,
      usedHeapBytes: heap.used_heap_size,
      heapSizeLimitBytes: heap.heap_size_limit,
      nativeContexts: heap.number_of_native_contexts,
    },
    heapSpaces: getHeapSpaceStatistics().map((x) => ({
      name: x.space_name,
      sizeBytes: x.space_size,
      usedBytes: x.space_used_size,
      availableBytes: x.space_available_size,
    })),
    eventLoop: {
      utilization: Math.round(elu.utilization * 1000) / 1000,
      delayMs: {
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
      },
      sampledForMs: sampleMs,
    },
    activeResources: resources,
  };
}

/**
 * The `facts` action, answered by `source` (the main thread's collector, possibly over a port);
 * `agent` adds the agent's own state (e.g. whether the Debugger domain is on).
 */
export function createFactsModule(
  source: () => Promise<ProcessFacts>,
  agent?: () => Record<string, unknown>,
): ActionModule {
  return {
    actions: {
      facts: async () => {
        const result = { ...(await source()), ...(agent ? { agent: agent() } : {}) };
        return { result, accessed: { facts: Object.keys(result) } };
      },
    },
    endSession: async () => undefined,
    close: async () => undefined,
  };
}
