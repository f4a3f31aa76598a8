import { watch } from 'node:fs';
import type { PolicyEngine, ReloadResult } from './engine.js';

/** Options of {@link watchPolicyDir}. */
export interface WatchOptions {
  /** Quiet period after the last change before reloading, in milliseconds (default 250). */
  debounceMs?: number;
}

/**
 * Reloads `engine` from `dir` whenever something in the directory changes, after a quiet period
 * so an editor's or `kubectl`'s burst of writes produces one reload. Each outcome, including
 * refusals, goes to `onResult`. Returns a function that stops watching.
 *
 * @example
 * const stop = watchPolicyDir('/etc/glovebox/policies', engine, (r) => r.ok || alert(r.errors));
 */
export function watchPolicyDir(
  dir: string,
  engine: PolicyEngine,
  onResult: (result: ReloadResult) => void,
  options: WatchOptions = {},
): () => void {
  const debounceMs = options.debounceMs ?? 250;
  if (!(Number.isFinite(debounceMs) && debounceMs >= 0))
    throw new TypeError('debounceMs must be a non-negative number');
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const fire = (): void => {
    timer = undefined;
    void engine.reload(dir).then((result) => {
      if (!stopped) onResult(result);
    });
  };
  const watcher = watch(dir, { persistent: false }, () => {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  });
  watcher.on('error', () => {
    // The directory vanished or became unreadable: reload so the refusal is reported loudly;
    // the engine keeps its last good set.
    if (!stopped) fire();
  });
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    watcher.close();
  };
}
