import type Database from 'better-sqlite3';
import type pg from 'pg';
import { preparer } from './sqlite-statements.js';

/** Which second factor: the TOTP secret, or one WebAuthn credential by id. */
export type FactorId = 'totp' | `webauthn:${string}`;

/**
 * Identity state beyond users and tokens, shared by every replica: MFA enrollment tickets, which
 * login enrolled each factor, pending TOTP secrets, the last accepted TOTP step, and failure
 * counters of credential checks (rate limits).
 */
export interface IdentityStateStore {
  addTicket(ticket: { hash: string; userId: string; createdAt: number; expiresAt: number }): Promise<void>;
  /** Uses a ticket once: true only when it exists for this user, unused and unexpired. */
  useTicket(hash: string, userId: string, now: number): Promise<boolean>;
  /** Starts a TOTP enrollment in one login; replaces any pending one of the user. */
  setPendingTotp(userId: string, secretEnc: string, tokenId: string, at: number): Promise<void>;
  /** The pending TOTP secret started in this login, or null. */
  pendingTotp(userId: string, tokenId: string): Promise<string | null>;
  /**
   * Confirms the pending TOTP secret of this login as the user's TOTP factor, enrolled by this
   * login, in one transaction. False when nothing was pending for this login.
   */
  confirmTotp(userId: string, tokenId: string, at: number): Promise<boolean>;
  /** Records that a login (token id) enrolled a factor. */
  recordFactor(userId: string, factor: FactorId, tokenId: string, at: number): Promise<void>;
  /** The token id of the login that enrolled a factor, or null when unknown. */
  factorEnrolledBy(userId: string, factor: FactorId): Promise<string | null>;
  /** Removes every factor of a user (TOTP, pending TOTP, WebAuthn keys) in one transaction. */
  removeFactors(userId: string): Promise<void>;
  /** Accepts a TOTP time step once per user across replicas: false when it (or a later one) was used. */
  acceptTotpStep(userId: string, step: number): Promise<boolean>;
  /** Counts one failure for `key` in the window starting at `windowStart`; returns the new count. */
  addFailure(key: string, windowStart: number): Promise<number>;
  /** Takes back one failure counted for `key` in the window starting at `windowStart` (a reservation). */
  forgiveFailure(key: string, windowStart: number): Promise<void>;
  /**
   * Failures of `key` counted in windows starting at or after `since`, and the credential
   * generation read in the same statement (see `credentialGenerationTable`).
   */
  failures(key: string, since: number): Promise<{ count: number; credentials: string }>;
  /** Forgets the failures of `key` (after a success). */
  clearFailures(key: string): Promise<void>;
  /**
   * Marks a single-use value (a WebAuthn challenge, an OpenID login state; the caller hashes it)
   * used until `expiresAt`, for every replica: false when it was used already, here or elsewhere.
   */
  useOnce(key: string, expiresAt: number): Promise<boolean>;
  /** Forgets tickets, failure windows and single-use values that ended before `before`. */
  purge(before: number): Promise<void>;
}

/** Single-use values every replica checks (migration 13). */
export function singleUseTable(bigint: string): string {
  return `CREATE TABLE used_once (
  key TEXT PRIMARY KEY,
  expires_at ${bigint} NOT NULL
);
CREATE INDEX used_once_expiry ON used_once(expires_at);`;
}

/**
 * Migration 18: one row whose `generation` takes a new random value in the same transaction as
 * every write to `tokens` or `users`, whatever wrote it. A replica may reuse a token or user it
 * read while the generation it reads now is the one it read then (services/credential-reads.ts).
 * Random, not a counter, so that a restored database never repeats a value a replica cached under.
 * PostgreSQL bumps it before the statement takes any row lock, so writers queue on it in one order.
 */
