import type { SignedCheckpoint } from '../checkpoint.js';
import type { ChainedEvent } from '../event.js';
import { toOcsf, toOcsfCheckpoint } from './ocsf.js';

/**
 * A destination for audit events. `deliver` resolves only once the batch is accepted (written,
 * acknowledged) and rejects otherwise; it must give up within its own timeout. `head`, when
 * given, is the latest signed checkpoint at or before the batch's last event: every sink keeps it
 * after the events, so the sink witnesses the head outside the store (`audit verify --head`).
 * A delivery may carry a head and no events.
 */
export interface AuditSink {
  /** Unique, stable name: the per-sink delivery cursor is kept under it. */
  readonly name: string;
  deliver(batch: readonly ChainedEvent[], head?: SignedCheckpoint): Promise<void>;
  /** Releases connections and file handles. */
  close?(): Promise<void>;
}

/** Shape of the events a sink emits: the chained event itself, or an OCSF-shaped mapping. */
export type SinkFormat = 'native' | 'ocsf';

/** The event as a sink emits it. */
export function formatEvent(event: ChainedEvent, format: SinkFormat): Record<string, unknown> {
  return format === 'ocsf' ? toOcsf(event) : (event as unknown as Record<string, unknown>);
}

/**
 * A signed head as a sink emits it: `{ kind: "checkpoint", checkpoint }` (the line an export and
 * the witness file use), or an OCSF-shaped record carrying it in `unmapped.glovebox.checkpoint`.
 */
export function formatCheckpoint(checkpoint: SignedCheckpoint, format: SinkFormat): Record<string, unknown> {
  return format === 'ocsf' ? toOcsfCheckpoint(checkpoint) : { kind: 'checkpoint', checkpoint };
}

/** A sink delivery failure. Its message is safe to show in status output and logs. */
export class SinkDeliveryError extends Error {
  override readonly name = 'SinkDeliveryError';
}

/** Runs `work` with a deadline; on expiry calls `onTimeout` and rejects. */
export async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  onTimeout?: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new SinkDeliveryError(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Serializes async calls: one delivery at a time per sink, even if a caller timed out early. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** Posts JSON with a timeout and no redirects; resolves on 2xx, rejects with a safe message otherwise. */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  what: string,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = (error as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new SinkDeliveryError(`${what} timed out after ${timeoutMs} ms`);
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
    throw new SinkDeliveryError(`${what} could not be reached${code}`);
  }
  let text = '';
  try {
    text = await response.text();
  } catch {
    throw new SinkDeliveryError(`${what} broke off its response`);
  }
  if (response.status < 200 || response.status > 299) {
    throw new SinkDeliveryError(`${what} answered HTTP ${response.status}`);
  }
  return text;
}
