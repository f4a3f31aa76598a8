import type Database from 'better-sqlite3';
import type pg from 'pg';

/** One CI provider token exchanged for a Glovebox token. */
export interface CiExchangeRecord {
  /** The CI token's `jti` (or its SHA-256 when it has none), with its issuer: used once only. */
  tokenKey: string;
  issuer: string;
  subject: string;
  /** The claims the gateway verified and keeps (repository, ref, commit, run…). */
  claims: Record<string, string>;
  /** When the CI token expires; the row may be purged after that. */
  expiresAt: number;
  exchangedAt: number;
}

/** Replay protection and provenance of CI token exchanges. */
export interface CiExchangeStore {
  /** Records a CI token's one use; false when it was used before (a replay). */
  claim(record: CiExchangeRecord): Promise<boolean>;
  /** Links the Glovebox token issued for a claimed CI token. */
  bindToken(tokenKey: string, tokenId: string): Promise<void>;
  /** The verified CI claims behind a Glovebox token, or null when it was not issued by an exchange. */
  claimsOfToken(tokenId: string): Promise<Record<string, string> | null>;
  /** Forgets uses of CI tokens that expired before `before` (they can no longer be replayed). */
  purgeExpired(before: number): Promise<number>;
}

type Row = Record<string, unknown>;
const claimsOf = (r: Row | undefined): Record<string, string> | null =>
  r ? (JSON.parse(String(r.claims_json)) as Record<string, string>) : null;

export class SqliteCiExchanges implements CiExchangeStore {
  readonly #db: Database.Database;
  constructor(db: Database.Database) {
    this.#db = db;
  }
  claim: CiExchangeStore['claim'] = async (r) =>
    this.#db
      .prepare(
        'INSERT INTO ci_token_exchanges VALUES (?, ?, ?, NULL, ?, ?, ?) ON CONFLICT (token_key) DO NOTHING',
      )
      .run(r.tokenKey, r.issuer, r.subject, JSON.stringify(r.claims), r.expiresAt, r.exchangedAt).changes > 0;
  bindToken: CiExchangeStore['bindToken'] = async (tokenKey, tokenId) => {
    this.#db.prepare('UPDATE ci_token_exchanges SET token_id = ? WHERE token_key = ?').run(tokenId, tokenKey);
  };
  claimsOfToken: CiExchangeStore['claimsOfToken'] = async (tokenId) =>
    claimsOf(
      this.#db.prepare('SELECT claims_json FROM ci_token_exchanges WHERE token_id = ?').get(tokenId) as
        Row | undefined,
    );
  purgeExpired: CiExchangeStore['purgeExpired'] = async (before) =>
    this.#db.prepare('DELETE FROM ci_token_exchanges WHERE expires_at < ?').run(before).changes;
}

export class PostgresCiExchanges implements CiExchangeStore {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }
  claim: CiExchangeStore['claim'] = async (r) =>
    ((
      await this.#pool.query(
        'INSERT INTO ci_token_exchanges VALUES ($1, $2, $3, NULL, $4, $5, $6) ON CONFLICT (token_key) DO NOTHING',
        [r.tokenKey, r.issuer, r.subject, JSON.stringify(r.claims), r.expiresAt, r.exchangedAt],
      )
    ).rowCount ?? 0) > 0;
  bindToken: CiExchangeStore['bindToken'] = async (tokenKey, tokenId) => {
    await this.#pool.query('UPDATE ci_token_exchanges SET token_id = $1 WHERE token_key = $2', [
      tokenId,
      tokenKey,
    ]);
  };
  claimsOfToken: CiExchangeStore['claimsOfToken'] = async (tokenId) =>
    claimsOf(
      (await this.#pool.query('SELECT claims_json FROM ci_token_exchanges WHERE token_id = $1', [tokenId]))
        .rows[0] as Row | undefined,
    );
  purgeExpired: CiExchangeStore['purgeExpired'] = async (before) =>
    (await this.#pool.query('DELETE FROM ci_token_exchanges WHERE expires_at < $1', [before])).rowCount ?? 0;
}