export function credentialGenerationTable(dialect: 'sqlite' | 'postgres'): string {
  const table = `CREATE TABLE credential_generation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  generation TEXT NOT NULL
);`;
  if (dialect === 'sqlite') {
    const bump = `BEGIN UPDATE credential_generation SET generation = lower(hex(randomblob(16))); END;`;
    return `${table}
INSERT INTO credential_generation VALUES (1, lower(hex(randomblob(16))));
${['tokens', 'users']
  .flatMap((t) =>
    ['INSERT', 'UPDATE', 'DELETE'].map(
      (op) => `CREATE TRIGGER ${t}_${op.toLowerCase()}_credentials AFTER ${op} ON ${t} ${bump}`,
    ),
  )
  .join('\n')}`;
  }
  return `${table}
INSERT INTO credential_generation VALUES (1, gen_random_uuid()::text);
CREATE FUNCTION glovebox_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- In the schema of the table written, whatever the writer's search_path.
  EXECUTE format('UPDATE %I.credential_generation SET generation = gen_random_uuid()::text', TG_TABLE_SCHEMA);
  RETURN NULL;
END $$;
CREATE TRIGGER tokens_credentials BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON tokens
FOR EACH STATEMENT EXECUTE FUNCTION glovebox_credentials_changed();
CREATE TRIGGER users_credentials BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
FOR EACH STATEMENT EXECUTE FUNCTION glovebox_credentials_changed();`;
}

/** The tables (migration 10). */
export function identityStateTables(dialect: 'sqlite' | 'postgres'): string {
  const bigint = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return `
CREATE TABLE mfa_enrollment_tickets (
  hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_at ${bigint} NOT NULL,
  expires_at ${bigint} NOT NULL,
  used_at ${bigint}
);
CREATE TABLE mfa_factors (
  user_id TEXT NOT NULL REFERENCES users(id),
  factor TEXT NOT NULL,
  token_id TEXT NOT NULL,
  enrolled_at ${bigint} NOT NULL,
  PRIMARY KEY (user_id, factor)
);
CREATE TABLE totp_pending (
  user_id TEXT PRIMARY KEY REFERENCES users(id),
  secret_enc TEXT NOT NULL,
  token_id TEXT NOT NULL,
  created_at ${bigint} NOT NULL
);
CREATE TABLE totp_steps (
  user_id TEXT PRIMARY KEY REFERENCES users(id),
  step ${bigint} NOT NULL
);
CREATE TABLE auth_failures (
  key TEXT NOT NULL,
  window_start ${bigint} NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (key, window_start)
);`;
}

type Row = Record<string, unknown>;
/** One statement with `?` placeholders: rows returned and rows changed. */
type Exec = (sql: string, params: unknown[]) => Promise<{ rows: Row[]; changes: number }>;
type Tx = (statements: [string, unknown[]][]) => Promise<void>;

