import { freemem } from 'node:os';
import { Session } from 'node:inspector';
import { GloveboxError } from '@glovebox/core';

/** The main thread's memory, as the agent worker learns it. */
export interface MemoryFigures {
  usedHeapBytes: number;
  heapSizeLimitBytes: number;
  rssBytes: number;
  /** The host's free memory; default `os.freemem()`. */
  freeBytes?: number;
}

/** When a snapshot is refused, and how long it may take. */
export interface CaptureLimits {
  /** Refuse when the used heap is over this share of the heap limit. Default 0.7. */
  maxHeapShare: number;
  /** Memory a snapshot needs, as a multiple of the used heap (V8's own copy plus ours). Default 2. */
  memoryFactor: number;
  /** Longest a capture and its redaction may take. Default 120 s. */
  timeoutMs: number;
}

export const DEFAULT_CAPTURE_LIMITS: CaptureLimits = {
  maxHeapShare: 0.7,
  memoryFactor: 2,
  timeoutMs: 120_000,
};

const mb = (n: number) => `${Math.round(n / 1048576)} MB`;

/**
 * Refuses a snapshot the process cannot afford: it pauses the process and can double its memory.
 * The error names the figures so the engineer knows why and what would change the answer.
 */
export function checkHeadroom(
  figures: MemoryFigures,
  limits: CaptureLimits,
): { neededBytes: number; freeBytes: number } {
  const free = figures.freeBytes ?? freemem();
  const share = figures.usedHeapBytes / figures.heapSizeLimitBytes;
  if (share > limits.maxHeapShare) {
    throw new GloveboxError(
      'GBX_HEAP_MEMORY_INSUFFICIENT',
      `heap snapshot refused: the heap uses ${mb(figures.usedHeapBytes)} of its ${mb(figures.heapSizeLimitBytes)} limit ` +
        `(${Math.round(share * 100)}%, over the configured ${Math.round(limits.maxHeapShare * 100)}%)`,
      { details: { usedHeapBytes: figures.usedHeapBytes, heapSizeLimitBytes: figures.heapSizeLimitBytes } },
    );
  }
  const needed = Math.round(figures.usedHeapBytes * limits.memoryFactor);
  if (needed > free) {
    throw new GloveboxError(
      'GBX_HEAP_MEMORY_INSUFFICIENT',
      `heap snapshot refused: it needs about ${mb(needed)} (${limits.memoryFactor} × the ${mb(figures.usedHeapBytes)} heap) ` +
        `and the host has ${mb(free)} free`,
      { details: { neededBytes: needed, freeBytes: free, usedHeapBytes: figures.usedHeapBytes } },
    );
  }
  return { neededBytes: needed, freeBytes: free };
}

/** Progress of V8's own walk of the heap. */
export interface CaptureProgress {
  done: number;
  total: number;
}

/** How a capture went. */
export interface CaptureTiming {
  /** Time the main thread spent in V8's snapshot (request to its answer, which follows the last chunk). */
  pauseMs: number;
  chunks: number;
  chars: number;
}

let capturing = false;

/**
 * Takes a heap snapshot of the application's main thread from the agent worker, over an inspector
 * session, handing each streamed chunk to `onChunk` as it arrives. One capture at a time per
 * process; stops listening (GBX_HEAP_TIMEOUT) after `timeoutMs` or when `signal` aborts. V8 itself
 * cannot be interrupted mid-walk: the main thread resumes when V8 is done.
 */
export async function captureHeapSnapshot(options: {
  onChunk: (chunk: string) => void;
  onProgress?: (p: CaptureProgress) => void;
  signal: AbortSignal;
  timeoutMs: number;
  /** For tests and the benchmark: a session on this thread instead of the main thread's. */
  sameThread?: boolean;
}): Promise<CaptureTiming> {
  if (capturing)
    throw new GloveboxError('GBX_CONFLICT', 'a heap snapshot is already being taken in this process');
  capturing = true;
  const session = new Session();
  try {
    if (options.sameThread) session.connect();
    else session.connectToMainThread();
    let chunks = 0;
    let chars = 0;
    let failure: Error | undefined;
    session.on('HeapProfiler.addHeapSnapshotChunk', (m) => {
      if (failure !== undefined) return;
      chunks++;
      chars += m.params.chunk.length;
      try {
        options.onChunk(m.params.chunk);
      } catch (error) {
        failure = error instanceof Error ? error : new Error('chunk handler failed');
      }
    });
    session.on('HeapProfiler.reportHeapSnapshotProgress', (m) => {
      options.onProgress?.({ done: m.params.done, total: m.params.total });
    });
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new GloveboxError('GBX_HEAP_TIMEOUT', `the heap snapshot took longer than ${options.timeoutMs} ms`),
        );
      }, options.timeoutMs);
      const abort = () => {
        const reason: unknown = options.signal.reason;
        reject(reason instanceof Error ? reason : new GloveboxError('GBX_AGENT_REFUSED', 'cancelled'));
      };
      if (options.signal.aborted) abort();
      options.signal.addEventListener('abort', abort, { once: true });
      session.post(
        'HeapProfiler.takeHeapSnapshot',
        { reportProgress: true, captureNumericValue: true, exposeInternals: false },
        (error) => {
          clearTimeout(timer);
          options.signal.removeEventListener('abort', abort);
          if (error) reject(new GloveboxError('GBX_AGENT_REFUSED', 'V8 could not take the heap snapshot'));
          else if (failure !== undefined) reject(failure);
          else resolve();
        },
      );
    });
    return { pauseMs: Math.round(performance.now() - started), chunks, chars };
  } finally {
    session.disconnect();
    capturing = false;
  }
}
