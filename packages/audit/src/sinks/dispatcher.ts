import type { SignedCheckpoint } from '../checkpoint.js';
import type { ChainedEvent } from '../event.js';
import { SinkDeliveryError, withTimeout, type AuditSink } from './sink.js';

/**
 * What the dispatcher needs from the store: events after a seq, and a durable cursor per sink.
 * The gateway's store implements it over its audit table; tests use an in-memory one.
 */
export interface SinkCursorStore {
  /** Up to `limit` events with seq > `seq`, ascending. */
  readAfter(seq: number, limit: number): Promise<ChainedEvent[]>;
  /** The last seq the sink acknowledged; 0 when it has none. */
  getCursor(sink: string): Promise<number>;
  setCursor(sink: string, seq: number): Promise<void>;
  /** The chain head's seq, for lag; optional (the dispatcher also learns it from `nudge`). */
  headSeq?(): Promise<number>;
  /**
   * The latest signed checkpoint at or before `seq`, or null. When given, every sink receives the
   * newest head with (or, when idle, without) a batch, and so witnesses it outside the store.
   */
  latestCheckpoint?(seq: number): Promise<SignedCheckpoint | null>;
}

/** Delivery state of one sink, for `/metrics` and `glovebox audit sinks`. */
export interface SinkStatus {
  name: string;
  /** Last seq the sink acknowledged. */
  cursor: number;
  /** Highest seq known to exist. */
  headSeq: number;
  /** Events not yet delivered: headSeq - cursor. */
  lag: number;
  /** Seq of the latest signed head the sink holds (0: none delivered by this process yet). */
  witnessedSeq: number;
  delivered: number;
  failures: number;
  consecutiveFailures: number;
  /** Safe-to-show reason of the last failure. */
  lastError?: string;
  lastSuccessAt?: number;
  nextAttemptAt?: number;
}

/** Configuration of a {@link SinkDispatcher}. */
export interface SinkDispatcherConfig {
  sinks: readonly AuditSink[];
  store: SinkCursorStore;
  /** Events per delivery. Default 100. */
  batchSize?: number;
  /** How often an idle sink looks for new events when nobody nudges it. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Outer deadline for one delivery (sinks have their own too). Default 30 000 ms. */
  deliverTimeoutMs?: number;
  /** Exponential backoff after failures: initial delay, cap. Defaults 500 ms and 60 000 ms. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Called on each failed attempt, for logging. The error's message is safe to log. */
  onError?: (sink: string, error: Error) => void;
  now?: () => number;
  random?: () => number;
}

interface Worker {
  sink: AuditSink;
  status: SinkStatus;
  cursorLoaded: boolean;
  wake: (() => void) | null;
  running: Promise<void> | null;
}

/**
 * Delivers the audit trail to every sink at least once, in order, from a durable per-sink cursor
 * that moves only after the sink accepted a batch. Each sink runs its own loop, so a sink that is
 * down only grows its own lag; callers never wait on sinks (they `nudge` and return).
 *
 * @example
 * const dispatcher = new SinkDispatcher({ sinks, store });
 * dispatcher.start();
 * // after each committed append:
 * dispatcher.nudge(event.seq);
 */
export class SinkDispatcher {
  readonly #store: SinkCursorStore;
  readonly #workers: Worker[];
  readonly #batchSize: number;
  readonly #pollMs: number;
  readonly #deliverTimeoutMs: number;
  readonly #initialBackoff: number;
  readonly #maxBackoff: number;
  readonly #onError: ((sink: string, error: Error) => void) | undefined;
  readonly #now: () => number;
  readonly #random: () => number;
  #headSeq = 0;
  #running = false;