class SqlIdentityState implements IdentityStateStore {
  readonly #q: Exec;
  readonly #tx: Tx;
  constructor(q: Exec, tx: Tx) {
    this.#q = q;
    this.#tx = tx;
  }
  addTicket: IdentityStateStore['addTicket'] = async (t) => {
    await this.#q('INSERT INTO mfa_enrollment_tickets VALUES (?, ?, ?, ?, NULL)', [
      t.hash,
      t.userId,
      t.createdAt,
      t.expiresAt,
    ]);
  };
  useTicket: IdentityStateStore['useTicket'] = async (hash, userId, now) =>
    (
      await this.#q(
        'UPDATE mfa_enrollment_tickets SET used_at = ? WHERE hash = ? AND user_id = ? AND used_at IS NULL AND expires_at > ?',
        [now, hash, userId, now],
      )
    ).changes > 0;
  setPendingTotp: IdentityStateStore['setPendingTotp'] = async (userId, secretEnc, tokenId, at) => {
    await this.#q(
      'INSERT INTO totp_pending VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET secret_enc = excluded.secret_enc, token_id = excluded.token_id, created_at = excluded.created_at',
      [userId, secretEnc, tokenId, at],
    );
  };
  pendingTotp: IdentityStateStore['pendingTotp'] = async (userId, tokenId) => {
    const r = (
      await this.#q('SELECT secret_enc FROM totp_pending WHERE user_id = ? AND token_id = ?', [
        userId,
        tokenId,
      ])
    ).rows[0];
    return r ? String(r.secret_enc) : null;
  };
  confirmTotp: IdentityStateStore['confirmTotp'] = async (userId, tokenId, at) => {
    const secret = await this.pendingTotp(userId, tokenId);
    if (secret === null) return false;
    await this.#tx([
      ['UPDATE users SET totp_secret_enc = ?, mfa_enrolled_at = ? WHERE id = ?', [secret, at, userId]],
      ['DELETE FROM totp_pending WHERE user_id = ?', [userId]],
      ['DELETE FROM mfa_factors WHERE user_id = ? AND factor = ?', [userId, 'totp']],
      ['INSERT INTO mfa_factors VALUES (?, ?, ?, ?)', [userId, 'totp', tokenId, at]],
    ]);
    return true;
  };
  recordFactor: IdentityStateStore['recordFactor'] = async (userId, factor, tokenId, at) => {
    await this.#q(
      'INSERT INTO mfa_factors VALUES (?, ?, ?, ?) ON CONFLICT (user_id, factor) DO UPDATE SET token_id = excluded.token_id, enrolled_at = excluded.enrolled_at',
      [userId, factor, tokenId, at],
    );
  };
  factorEnrolledBy: IdentityStateStore['factorEnrolledBy'] = async (userId, factor) => {
    const r = (
      await this.#q('SELECT token_id FROM mfa_factors WHERE user_id = ? AND factor = ?', [userId, factor])
    ).rows[0];
    return r ? String(r.token_id) : null;
  };
  removeFactors: IdentityStateStore['removeFactors'] = async (userId) => {
    await this.#tx([
      ['UPDATE users SET totp_secret_enc = NULL, mfa_enrolled_at = NULL WHERE id = ?', [userId]],
      ['DELETE FROM totp_pending WHERE user_id = ?', [userId]],
      ['DELETE FROM webauthn_credentials WHERE user_id = ?', [userId]],
      ['DELETE FROM mfa_factors WHERE user_id = ?', [userId]],
    ]);
  };
  acceptTotpStep: IdentityStateStore['acceptTotpStep'] = async (userId, step) =>
    (
      await this.#q(
        'INSERT INTO totp_steps VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET step = excluded.step WHERE totp_steps.step < excluded.step',
        [userId, step],
      )
    ).changes > 0;
  addFailure: IdentityStateStore['addFailure'] = async (key, windowStart) =>
    Number(
      (
        await this.#q(
          'INSERT INTO auth_failures VALUES (?, ?, 1) ON CONFLICT (key, window_start) DO UPDATE SET count = auth_failures.count + 1 RETURNING count',
          [key, windowStart],
        )
      ).rows[0]?.count ?? 0,
    );
  forgiveFailure: IdentityStateStore['forgiveFailure'] = async (key, windowStart) => {
    await this.#q(
      'UPDATE auth_failures SET count = count - 1 WHERE key = ? AND window_start = ? AND count > 0',
      [key, windowStart],
    );
  };
  failures: IdentityStateStore['failures'] = async (key, since) => {
    const row = (
      await this.#q(
        'SELECT COALESCE(SUM(count), 0) AS n, (SELECT generation FROM credential_generation) AS g FROM auth_failures WHERE key = ? AND window_start >= ?',
        [key, since],
      )
    ).rows[0];
    return { count: Number(row?.n ?? 0), credentials: String(row?.g) };
  };
  clearFailures: IdentityStateStore['clearFailures'] = async (key) => {
    await this.#q('DELETE FROM auth_failures WHERE key = ?', [key]);
  };
  useOnce: IdentityStateStore['useOnce'] = async (key, expiresAt) =>
    (await this.#q('INSERT INTO used_once VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [key, expiresAt]))
      .changes > 0;
  purge: IdentityStateStore['purge'] = async (before) => {
    await this.#q('DELETE FROM auth_failures WHERE window_start < ?', [before]);
    await this.#q('DELETE FROM used_once WHERE expires_at < ?', [before]);
    await this.#q('DELETE FROM mfa_enrollment_tickets WHERE expires_at < ?', [before]);
  };
}

export function sqliteIdentityState(db: Database.Database): IdentityStateStore {
  const prepare = preparer(db);
  const run = (sql: string, params: unknown[]) => {
    const statement = prepare(sql);
    if (statement.reader) return { rows: statement.all(...params) as Row[], changes: 0 };
    return { rows: [], changes: statement.run(...params).changes };
  };
  return new SqlIdentityState(
    async (sql, params) => run(sql, params),
    async (statements) => db.transaction(() => statements.forEach(([sql, p]) => run(sql, p)))(),
  );
}

const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

export function postgresIdentityState(pool: pg.Pool): IdentityStateStore {
  return new SqlIdentityState(
    async (sql, params) => {
      const r = await pool.query(numbered(sql), params);
      return { rows: r.rows as Row[], changes: r.rowCount ?? 0 };
    },
    async (statements) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const [sql, p] of statements) await client.query(numbered(sql), p);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  );
}
