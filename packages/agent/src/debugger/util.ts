/** Small helpers shared by the debugger's worker-side files. */
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TruncationMarks } from './runtime/types.js';

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The file path of a script URL (`file:` URL or absolute path); undefined for anything else. */
export function toPath(url: string): string | undefined {
  if (url.startsWith('file:')) {
    try {
      return fileURLToPath(url);
    } catch {
      return undefined;
    }
  }
  return isAbsolute(url) ? url : undefined;
}

export function nonZero(t: TruncationMarks): Partial<TruncationMarks> {
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== 0));
}

export function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
