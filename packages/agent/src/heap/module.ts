import { createHash } from 'node:crypto';
import { z } from 'zod';
import { GloveboxError } from '@glovebox/core';
import { createRedactor, type KnownSecrets } from '@glovebox/redact';
import type { ActionContext, ActionModule, ActionOutcome } from '../action.js';
import { edgeStarts } from './analysis.js';
import {
  captureHeapSnapshot,
  checkHeadroom,
  DEFAULT_CAPTURE_LIMITS,
  type CaptureLimits,
  type MemoryFigures,
} from './capture.js';
import type { SourcePolicy } from './decisions.js';
import { SnapshotReader, type ParsedSnapshot } from './reader.js';
import { redactSnapshot } from './redact-snapshot.js';
import { classTotals, largestRetainers, retainedSizes } from './summary.js';

/** One V8 heap space of the main thread (`v8.getHeapSpaceStatistics()`). */
export interface HeapSpace {
  name: string;
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
}

/** Options of {@link createHeapModule}. */
export interface HeapModuleOptions {
  /** The application's main-thread memory (the worker's own heap is not the one that matters). */
  mainThread: () => Promise<{ memory: MemoryFigures; spaces: HeapSpace[] }>;
  limits?: Partial<CaptureLimits>;
  /** Key of the placeholders' fingerprints, ≥ 16 bytes; default random per process. */
  fingerprintKey?: Uint8Array;
  sensitiveKeys?: string[];
  /** Values masked wherever they appear (the agent credential, sensitive environment values). */
  knownSecrets?: KnownSecrets;
  /** Script source text in snapshots: `omit` (default), `redact` or `keep`. */
  sources?: SourcePolicy;
  /** Function names, script URLs, regexp patterns: `redact` (default) or `keep`. */
  code?: 'redact' | 'keep';
  /** Tests and benchmarks: snapshot this thread instead of the main thread. */
  sameThread?: boolean;
}

const snapshotParams = z.object({}).strict();
const statsParams = z.object({ top: z.number().int().min(1).max(100).default(20) }).strict();

/** Progress pieces are sent at most this often. */
const PROGRESS_EVERY_MS = 250;

function parse<T>(schema: z.ZodType<T>, params: unknown): T {
  const r = schema.safeParse(params ?? {});
  if (!r.success)
    throw new GloveboxError('GBX_REQUEST_INVALID', `invalid parameters: ${r.error.issues[0]?.message ?? ''}`);
  return r.data;
}

/** What the actions of one module share. */
interface Heap {
  options: HeapModuleOptions;
  limits: CaptureLimits;
}

/** Captures the main thread's heap into a parsed snapshot, refusing first when memory is short. */
async function capture(
  { options, limits }: Heap,
  ctx: ActionContext,
  deadline: number,
): Promise<{
  parsed: ParsedSnapshot;
  pauseMs: number;
  captureMs: number;
  headroom: { neededBytes: number; freeBytes: number };
}> {
  const { memory } = await options.mainThread();
  const headroom = checkHeadroom(memory, limits);
  const reader = new SnapshotReader();
  const started = performance.now();
  let lastProgress = 0;
  try {
    const timing = await captureHeapSnapshot({
      onChunk: (chunk) => reader.write(chunk),
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastProgress < PROGRESS_EVERY_MS && p.done < p.total) return;
        lastProgress = now;
        ctx.emit({ kind: 'progress', phase: 'capture', done: p.done, total: p.total });
      },
      signal: ctx.signal,
      timeoutMs: Math.max(1, deadline - Date.now()),
      ...(options.sameThread ? { sameThread: true } : {}),
    });
    return {
      parsed: reader.end(),
      pauseMs: timing.pauseMs,
      captureMs: Math.round(performance.now() - started),
      headroom,
    };
  } catch (error) {
    reader.discard();
    throw error;
  }
}

function checkDeadline({ limits }: Heap, ctx: ActionContext, deadline: number): void {
  if (ctx.signal.aborted) throw ctx.signal.reason ?? new GloveboxError('GBX_AGENT_REFUSED', 'cancelled');
  if (Date.now() > deadline)
    throw new GloveboxError('GBX_HEAP_TIMEOUT', `the heap snapshot took longer than ${limits.timeoutMs} ms`);
}

/** The redactor options of this module, at the session's masking level. */
function redactOptions({ options }: Heap, ctx: ActionContext) {
  return {
    level: ctx.masking,
    ...(options.fingerprintKey ? { fingerprintKey: options.fingerprintKey } : {}),
    ...(options.sensitiveKeys ? { sensitiveKeys: options.sensitiveKeys } : {}),
    ...(options.knownSecrets ? { knownSecrets: options.knownSecrets } : {}),
  };
}

