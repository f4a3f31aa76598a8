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
<<<<<<< HEAD
  #dispatcher: SinkDispatcher | undefined;
  readonly #config: unknown;
  readonly #store: Store;
  readonly #log: Logger;
  #started = false;

  /** Throws GBX_CONFIG_INVALID for a bad `audit` configuration section. */
  constructor(config: unknown, store: Store, log: Logger) {
    this.#config = config;
    this.#store = store;
    this.#log = log;
    this.#dispatcher = this.#build(config === undefined ? [] : createSinks(config));
  }

  /** The sinks of the configuration file plus `managed` ones (from glovebox.yaml); throws GBX_CONFIG_INVALID. */
  sinksWith(managed: readonly unknown[]): AuditSink[] {
    const file = (this.#config ?? {}) as Record<string, unknown>;
    const fileSinks = Array.isArray(file['sinks']) ? (file['sinks'] as unknown[]) : [];
    return createSinks({ ...file, sinks: [...fileSinks, ...managed] });
  }

  /**
   * Replaces the sinks with the file's plus `managed` ones. Each sink resumes from its own durable
   * cursor, so a sink kept across the change neither loses nor repeats events. Throws
   * GBX_CONFIG_INVALID (and keeps the current sinks) when the new set cannot be built.
   */
  async reconfigure(managed: readonly unknown[]): Promise<void> {
    const next = this.#build(this.sinksWith(managed));
    await this.#dispatcher?.stop();
    this.#dispatcher = next;
    if (this.#started) next?.start();
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
=======
  readonly #create: (() => SinkDispatcher) | undefined;
  #dispatcher: SinkDispatcher | undefined;

  /** Throws GBX_CONFIG_INVALID for a bad `audit` configuration section. */
  constructor(config: unknown, store: Store, log: Logger) {
    const sinks = config === undefined ? [] : createSinks(config);
    if (sinks.length === 0) return;
    let first: typeof sinks | undefined = sinks;
    // Delivery runs on one replica at a time (the leader): each term gets fresh sinks and reads
    // the cursors the previous term left in the store.
    this.#create = () => {
      const these = first ?? createSinks(config);
      first = undefined;
      return new SinkDispatcher({
        sinks: these,
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
>>>>>>> 3b404f0 (fix(gateway): singleton jobs run on one elected replica and never overlap — PostgreSQL advisory-lock leadership on a dedicated connection (per schema, failover when the leader's session ends or stops answering), the reaper and sink dispatch run only on the leader, a request ends (and session.ended/request.expired/request.denied is written) only by the caller whose own state transition succeeded, first-start bootstrap under a cluster-wide lock; LISTEN/NOTIFY control bus for small messages. Attack seen to succeed before the fix: one gateway with a 5 ms reaper wrote up to 364 session.ended events for one session; three replicas delivered every event to a shared file sink three times)
        },
        onError: (sink, error) =>
          log.warn({ sink, err: error.message }, 'audit sink delivery failed; will retry'),
      });
    };
  }

  start(): void {
<<<<<<< HEAD
    this.#started = true;
    this.#dispatcher?.start();
=======
    if (this.#dispatcher || !this.#create) return;
    this.#dispatcher = this.#create();
    this.#dispatcher.start();
>>>>>>> 3b404f0 (fix(gateway): singleton jobs run on one elected replica and never overlap — PostgreSQL advisory-lock leadership on a dedicated connection (per schema, failover when the leader's session ends or stops answering), the reaper and sink dispatch run only on the leader, a request ends (and session.ended/request.expired/request.denied is written) only by the caller whose own state transition succeeded, first-start bootstrap under a cluster-wide lock; LISTEN/NOTIFY control bus for small messages. Attack seen to succeed before the fix: one gateway with a 5 ms reaper wrote up to 364 session.ended events for one session; three replicas delivered every event to a shared file sink three times)
  }

  nudge(seq: number): void {
    this.#dispatcher?.nudge(seq);
  }

  status(): SinkStatus[] {
    return this.#dispatcher?.status() ?? [];
  }

  async stop(): Promise<void> {
<<<<<<< HEAD
    this.#started = false;
    await this.#dispatcher?.stop();
=======
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    await dispatcher?.stop();
>>>>>>> 3b404f0 (fix(gateway): singleton jobs run on one elected replica and never overlap — PostgreSQL advisory-lock leadership on a dedicated connection (per schema, failover when the leader's session ends or stops answering), the reaper and sink dispatch run only on the leader, a request ends (and session.ended/request.expired/request.denied is written) only by the caller whose own state transition succeeded, first-start bootstrap under a cluster-wide lock; LISTEN/NOTIFY control bus for small messages. Attack seen to succeed before the fix: one gateway with a 5 ms reaper wrote up to 364 session.ended events for one session; three replicas delivered every event to a shared file sink three times)
  }
}
