import type Database from 'better-sqlite3';
import type pg from 'pg';

/** The sections of glovebox.yaml the gateway keeps as settings (users and agents are records). */
export type ManagedSettingKey = 'auditSinks' | 'webhooks' | 'sso';

export interface ManagedSetting {
  key: ManagedSettingKey;
  value: unknown;
  /** Store-wide counter: every change gets the next number, so replicas poll one value. */
  revision: number;
  updatedBy: string;
  updatedAt: number;
}

/** Settings applied from glovebox.yaml, which every replica loads (secrets only as references). */
export interface ManagedSettingsStore {
  all(): Promise<ManagedSetting[]>;
  /** The highest revision, 0 when nothing was ever applied. */
  revision(): Promise<number>;
  /** Replaces one section; returns its new revision. */
  put(key: ManagedSettingKey, value: unknown, updatedBy: string, at: number): Promise<number>;
}

type Row = Record<string, unknown>;
const fromRow = (r: Row): ManagedSetting => ({
  key: String(r.key) as ManagedSettingKey,
  value: JSON.parse(String(r.value_json)) as unknown,
  revision: Number(r.revision),
  updatedBy: String(r.updated_by),
  updatedAt: Number(r.updated_at),
});

export class SqliteManagedSettings implements ManagedSettingsStore {
  readonly #db: Database.Database;
  constructor(db: Database.Database) {
    this.#db = db;
  }
  all: ManagedSettingsStore['all'] = async () =>
    (this.#db.prepare('SELECT * FROM managed_settings ORDER BY key').all() as Row[]).map(fromRow);
  revision: ManagedSettingsStore['revision'] = async () =>
    Number((this.#db.prepare('SELECT MAX(revision) AS r FROM managed_settings').get() as Row).r ?? 0);
  put: ManagedSettingsStore['put'] = async (key, value, updatedBy, at) =>
    this.#db
      .transaction(() => {
        const next =
          Number((this.#db.prepare('SELECT MAX(revision) AS r FROM managed_settings').get() as Row).r ?? 0) +
          1;
        this.#db
          .prepare(
            `INSERT INTO managed_settings VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET
             value_json = excluded.value_json, revision = excluded.revision,
             updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
          )
          .run(key, JSON.stringify(value), next, updatedBy, at);
        return next;
      })
      .immediate();
}

/** Serializes revisions across gateway processes. */
const SETTINGS_LOCK = 0x67627873; // 'gbxs'

export class PostgresManagedSettings implements ManagedSettingsStore {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }
  all: ManagedSettingsStore['all'] = async () =>
    (await this.#pool.query('SELECT * FROM managed_settings ORDER BY key')).rows.map((r: Row) => fromRow(r));
  revision: ManagedSettingsStore['revision'] = async () =>
    Number(
      ((await this.#pool.query('SELECT MAX(revision) AS r FROM managed_settings')).rows[0] as Row).r ?? 0,
    );
  put: ManagedSettingsStore['put'] = async (key, value, updatedBy, at) => {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [SETTINGS_LOCK]);
      const next =
        Number(
          ((await client.query('SELECT MAX(revision) AS r FROM managed_settings')).rows[0] as Row).r ?? 0,
        ) + 1;
      await client.query(
        `INSERT INTO managed_settings VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET
         value_json = excluded.value_json, revision = excluded.revision,
         updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
        [key, JSON.stringify(value), next, updatedBy, at],
      );
      await client.query('COMMIT');
      return next;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
}