/** `heapsnapshot`: streams the redacted snapshot in chunks, then a result with its SHA-256. */
async function heapsnapshot(heap: Heap, params: unknown, ctx: ActionContext): Promise<ActionOutcome> {
  parse(snapshotParams, params);
  const started = performance.now();
  const deadline = Date.now() + heap.limits.timeoutMs;
  const { parsed, pauseMs, captureMs, headroom } = await capture(heap, ctx, deadline);
  const hash = createHash('sha256');
  let bytes = 0;
  let seq = 0;
  const gen = redactSnapshot(parsed, {
    ...redactOptions(heap, ctx),
    ...(heap.options.sources ? { sources: heap.options.sources } : {}),
    ...(heap.options.code ? { code: heap.options.code } : {}),
  });
  try {
    for (;;) {
      const next = gen.next();
      if (next.done) {
        const stats = next.value;
        const sha256 = hash.digest('hex');
        const timings = {
          pauseMs,
          captureMs,
          redactMs: stats.redactMs,
          durationMs: Math.round(performance.now() - started),
        };
        const { redactions, ...counts } = stats;
        return {
          result: {
            format: 'heapsnapshot',
            bytes,
            sha256,
            chunks: seq,
            ...timings,
            redaction: counts,
            memory: headroom,
          },
          accessed: {
            heapsnapshot: {
              nodes: stats.nodes,
              edges: stats.edges,
              strings: stats.strings,
              bytes,
              ...timings,
            },
          },
          redactions,
        };
      }
      checkDeadline(heap, ctx, deadline);
      hash.update(next.value, 'latin1');
      bytes += next.value.length;
      ctx.emit({ kind: 'chunk', seq: seq++, text: next.value });
      ctx.emit({ kind: 'progress', phase: 'send', done: bytes, total: 0 });
      await ctx.drained?.();
    }
  } finally {
    parsed.strings.wipe();
  }
}

/** `heapstats`: per-constructor totals, heap spaces and the largest retainers; no string leaves. */
async function heapstats(heap: Heap, params: unknown, ctx: ActionContext): Promise<ActionOutcome> {
  const p = parse(statsParams, params);
  const started = performance.now();
  const deadline = Date.now() + heap.limits.timeoutMs;
  const { parsed, pauseMs, captureMs } = await capture(heap, ctx, deadline);
  try {
    const redactor = createRedactor(redactOptions(heap, ctx));
    // class names are names, not values, but pass the detectors like every string that leaves
    const names = (entry: number) => redactor.redactText(parsed.strings.get(entry)).text;
    const totals = [...classTotals(parsed, names).values()];
    checkDeadline(heap, ctx, deadline);
    const retained = retainedSizes(parsed, edgeStarts(parsed));
    checkDeadline(heap, ctx, deadline);
    const { spaces, memory } = await heap.options.mainThread();
    const result = {
      heap: {
        usedBytes: memory.usedHeapBytes,
        limitBytes: memory.heapSizeLimitBytes,
        rssBytes: memory.rssBytes,
      },
      spaces,
      nodes: parsed.nodes.length / parsed.layout.nodeFields,
      totalBytes: totals.reduce((n, t) => n + t.selfBytes, 0),
      constructors: totals.sort((a, b) => b.selfBytes - a.selfBytes).slice(0, p.top),
      largestRetainers: largestRetainers(parsed, retained, names, p.top),
      pauseMs,
      captureMs,
      durationMs: Math.round(performance.now() - started),
    };
    return {
      result,
      accessed: { heapstats: { nodes: result.nodes, constructors: result.constructors.length, pauseMs } },
    };
  } finally {
    parsed.strings.wipe();
  }
}

/**
 * The heap actions: `heapsnapshot` streams a redacted `.heapsnapshot` (chunks then a result with its
 * SHA-256), `heapstats` answers per-constructor totals, heap spaces and the largest retainers
 * without any string leaving the process. Both refuse when memory is short and stop at a deadline.
 */
export function createHeapModule(options: HeapModuleOptions): ActionModule {
  const heap: Heap = { options, limits: { ...DEFAULT_CAPTURE_LIMITS, ...options.limits } };
  return {
    actions: {
      heapsnapshot: (params, ctx) => heapsnapshot(heap, params, ctx),
      heapstats: (params, ctx) => heapstats(heap, params, ctx),
    },
    endSession: async () => undefined,
    close: async () => undefined,
  };
}
