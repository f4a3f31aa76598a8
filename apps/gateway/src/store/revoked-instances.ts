import type Database from 'better-sqlite3';
import type pg from 'pg';

/**
 * Instances of an agent that an administrator cut off while the credential stays valid for their
 * siblings (one pod of a service taken out of debugging). An instance id is kept across the
 * process's reconnections, so the gateway refuses the process until it restarts as a new instance.
 */
export interface RevokedInstanceStore {
  /** Records the revocation; false when that instance was already revoked. */
  revoke(agent: string, instance: string, by: string, at: number): Promise<boolean>;
  /** The revoked instance ids of `agent`. */
  list(agent: string): Promise<string[]>;
}

export function revokedInstanceTable(bigint: string): string {
  return `CREATE TABLE revoked_instances (
  agent TEXT NOT NULL,
  instance TEXT NOT NULL,
  revoked_by TEXT NOT NULL,
  revoked_at ${bigint} NOT NULL,
  PRIMARY KEY (agent, instance)
);`;
}

const INSERT = (p: (n: number) => string) =>
  `INSERT INTO revoked_instances (agent, instance, revoked_by, revoked_at) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})
   ON CONFLICT (agent, instance) DO NOTHING`;

export class SqliteRevokedInstances implements RevokedInstanceStore {
  readonly #db: Database.Database;
  constructor(db: Database.Database) {
    this.#db = db;
  }
  revoke: RevokedInstanceStore['revoke'] = async (agent, instance, by, at) =>
    this.#db.prepare(INSERT(() => '?')).run(agent, instance, by, at).changes === 1;
  list: RevokedInstanceStore['list'] = async (agent) =>
    (
      this.#db
        .prepare('SELECT instance FROM revoked_instances WHERE agent = ? ORDER BY instance')
        .all(agent) as Array<{ instance: string }>
    ).map((r) => r.instance);
}

export class PostgresRevokedInstances implements RevokedInstanceStore {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }
  revoke: RevokedInstanceStore['revoke'] = async (agent, instance, by, at) =>
    ((
      await this.#pool.query(
        INSERT((n) => `$${n}`),
        [agent, instance, by, at],
      )
    ).rowCount ?? 0) === 1;
  list: RevokedInstanceStore['list'] = async (agent) =>
    (
      await this.#pool.query<{ instance: string }>(
        'SELECT instance FROM revoked_instances WHERE agent = $1 ORDER BY instance',
        [agent],
      )
    ).rows.map((r) => r.instance);
}
