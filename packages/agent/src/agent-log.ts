/**
 * The in-process agent's own diagnostics, bounded so they can never hurt the host application: a
 * rate limit with counted drops in the worker, and on the main thread a write only while the
 * application's stderr has room. A stderr that nobody reads must not make the host buffer without
 * limit, and a burst of agent messages must not become a burst of main-thread work.
 */
import type { MessagePort } from 'node:worker_threads';

export type AgentLogLevel = 'info' | 'warn' | 'error';

/** Writes one line; returns false when it had to drop it. */
export type LineSink = (line: string) => boolean;

export interface BoundedLogOptions {
  /** Where accepted lines go. */
  write: LineSink;
  /** Sustained lines per second (default 10) and burst (default 20). */
  linesPerSecond?: number;
  burst?: number;
  /** Longer messages are cut (default 1000 characters). */
  maxLineChars?: number;
  now?: () => number;
}

/** A rate-limited logger that never throws and counts what it drops. */
export interface BoundedLog {
  log(level: AgentLogLevel, message: string): void;
  /** Lines dropped so far (rate limit or a full sink). */
  readonly dropped: number;
}

const PREFIX = '[glovebox-agent]';

/**
 * Creates a logger that writes at most `linesPerSecond` lines (bursts of `burst`) through `write`,
 * one line each (control characters and newlines replaced, long messages cut). Dropped lines are
 * counted and the next line written says how many.
 *
 * @example
 * const log = createBoundedLog({ write: mainThreadStderr() });
 * log.log('warn', 'gateway connection error: ECONNREFUSED');
 */
export function createBoundedLog(options: BoundedLogOptions): BoundedLog {
  const rate = options.linesPerSecond ?? 10;
  const burst = options.burst ?? 20;
  const maxChars = options.maxLineChars ?? 1000;
  const now = options.now ?? (() => performance.now());
  let tokens = burst;
  let last = now();
  let dropped = 0;
  let unreported = 0;
  const write = (line: string): boolean => {
    try {
      return options.write(line);
    } catch {
      return false;
    }
  };
  return {
    get dropped() {
      return dropped;
    },
    log(level, message) {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) * rate) / 1000);
      last = t;
      if (tokens < 1) {
        dropped++;
        unreported++;
        return;
      }
      tokens -= 1;
      const text = oneLine(message, maxChars);
      const note = unreported > 0 ? ` (${unreported} earlier agent log lines dropped)` : '';
      if (write(`${PREFIX} ${level}: ${text}${note}\n`)) unreported = 0;
      else {
        dropped++;
        unreported++;
      }
    },
  };
}

function oneLine(message: string, maxChars: number): string {
  let flat = '';
  for (const ch of String(message)) {
    const c = ch.codePointAt(0)!;
    flat += c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 ? ' ' : ch;
    if (flat.length > maxChars) break;
  }
  return flat.length > maxChars ? `${flat.slice(0, maxChars)}…` : flat;
}

/**
 * A sink writing to this process's stderr, for the application's main thread: it writes only while
 * stderr has fewer than `maxQueuedBytes` waiting (Node queues pipe and socket writes in memory when
 * the reader is slow or gone), so a stderr nobody reads costs the host at most that much.
 */
export function mainThreadStderr(maxQueuedBytes = 16_384): LineSink {
  return (line) => {
    const stderr = process.stderr;
    if (stderr.destroyed || !stderr.writable || stderr.writableLength + line.length > maxQueuedBytes)
      return false;
    stderr.write(line);
    return true;
  };
}

/**
 * Main-thread side of the worker's log: lines arrive on `port` (already rate-limited) and are written
 * with {@link mainThreadStderr}; lines it must drop are counted and reported with the next one.
 */
export function relayAgentLog(port: MessagePort, maxQueuedBytes?: number): void {
  const sink = mainThreadStderr(maxQueuedBytes);
  let dropped = 0;
  port.on('message', (line: unknown) => {
    if (typeof line !== 'string') return;
    const note = dropped > 0 ? `${PREFIX} warn: ${dropped} agent log lines dropped (stderr full)\n` : '';
    if (sink(note + line)) dropped = 0;
    else dropped++;
  });
  port.unref();
}

/**
 * Worker side: a bounded logger whose lines go to the main thread over `port`; without a port
 * (the agent started without one) lines are dropped, never written to the worker's own stderr,
 * which Node forwards to the main thread without bound.
 */
export function workerAgentLog(
  port: MessagePort | undefined,
  options: Partial<BoundedLogOptions> = {},
): BoundedLog {
  return createBoundedLog({
    ...options,
    write: (line) => {
      if (port === undefined) return false;
      port.postMessage(line);
      return true;
    },
  });
}
