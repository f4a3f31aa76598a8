import type Database from 'better-sqlite3';
import type pg from 'pg';
import { preparer } from './sqlite-statements.js';

/** Where an agent's connection is held: the replica, how to reach it, what the agent announced. */
export interface AgentRoute {
  agent: string;
  /** The instance (one process among those sharing the agent's credential). */
  instance: string;
  replica: string;
  /** The replica's internal URL (relay endpoint base). */
  url: string;
  /** The instance's hello as JSON (commands, actions, host, pid), for other replicas. */
  helloJson: string;
  connectedAt: number;
}

/** A secret every replica shares, sealed with the master key (never stored in the clear). */
export interface SharedSecretRow {
  name: string;
  sealed: string;
  /** Incremented on every change; a replace names the version it saw. */
  version: number;
}

/**
 * What replicas on one store know about each other: which replicas are alive (each refreshes its
 * row), which replica holds each agent's connection, and the sealed secrets they all share.
 */
export interface ReplicaStore {
  /** Creates or refreshes this replica's row (its internal URL and when it was last alive). */
  heartbeat(id: string, url: string, at: number): Promise<void>;
  /** Removes this replica and every route through it (clean shutdown). */
  leave(id: string): Promise<void>;
  /** Records that `replica` now holds the connection of `agent`'s `instance` (replacing any older route). */
  putRoute(agent: string, instance: string, replica: string, helloJson: string, at: number): Promise<void>;
  /** Forgets the instance's route only if it still goes through `replica`. */
  dropRoute(agent: string, instance: string, replica: string): Promise<void>;
  /** Every instance of `agent` connected through a replica seen alive at or after `aliveSince`. */
  routes(agent: string, aliveSince: number): Promise<AgentRoute[]>;
  getSecret(name: string): Promise<SharedSecretRow | null>;
  /**
   * Stores a secret if its stored version is still `expectedVersion` (0: not stored yet).
   * Returns false when another replica changed it first.
   */
  putSecret(name: string, sealed: string, expectedVersion: number, at: number): Promise<boolean>;
}

type Row = Record<string, unknown>;

const PUT_ROUTE_SQL = (p: (n: number) => string) =>
  `INSERT INTO agent_routes (agent, instance, replica, hello_json, connected_at)
   VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}) ON CONFLICT (agent, instance) DO UPDATE SET
   replica = excluded.replica, hello_json = excluded.hello_json, connected_at = excluded.connected_at`;

const ROUTES_SQL = (p: (n: number) => string) =>
  `SELECT r.agent, r.instance, r.replica, p.url, r.hello_json, r.connected_at FROM agent_routes r
   JOIN replicas p ON p.id = r.replica WHERE r.agent = ${p(1)} AND p.seen_at >= ${p(2)}
   ORDER BY r.connected_at, r.instance`;

function routeOf(r: Row): AgentRoute {
  return {
    agent: String(r.agent),
    instance: String(r.instance),
    replica: String(r.replica),
    url: String(r.url),
    helloJson: String(r.hello_json),
    connectedAt: Number(r.connected_at),
  };
}

function secretOf(r: Row | undefined): SharedSecretRow | null {
  return r ? { name: String(r.name), sealed: String(r.sealed), version: Number(r.version) } : null;
}

export class SqliteReplicas implements ReplicaStore {
  readonly #db: Database.Database;
  readonly #prepare: (sql: string) => Database.Statement;
  constructor(db: Database.Database) {
    this.#db = db;
    this.#prepare = preparer(db);
  }
  heartbeat: ReplicaStore['heartbeat'] = async (id, url, at) => {
    this.#prepare(
      'INSERT INTO replicas VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET url = excluded.url, seen_at = excluded.seen_at',
    ).run(id, url, at, at);
  };
  leave: ReplicaStore['leave'] = async (id) => {
    this.#db.transaction(() => {
      this.#prepare('DELETE FROM agent_routes WHERE replica = ?').run(id);
      this.#prepare('DELETE FROM replicas WHERE id = ?').run(id);
    })();
  };
  putRoute: ReplicaStore['putRoute'] = async (agent, instance, replica, helloJson, at) => {
    this.#prepare(PUT_ROUTE_SQL(() => '?')).run(agent, instance, replica, helloJson, at);
  };
  dropRoute: ReplicaStore['dropRoute'] = async (agent, instance, replica) => {
    this.#prepare('DELETE FROM agent_routes WHERE agent = ? AND instance = ? AND replica = ?').run(
      agent,
      instance,
      replica,
    );
  };
  routes: ReplicaStore['routes'] = async (agent, aliveSince) =>
    (this.#prepare(ROUTES_SQL(() => '?')).all(agent, aliveSince) as Row[]).map(routeOf);
  getSecret: ReplicaStore['getSecret'] = async (name) =>
    secretOf(this.#prepare('SELECT * FROM shared_secrets WHERE name = ?').get(name) as Row | undefined);
  putSecret: ReplicaStore['putSecret'] = async (name, sealed, expectedVersion, at) => {
    const result =
      expectedVersion === 0
        ? this.#prepare('INSERT INTO shared_secrets VALUES (?, ?, 1, ?) ON CONFLICT (name) DO NOTHING').run(
            name,
            sealed,
            at,
          )
        : this.#prepare(
            'UPDATE shared_secrets SET sealed = ?, version = version + 1, updated_at = ? WHERE name = ? AND version = ?',
          ).run(sealed, at, name, expectedVersion);
    return result.changes === 1;
  };
}

