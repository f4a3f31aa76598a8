import {
  monitorEventLoopDelay,
  performance,
  type EventLoopUtilization,
  type IntervalHistogram,
} from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { ActionModule } from './action.js';
import { inspectorExposure, type InspectorExposure } from './inspector-exposure.js';

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
    /** How long the window these figures describe lasted. */
    sampledForMs: number;
  };
  activeResources: Record<string, number>;
  /** Whether the inspector is open, where, and how it was opened (see docs/debugging.md). */
  inspector: InspectorExposure;
}

/** What the event loop did over the last window. */
type EventLoopFigures = ProcessFacts['eventLoop'];

export interface ProcessFactsOptions {
  /** How long the first answer after an idle period samples the event loop (default 200 ms). */
  firstSampleMs?: number;
  /** Answers within this long of the window's start reuse the last figures (default 1 s). */
  windowMs?: number;
  /** With no question for this long the loop is no longer watched (default 60 s). */
  idleMs?: number;
}

/**
 * Collects facts about the CURRENT thread's process and event loop; call it on the main thread of
 * the application. The event loop is watched only while facts are asked for: the first question
 * after an idle period samples it for `firstSampleMs`; later ones are answered at once with the
 * rolling figures of the last window (at least `windowMs` long), so callers never wait on the
 * sampler and many questions cost one histogram. After `idleMs` without a question the histogram
 * is switched off: an idle agent costs nothing.
 *
 * @example
 * const facts = processFactsCollector();
 * const now = await facts(); // 200 ms the first time, at once afterwards
 */
export function processFactsCollector(options: ProcessFactsOptions = {}): () => Promise<ProcessFacts> {
  const firstSampleMs = options.firstSampleMs ?? 200;
  const windowMs = options.windowMs ?? 1000;
  const idleMs = options.idleMs ?? 60_000;
  let watching: {
    histogram: IntervalHistogram;
    elu: EventLoopUtilization;
    startedAt: number;
    last: EventLoopFigures | null;
    first: Promise<void>;
    idle: NodeJS.Timeout;
  } | null = null;
  const stop = () => {
    watching?.histogram.disable();
    watching = null;
  };
  const close = (w: NonNullable<typeof watching>, now: number): EventLoopFigures => {
    const figures = eventLoopFigures(w.histogram, performance.eventLoopUtilization(w.elu), now - w.startedAt);
    w.histogram.reset();
    w.elu = performance.eventLoopUtilization();
    w.startedAt = now;
    return figures;
  };
  return async () => {
    if (!watching) {
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      watching = {
        histogram,
        elu: performance.eventLoopUtilization(),
        startedAt: performance.now(),
        last: null,
        first: new Promise((resolve) => setTimeout(resolve, firstSampleMs)),
        idle: setTimeout(stop, idleMs),
      };
      watching.idle.unref();
    }
    const w = watching;
    w.idle.refresh();
    await w.first;
    const now = performance.now();
    if (w.last === null || now - w.startedAt >= windowMs) w.last = close(w, now);
    return { ...staticFacts(), eventLoop: w.last };
  };
}

function eventLoopFigures(
  histogram: IntervalHistogram,
  elu: EventLoopUtilization,
  sampledForMs: number,
): EventLoopFigures {
  // The histogram measures timer wake-ups; subtract its own resolution to report the delay beyond it.
  const ms = (ns: number) => Math.max(0, Math.round(((Number.isFinite(ns) ? ns : 0) - 10e6) / 1e4) / 100);
  return {
    utilization: Math.round(elu.utilization * 1000) / 1000,
    delayMs: {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
    },
    sampledForMs: Math.round(sampledForMs),
  };
}

function staticFacts(): Omit<ProcessFacts, 'eventLoop'> {
  const mem = process.memoryUsage();
  const heap = getHeapStatistics();
  const resources: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
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
    activeResources: resources,
    inspector: inspectorExposure(),
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
