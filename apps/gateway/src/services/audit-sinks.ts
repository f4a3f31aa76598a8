import type { Logger } from 'pino';
import {
  createSinks,
  SinkDispatcher,
  signedCheckpointSchema,
  type ChainedEvent,
  type SinkStatus,
} from '@glovebox/audit';
import type { Store } from '../store/index.js';

/**
 * Streams the audit trail to the configured sinks, at least once, from a durable cursor per sink
 * kept in the store, each batch followed by the latest signed head so every sink witnesses it. Delivery runs beside the request path: a sink that is down or slow never
 * blocks or slows an action; its lag shows in /metrics and `glovebox audit sinks`.
 */
export class AuditSinks {
  readonly #dispatcher: SinkDispatcher | undefined;

  /** Throws GBX_CONFIG_INVALID for a bad `audit` configuration section. */
  constructor(config: unknown, store: Store, log: Logger) {
    const sinks = config === undefined ? [] : createSinks(config);
    if (sinks.length === 0) return;
    this.#dispatcher = new SinkDispatcher({
      sinks,
      store: {
        readAfter: async (seq, limit) =>
          (await store.readAuditAfter(seq, limit)).map((r) => JSON.parse(r.event) as ChainedEvent),
        latestCheckpoint: async (seq) => {
          const stored = await store.latestCheckpoint(seq);
          const parsed = stored ? signedCheckpointSchema.safeParse(JSON.parse(stored.checkpoint)) : null;
          return parsed?.success ? parsed.data : null;
        },
        getCursor: (sink) => store.getSinkCursor(sink),
        setCursor: (sink, seq) => store.setSinkCursor(sink, seq),
      },
      onError: (sink, error) =>
        log.warn({ sink, err: error.message }, 'audit sink delivery failed; will retry'),
    });
  }

  start(): void {
    this.#dispatcher?.start();
  }

  nudge(seq: number): void {
    this.#dispatcher?.nudge(seq);
  }

  status(): SinkStatus[] {
    return this.#dispatcher?.status() ?? [];
  }

  async stop(): Promise<void> {
    await this.#dispatcher?.stop();
  }
}
