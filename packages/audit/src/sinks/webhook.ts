import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@glovebox/core';
import type { ChainedEvent } from '../event.js';
import { formatEvent, postJson, SerialQueue, type AuditSink, type SinkFormat } from './sink.js';

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-glovebox-signature';

/** Configuration of a {@link WebhookSink}. */
export interface WebhookSinkConfig {
  name: string;
  url: string;
  /** HMAC key shared with the receiver (from env or a file; never inline in config). */
  secret: string;
  format?: SinkFormat;
  timeoutMs?: number;
  headers?: Record<string, string>;
  clock?: Clock;
}

/** The signature value for `body` sent at `timestampSeconds`: HMAC-SHA256 over `<t>.<body>`. */
export function signWebhookBody(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/**
 * For receivers: checks a signature header against the raw body, refusing stale timestamps
 * (default tolerance 300 s) so a captured batch cannot be replayed much later.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowMs: number,
  toleranceSeconds = 300,
): boolean {
  if (typeof header !== 'string' || header.length > 512) return false;
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const timestamp = Number(match[1]);
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhookBody(secret, timestamp, body).slice(-64), 'hex');
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

/**
 * Posts batches of events as JSON `{ source, firstSeq, lastSeq, events }`, signed with HMAC.
 * Any non-2xx answer, a timeout or a network error fails the batch, which the dispatcher retries
 * with backoff.
 *
 * @example
 * new WebhookSink({ name: 'soc', url: 'https://soc.example/hooks/glovebox', secret: process.env.GBX_SOC_KEY! });
 */
export class WebhookSink implements AuditSink {
  readonly name: string;
  readonly #config: WebhookSinkConfig;
  readonly #queue = new SerialQueue();

  constructor(config: WebhookSinkConfig) {
    if (config.secret.length < 16) throw new TypeError('webhook secret must be at least 16 characters');
    this.name = config.name;
    this.#config = config;
  }

  deliver(batch: readonly ChainedEvent[]): Promise<void> {
    return this.#queue.run(async () => {
      if (batch.length === 0) return;
      const format = this.#config.format ?? 'native';
      const body = JSON.stringify({
        source: 'glovebox',
        format,
        firstSeq: batch[0]!.seq,
        lastSeq: batch[batch.length - 1]!.seq,
        events: batch.map((event) => formatEvent(event, format)),
      });
      const now = Math.floor((this.#config.clock?.now() ?? Date.now()) / 1000);
      await postJson(
        this.#config.url,
        body,
        {
          ...this.#config.headers,
          [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(this.#config.secret, now, body),
        },
        this.#config.timeoutMs ?? 10_000,
        `webhook sink ${this.name}`,
      );
    });
  }
}
