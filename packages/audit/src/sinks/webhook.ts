import { signWebhookBody, WEBHOOK_SIGNATURE_HEADER } from '@glovebox/protocol';
import type { Clock } from '@glovebox/core';
import type { SignedCheckpoint } from '../checkpoint.js';
import type { ChainedEvent } from '../event.js';
import {
  formatCheckpoint,
  formatEvent,
  postJson,
  SerialQueue,
  type AuditSink,
  type SinkFormat,
} from './sink.js';

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

/**
 * Posts batches of events as JSON `{ source, format, firstSeq, lastSeq, events, checkpoint? }`,
 * signed with HMAC (`signWebhookBody` from @glovebox/protocol).
 * Any non-2xx answer, a timeout or a network error fails the batch, which the dispatcher retries
 * with backoff.
 *
 * @example
 * new WebhookSink({ name: 'soc', url: 'https://soc.example/hooks/glovebox', secret: process.env.SOC_WEBHOOK_SECRET! });
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

  deliver(batch: readonly ChainedEvent[], head?: SignedCheckpoint): Promise<void> {
    return this.#queue.run(async () => {
      if (batch.length === 0 && head === undefined) return;
      const format = this.#config.format ?? 'native';
      const body = JSON.stringify({
        source: 'glovebox',
        format,
        firstSeq: batch[0]?.seq ?? null,
        lastSeq: batch.at(-1)?.seq ?? null,
        events: batch.map((event) => formatEvent(event, format)),
        ...(head === undefined ? {} : { checkpoint: formatCheckpoint(head, format) }),
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