export class PostgresReplicas implements ReplicaStore {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }
  heartbeat: ReplicaStore['heartbeat'] = async (id, url, at) => {
    await this.#pool.query(
      'INSERT INTO replicas VALUES ($1, $2, $3, $3) ON CONFLICT (id) DO UPDATE SET url = excluded.url, seen_at = excluded.seen_at',
      [id, url, at],
    );
  };
  leave: ReplicaStore['leave'] = async (id) => {
    await this.#pool.query(
      'WITH gone AS (DELETE FROM agent_routes WHERE replica = $1) DELETE FROM replicas WHERE id = $1',
      [id],
    );
  };
  putRoute: ReplicaStore['putRoute'] = async (agent, instance, replica, helloJson, at) => {
    await this.#pool.query(
      PUT_ROUTE_SQL((n) => `$${n}`),
      [agent, instance, replica, helloJson, at],
    );
  };
  dropRoute: ReplicaStore['dropRoute'] = async (agent, instance, replica) => {
    await this.#pool.query('DELETE FROM agent_routes WHERE agent = $1 AND instance = $2 AND replica = $3', [
      agent,
      instance,
      replica,
    ]);
  };
  routes: ReplicaStore['routes'] = async (agent, aliveSince) =>
    (
      await this.#pool.query(
        ROUTES_SQL((n) => `$${n}`),
        [agent, aliveSince],
      )
    ).rows.map((r) => routeOf(r as Row));
  getSecret: ReplicaStore['getSecret'] = async (name) =>
    secretOf((await this.#pool.query('SELECT * FROM shared_secrets WHERE name = $1', [name])).rows[0] as Row);
  putSecret: ReplicaStore['putSecret'] = async (name, sealed, expectedVersion, at) => {
    const result =
      expectedVersion === 0
        ? await this.#pool.query(
            'INSERT INTO shared_secrets VALUES ($1, $2, 1, $3) ON CONFLICT (name) DO NOTHING',
            [name, sealed, at],
          )
        : await this.#pool.query(
            'UPDATE shared_secrets SET sealed = $1, version = version + 1, updated_at = $2 WHERE name = $3 AND version = $4',
            [sealed, at, name, expectedVersion],
          );
    return result.rowCount === 1;
  };
}

/** Migration 12: a route per instance (one service's credential, many processes); routes are
 *  re-announced by every agent's hello, so the old per-agent rows are dropped, not converted. */
export function instanceRouteTables(bigint: string): string {
  return `DROP TABLE agent_routes;
CREATE TABLE agent_routes (
  agent TEXT NOT NULL,
  instance TEXT NOT NULL,
  replica TEXT NOT NULL,
  hello_json TEXT NOT NULL,
  connected_at ${bigint} NOT NULL,
  PRIMARY KEY (agent, instance)
);
CREATE INDEX agent_routes_replica ON agent_routes(replica);`;
}

/** Migration 11's tables. */
export function replicaTables(bigint: string): string {
  return `CREATE TABLE replicas (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  started_at ${bigint} NOT NULL,
  seen_at ${bigint} NOT NULL
);
CREATE TABLE agent_routes (
  agent TEXT PRIMARY KEY,
  replica TEXT NOT NULL,
  hello_json TEXT,
  connected_at ${bigint} NOT NULL
);
CREATE INDEX agent_routes_replica ON agent_routes(replica);
CREATE TABLE shared_secrets (
  name TEXT PRIMARY KEY,
  sealed TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at ${bigint} NOT NULL
);`;
}