  constructor(config: SinkDispatcherConfig) {
    const names = new Set<string>();
    for (const sink of config.sinks) {
      if (names.has(sink.name)) throw new TypeError(`two sinks are named ${sink.name}`);
      names.add(sink.name);
    }
    this.#store = config.store;
    this.#batchSize = config.batchSize ?? 100;
    this.#pollMs = config.pollIntervalMs ?? 1000;
    this.#deliverTimeoutMs = config.deliverTimeoutMs ?? 30_000;
    this.#initialBackoff = config.backoff?.initialMs ?? 500;
    this.#maxBackoff = config.backoff?.maxMs ?? 60_000;
    this.#onError = config.onError;
    this.#now = config.now ?? Date.now;
    this.#random = config.random ?? Math.random;
    if (!Number.isSafeInteger(this.#batchSize) || this.#batchSize < 1)
      throw new TypeError('batchSize must be a positive integer');
    this.#workers = config.sinks.map((sink) => ({
      sink,
      status: {
        name: sink.name,
        cursor: 0,
        headSeq: 0,
        lag: 0,
        witnessedSeq: 0,
        delivered: 0,
        failures: 0,
        consecutiveFailures: 0,
      },
      cursorLoaded: false,
      wake: null,
      running: null,
    }));
  }

  /** Starts one delivery loop per sink. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const worker of this.#workers) worker.running = this.#loop(worker);
  }

  /** Tells idle sinks that events up to `headSeq` exist. Never waits. */
  nudge(headSeq?: number): void {
    if (headSeq !== undefined && headSeq > this.#headSeq) this.#headSeq = headSeq;
    for (const worker of this.#workers) {
      if (worker.status.consecutiveFailures === 0) worker.wake?.();
    }
  }

  /** Stops the loops after their current attempt and closes the sinks. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const worker of this.#workers) worker.wake?.();
    await Promise.all(this.#workers.map((worker) => worker.running ?? Promise.resolve()));
    await Promise.all(
      this.#workers.map((worker) => worker.sink.close?.().catch(() => undefined) ?? Promise.resolve()),
    );
  }

  /** Per-sink delivery state. */
  status(): SinkStatus[] {
    return this.#workers.map((worker) => {
      const headSeq = Math.max(this.#headSeq, worker.status.cursor);
      return { ...worker.status, headSeq, lag: headSeq - worker.status.cursor };
    });
  }

  async #loop(worker: Worker): Promise<void> {
    while (this.#running) {
      let delay = 0;
      try {
        delay = await this.#attempt(worker);
      } catch (error) {
        const safe =
          error instanceof SinkDeliveryError
            ? error
            : new SinkDeliveryError(`${errorName(error)} while delivering to ${worker.sink.name}`);
        const status = worker.status;
        status.failures++;
        status.consecutiveFailures++;
        status.lastError = safe.message;
        delay = this.#backoff(status.consecutiveFailures);
        status.nextAttemptAt = this.#now() + delay;
        this.#onError?.(worker.sink.name, safe);
      }
      if (delay > 0 && this.#running) await this.#sleep(worker, delay);
    }
  }

  /** One read-deliver-advance step; returns how long to wait before the next one. */
  async #attempt(worker: Worker): Promise<number> {
    const status = worker.status;
    if (!worker.cursorLoaded) {
      status.cursor = await this.#store.getCursor(worker.sink.name);
      worker.cursorLoaded = true;
    }
    if (this.#store.headSeq) this.#headSeq = Math.max(this.#headSeq, await this.#store.headSeq());
    const batch = await this.#store.readAfter(status.cursor, this.#batchSize);
    let previous = status.cursor;
    for (const event of batch) {
      if (event.seq <= previous) throw new SinkDeliveryError('the store returned events out of order');
      previous = event.seq;
    }
    const checkpoint = (await this.#store.latestCheckpoint?.(previous)) ?? null;
    const head = checkpoint !== null && checkpoint.seq > status.witnessedSeq ? checkpoint : undefined;
    if (batch.length === 0 && head === undefined) return this.#pollMs;
    // A deliver that outlives its deadline is not abandoned: the sink's own queue keeps order.
    await withTimeout(
      worker.sink.deliver(batch, head),
      this.#deliverTimeoutMs,
      `delivery to ${worker.sink.name}`,
    );
    if (batch.length > 0) await this.#store.setCursor(worker.sink.name, previous);
    status.cursor = previous;
    if (head !== undefined) status.witnessedSeq = head.seq;
    status.delivered += batch.length;
    status.consecutiveFailures = 0;
    status.lastSuccessAt = this.#now();
    delete status.nextAttemptAt;
    if (previous > this.#headSeq) this.#headSeq = previous;
    return batch.length === this.#batchSize ? 0 : this.#pollMs;
  }

  #backoff(failures: number): number {
    const exponential = Math.min(this.#maxBackoff, this.#initialBackoff * 2 ** Math.min(failures - 1, 30));
    return Math.round(exponential / 2 + (this.#random() * exponential) / 2);
  }

  #sleep(worker: Worker, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        worker.wake = null;
        resolve();
      }
      worker.wake = done;
    });
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'failure';
}
