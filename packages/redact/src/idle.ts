/**
 * How long a stream's source may stay silent before the lines held back for it are released
 * (`flush()`): long enough that a command writing a folded secret in several writes is not cut
 * between them, short enough that a live command's last line reaches the engineer at once.
 */
export const FLUSH_IDLE_MS = 100;

/** A timer that calls `onIdle` once the source has been silent for `ms`; see {@link idleFlush}. */
export interface IdleFlush {
  /** A chunk arrived: the silence starts again from now. */
  touch(): void;
  /** The stream ended: no call will follow. */
  cancel(): void;
}

/**
 * Calls `onIdle` when `touch()` has not been called for `ms` (once per silence). A pending timer
 * keeps the process alive for at most `ms`; `cancel()` when the stream ends.
 *
 * @example
 * const s = r.createStream();
 * const idle = idleFlush(() => out.write(s.flush()));
 * source.on('data', (c) => { out.write(s.push(c)); idle.touch(); });
 * source.on('end', () => { idle.cancel(); out.write(s.end()); });
 */
export function idleFlush(onIdle: () => void, ms = FLUSH_IDLE_MS): IdleFlush {
  if (typeof onIdle !== 'function') throw new TypeError('onIdle must be a function');
  if (!Number.isFinite(ms) || ms < 0) throw new TypeError('ms must be a non-negative number');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cancelled = false;
  return {
    touch() {
      if (cancelled) return;
      if (timer === undefined) {
        timer = setTimeout(() => {
          if (!cancelled) onIdle();
        }, ms);
      } else timer.refresh();
    },
    cancel() {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
