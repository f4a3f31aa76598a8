import type { Logger } from 'pino';
import {
  createSinks,
  SinkDispatcher,
  signedCheckpointSchema,
  type AuditSink,
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
  readonly #config: unknown;
  readonly #store: Store;
  readonly #log: Logger;
  /** Sinks applied from glovebox.yaml, delivered beside the configuration file's. */
  #managed: readonly unknown[] = [];
  #dispatcher: SinkDispatcher | undefined;
  #leading = false;

  /** Throws GBX_CONFIG_INVALID for a bad `audit` configuration section. */
  constructor(config: unknown, store: Store, log: Logger) {
    this.#config = config;
    this.#store = store;
    this.#log = log;
    if (config !== undefined) createSinks(config);
  }

  /** The sinks of the configuration file plus `managed` ones (from glovebox.yaml); throws GBX_CONFIG_INVALID. */
  sinksWith(managed: readonly unknown[]): AuditSink[] {
    const file = (this.#config ?? {}) as Record<string, unknown>;
    const fileSinks = Array.isArray(file['sinks']) ? (file['sinks'] as unknown[]) : [];
    return createSinks({ ...file, sinks: [...fileSinks, ...managed] });
  }

  /**
   * Replaces the managed sinks. Each sink resumes from its own durable cursor, so a sink kept across
   * the change neither loses nor repeats events. Throws GBX_CONFIG_INVALID (and keeps the current
   * sinks) when the new set cannot be built.
   */
  async reconfigure(managed: readonly unknown[]): Promise<void> {
    const sinks = this.sinksWith(managed);
    this.#managed = managed;
    if (!this.#leading) return;
    await this.#dispatcher?.stop();
    this.#dispatcher = this.#build(sinks);
    this.#dispatcher?.start();
  }

  #build(sinks: AuditSink[]): SinkDispatcher | undefined {
    if (sinks.length === 0) return undefined;
    const store = this.#store;
    const log = this.#log;
    return new SinkDispatcher({
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

  /**
   * Delivery runs on one replica at a time (the leader): each term gets fresh sinks and reads the
   * cursors the previous term left in the store.
   */
  start(): void {
    if (this.#leading) return;
    this.#leading = true;
    this.#dispatcher = this.#build(this.sinksWith(this.#managed));
    this.#dispatcher?.start();
  }

  nudge(seq: number): void {
    this.#dispatcher?.nudge(seq);
  }

  status(): SinkStatus[] {
    return this.#dispatcher?.status() ?? [];
  }

  async stop(): Promise<void> {
    this.#leading = false;
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    await dispatcher?.stop();
  }
}
