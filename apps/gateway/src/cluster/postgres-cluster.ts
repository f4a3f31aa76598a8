import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { newId } from '@glovebox/core';
import {
  parseControlMessage,
  type Cluster,
  type ControlListener,
  type ControlMessage,
  type DistributiveOmit,
} from './cluster.js';

/** Advisory lock classes (the first key of the two-key form); the second key is per schema. */
const LEADER_LOCK = 0x67627872; // 'gbxr'
const EXCLUSIVE_LOCK = 0x67627878; // 'gbxx'

/** A stable signed 32-bit key for a text, so that each schema (and lock name) has its own lock. */
function lockKey(text: string): number {
  return createHash('sha256').update(text).digest().readInt32BE(0);
}

export interface PostgresClusterConfig {
  /** How to connect (the store's settings: URL and search_path). */
  client: pg.ClientConfig;
  schema: string;
  log: Logger;
  /** How often a follower tries to take the leadership and a leader checks its connection. */
  leaderPollMs?: number;
}

/**
 * Leadership, locks and the control bus on PostgreSQL. One dedicated connection LISTENs and, once
 * it wins `pg_try_advisory_lock`, holds the leadership for as long as it lives: when it fails (or
 * a liveness query does not answer in time) this replica stops leading at once and the lock is
 * free for another replica as soon as PostgreSQL drops the session.
 */
export class PostgresCluster implements Cluster {
  readonly replicaId = newId('rep');
  readonly #c: PostgresClusterConfig;
  readonly #channel: string;
  readonly #leaderKey: number;
  readonly #pool: pg.Pool;
  readonly #listeners: ControlListener[] = [];
  readonly #leadershipListeners: ((leader: boolean) => void)[] = [];
  #control: pg.Client | undefined;
  #leader = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #reconnectDelay = 250;
  #polling = false;

  constructor(config: PostgresClusterConfig) {
    this.#c = config;
    this.#channel = `gbx_${createHash('sha256').update(config.schema).digest('hex').slice(0, 24)}`;
    this.#leaderKey = lockKey(config.schema);
    this.#pool = new pg.Pool({ ...config.client, max: 3 });
    this.#pool.on('error', () => undefined);
  }

  async start(): Promise<void> {
    await this.#connect();
    await this.#poll();
    this.#timer = setInterval(() => void this.#poll(), this.#c.leaderPollMs ?? 1000);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#setLeader(false);
    const control = this.#control;
    this.#control = undefined;
    await control?.end().catch(() => undefined);
    await this.#pool.end().catch(() => undefined);
  }

  isLeader(): boolean {
    return this.#leader;
  }

  onLeadership(listener: (leader: boolean) => void): void {
    this.#leadershipListeners.push(listener);
  }

  subscribe(listener: ControlListener): void {
    this.#listeners.push(listener);
  }

  publish(message: DistributiveOmit<ControlMessage, 'from'>): void {
    const payload = JSON.stringify({ ...message, from: this.replicaId });
    this.#pool.query('SELECT pg_notify($1, $2)', [this.#channel, payload]).catch((error: unknown) => {
      // Every replica also re-reads the store periodically; a lost message is late, not lost.
      this.#c.log.warn({ err: error }, 'control message not sent');
    });
  }

  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    const key = lockKey(`${this.#c.schema}:${name}`);
    try {
      await client.query('SELECT pg_advisory_lock($1, $2)', [EXCLUSIVE_LOCK, key]);
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [EXCLUSIVE_LOCK, key]);
      }
    } finally {
      client.release();
    }
  }

  #setLeader(leader: boolean): void {
    if (this.#leader === leader) return;
    this.#leader = leader;
    this.#c.log.info(
      { replica: this.replicaId, leader },
      leader ? 'leading the singleton jobs' : 'not leading',
    );
    for (const listener of this.#leadershipListeners) listener(leader);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      ...this.#c.client,
      keepAlive: true,
      query_timeout: 5000,
      // Operators (and tests) can see and terminate a replica's control connection by name.
      application_name: `glovebox ${this.replicaId} control`,
    });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    client.on('notification', (n) => {
      if (n.channel !== this.#channel) return;
      const message = parseControlMessage(n.payload);
      if (!message) return;
      for (const listener of this.#listeners) listener.message(message);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.#channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#control = client;
    this.#reconnectDelay = 250;
  }

  #lost(client: pg.Client): void {
    if (this.#control !== client) return;
    this.#control = undefined;
    this.#setLeader(false);
    client.end().catch(() => undefined);
    if (this.#closed) return;
    this.#c.log.warn('control connection to PostgreSQL lost; reconnecting');
    const retry = () => {
      if (this.#closed) return;
      this.#connect().then(
        () => {
          for (const listener of this.#listeners) listener.resync();
          void this.#poll();
        },
        () => {
          this.#reconnectDelay = Math.min(this.#reconnectDelay * 2, 5000);
          setTimeout(retry, this.#reconnectDelay).unref();
        },
      );
    };
    setTimeout(retry, this.#reconnectDelay).unref();
  }

  /** A follower tries to take the lock; a leader proves its session (and so its lock) is alive. */
  async #poll(): Promise<void> {
    const client = this.#control;
    if (!client || this.#polling || this.#closed) return;
    this.#polling = true;
    try {
      if (this.#leader) {
        await client.query('SELECT 1');
      } else {
        const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
          LEADER_LOCK,
          this.#leaderKey,
        ]);
        if (r.rows[0]?.ok === true && this.#control === client) this.#setLeader(true);
      }
    } catch {
      this.#lost(client);
    } finally {
      this.#polling = false;
    }
  }
}
