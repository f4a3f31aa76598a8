import pg from 'pg';
import { GloveboxError } from '@glovebox/core';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { PostgresCiExchanges } from './ci-exchanges.js';
import { postgresIdentityState, type IdentityStateStore } from './identity-state.js';
import { PostgresManagedSettings } from './managed-settings.js';
import { PostgresReplicas } from './replicas.js';
import { PostgresRevokedInstances } from './revoked-instances.js';
import { PostgresPolicyBundles } from './policy-bundles-postgres.js';
import { appendAuditPostgres } from './audit-append-postgres.js';
import { AUDIT_LOCK, auditFromRow, auditSearchSql } from './audit-sql.js';
import {
  agentFromRow,
  agentToParams,
  approvalFromRow,
  RECORDING_COLUMNS,
  recordingFromRow,
  recordingToParams,
  recordingWhere,
  requestFromRow,
  tokenFromRow,
  tokenToParams,
  userFromRow,
  userToParams,
  USER_COLUMNS,
  webauthnFromRow,
  webauthnToParams,
} from './rows.js';
import type { RecordingFilter, Store } from './store.js';
import type {
  AccessRequestRecord,
  ApprovalRecord,
  AuditRow,
  ChainHead,
  RecordingRecord,
  RequestFilter,
  WebauthnCredentialRecord,
} from './types.js';

type Row = Record<string, unknown>;

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding Glovebox's tables; created if missing. Lets several deployments or test runs share a database. */
  schema?: string;
  max?: number;
}

/**
 * The start-up error when PostgreSQL cannot be reached or refuses the connection: GBX_STORE_UNAVAILABLE
 * naming host:port and the driver's reason, never the password of the connection string.
 */
function unreachable(connectionString: string, err: unknown): GloveboxError {
  const url = new URL(connectionString);
  const host = url.searchParams.get('host') ?? url.hostname;
  const where = `${host || 'localhost'}:${url.port || '5432'}`;
  const password = decodeURIComponent(url.password);
  const raw = err instanceof Error ? err.message : 'failed';
  const reason = password ? raw.split(password).join('[REDACTED]') : raw;
  return new GloveboxError('GBX_STORE_UNAVAILABLE', `cannot connect to PostgreSQL at ${where}: ${reason}`);
}

/** The connection string with `search_path` set for a dedicated (non-pool) client. */
function withSearchPath(connectionString: string, schema: string): string {
  const url = new URL(connectionString);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** PostgreSQL store, for production and for several gateway replicas sharing state. */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly policyBundles: PostgresPolicyBundles;
  readonly ciExchanges: PostgresCiExchanges;
  readonly identityState: IdentityStateStore;
  readonly managedSettings: PostgresManagedSettings;
  readonly replicas: PostgresReplicas;
  readonly revokedInstances: PostgresRevokedInstances;
  readonly #connectionString: string;

  constructor(options: PostgresStoreOptions) {
    const schema = options.schema ?? 'glovebox';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new TypeError('invalid PostgreSQL schema name');
    this.#schema = schema;
    this.#connectionString = options.connectionString;
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      options: `-c search_path=${schema}`,
      connectionTimeoutMillis: 5000,
    });
    // A dropped idle connection must not crash the gateway; the next query reconnects.
    this.#pool.on('error', () => undefined);
    this.ciExchanges = new PostgresCiExchanges(this.#pool);
    this.identityState = postgresIdentityState(this.#pool);
    this.managedSettings = new PostgresManagedSettings(this.#pool);
    this.replicas = new PostgresReplicas(this.#pool);
    this.revokedInstances = new PostgresRevokedInstances(this.#pool);
    this.policyBundles = new PostgresPolicyBundles(this.#pool, {
      connectionString: withSearchPath(options.connectionString, schema),
      schema,
    });
  }

  get schema(): string {
    return this.#schema;
  }

  /** How to open a dedicated connection to the same schema (the cluster's LISTEN and locks). */
  clientConfig(): pg.ClientConfig {
    return {
      connectionString: this.#connectionString,
      options: `-c search_path=${this.#schema}`,
      connectionTimeoutMillis: 5000,
    };
  }

  async #q(sql: string, params: unknown[] = []): Promise<Row[]> {
    const result = await this.#pool.query(sql, params);
    return result.rows as Row[];
  }
  async #one(sql: string, params: unknown[] = []): Promise<Row | undefined> {
    return (await this.#q(sql, params))[0];
  }
  async #count(sql: string, params: unknown[]): Promise<number> {
    const result = await this.#pool.query(sql, params);
    return result.rowCount ?? 0;
  }

  async migrate(): Promise<void> {
    const client = await this.#pool.connect().catch((err: unknown) => {
      throw unreachable(this.#connectionString, err);
    });
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK + 1]);
      // Up to date: touch nothing, so a gateway running as a role without DDL rights starts.
      const exists = (
        await client.query('SELECT to_regclass($1) AS t', [`${this.#schema}.schema_migrations`])
      ).rows[0] as Row;
      if (exists.t !== null) {
        const done = new Set(
          (await client.query('SELECT version FROM schema_migrations')).rows.map((r: Row) =>
            Number(r.version),
          ),
        );
        if (POSTGRES_MIGRATIONS.every((m) => done.has(m.version))) {
          await client.query('COMMIT');
          return;
        }
      }
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const applied = new Set(
        (await client.query('SELECT version FROM schema_migrations')).rows.map((r: Row) => Number(r.version)),
      );
      for (const m of POSTGRES_MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          Date.now(),
        ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.#q('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /**
   * The grants for a separate, non-owner role that the gateway runs as in production: full use of
   * the working tables, but only SELECT and INSERT on the audit trail, so that even a compromised
   * gateway cannot rewrite history (the append-only triggers are the second line). Run them as the
   * schema owner after `migrate()`; see docs/postgres.md.
   */
  grantStatements(role: string): string[] {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new TypeError('invalid PostgreSQL role name');
    const s = this.#schema;
    return [
      `GRANT USAGE ON SCHEMA ${s} TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ${s}.users, ${s}.tokens, ${s}.agents, ${s}.access_requests, ${s}.approvals, ${s}.sink_cursors, ${s}.sso_identities, ${s}.webauthn_credentials TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ${s}.mfa_factors, ${s}.mfa_enrollment_tickets, ${s}.totp_pending, ${s}.totp_steps, ${s}.auth_failures TO ${role}`,
      // Updated by the triggers on tokens and users, which run with the writer's rights.
      `GRANT SELECT, UPDATE ON ${s}.credential_generation TO ${role}`,
      `GRANT SELECT ON ${s}.schema_migrations TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ${s}.replicas, ${s}.agent_routes, ${s}.shared_secrets, ${s}.used_once, ${s}.revoked_instances TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE ON ${s}.policy_replicas TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ${s}.ci_token_exchanges TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE ON ${s}.managed_settings TO ${role}`,
      `GRANT SELECT, INSERT ON ${s}.policy_bundles, ${s}.policy_activations, ${s}.policy_approvals TO ${role}`,
      `REVOKE UPDATE, DELETE, TRUNCATE ON ${s}.policy_bundles, ${s}.policy_activations, ${s}.policy_approvals FROM ${role}`,
      `GRANT SELECT, INSERT ON ${s}.audit_events, ${s}.audit_checkpoints, ${s}.recordings TO ${role}`,
      `REVOKE UPDATE, DELETE, TRUNCATE ON ${s}.audit_events, ${s}.audit_checkpoints, ${s}.recordings FROM ${role}`,
      // Runs with the caller's rights (it can only insert what the role may insert).
      `GRANT EXECUTE ON FUNCTION ${s}.glovebox_audit_append_at TO ${role}`,
    ];
  }

  /** Drops the whole schema. For tests only. */
  async dropSchema(): Promise<void> {
    await this.#q(`DROP SCHEMA IF EXISTS ${this.#schema} CASCADE`);
  }

  async countUsers(): Promise<number> {
    return Number((await this.#one('SELECT COUNT(*) AS n FROM users'))?.n ?? 0);
  }
  async createUser(u: Parameters<Store['createUser']>[0]): Promise<void> {
    const sql = `INSERT INTO users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
    await this.#q(sql, [...userToParams(u), u.disabled, u.ssoGroupsAt ?? null]);
  }
  async getUserById(id: string) {
    const r = await this.#one('SELECT * FROM users WHERE id = $1', [id]);
    return r ? userFromRow(r) : null;
  }
  async getUserByName(name: string) {
    const r = await this.#one('SELECT * FROM users WHERE name = $1', [name]);
    return r ? userFromRow(r) : null;
  }
  async listUsers() {
    return (await this.#q('SELECT * FROM users ORDER BY name')).map(userFromRow);
  }
  async updateUserMfa(id: string, secret: string | null, enrolledAt: number | null): Promise<void> {
    await this.#q('UPDATE users SET totp_secret_enc = $1, mfa_enrolled_at = $2 WHERE id = $3', [
      secret,
      enrolledAt,
      id,
    ]);
  }

  async updateUserGroups(id: string, groups: string[], ssoAt?: number): Promise<void> {
    const sso = ssoAt === undefined ? '' : ', sso_groups_at = $3';
    const params = [JSON.stringify(groups), id, ...(ssoAt === undefined ? [] : [ssoAt])];
    await this.#q(`UPDATE users SET groups_json = $1${sso} WHERE id = $2`, params);
  }
  async getSsoUserId(issuer: string, subject: string): Promise<string | null> {
    const r = await this.#one('SELECT user_id FROM sso_identities WHERE issuer = $1 AND subject = $2', [
      issuer,
      subject,
    ]);
    return r ? String(r.user_id) : null;
  }
  async linkSsoIdentity(issuer: string, subject: string, userId: string, at: number): Promise<void> {
    await this.#q('INSERT INTO sso_identities VALUES ($1, $2, $3, $4)', [issuer, subject, userId, at]);
  }
  async addWebauthnCredential(c: WebauthnCredentialRecord): Promise<void> {
    await this.#q(
      'INSERT INTO webauthn_credentials VALUES ($1, $2, $3, $4, $5, $6, $7)',
      webauthnToParams(c),
    );
  }
  async listWebauthnCredentials(userId: string): Promise<WebauthnCredentialRecord[]> {
    return (
      await this.#q('SELECT * FROM webauthn_credentials WHERE user_id = $1 ORDER BY created_at', [userId])
    ).map(webauthnFromRow);
  }
  async touchWebauthnCredential(id: string, counter: number, at: number): Promise<boolean> {
    const result = await this.#pool.query(
      'UPDATE webauthn_credentials SET counter = $1, last_used_at = $2 WHERE id = $3',
      [counter, at, id],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async createToken(t: Parameters<Store['createToken']>[0]): Promise<void> {
    await this.#q(
      'INSERT INTO tokens (id, user_id, kind, hash, created_at, expires_at, revoked_at, mfa_at, label, login_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      tokenToParams(t),
    );
  }
  async getTokenByHash(hash: string) {
    const r = await this.#one('SELECT * FROM tokens WHERE hash = $1', [hash]);
    return r ? tokenFromRow(r) : null;
  }
  async getTokenById(id: string) {
    const r = await this.#one('SELECT * FROM tokens WHERE id = $1', [id]);
    return r ? tokenFromRow(r) : null;
  }
  async listTokens(userId: string) {
    return (await this.#q('SELECT * FROM tokens WHERE user_id = $1 ORDER BY created_at', [userId])).map(
      tokenFromRow,
    );
  }
  async revokeToken(id: string, at: number): Promise<boolean> {
    const sql = 'UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL';
    return (await this.#count(sql, [at, id])) > 0;
  }
  async revokeTokensOfLogin(loginId: string, at: number): Promise<number> {
    const sql = 'UPDATE tokens SET revoked_at = $1 WHERE login_id = $2 AND revoked_at IS NULL';
    return this.#count(sql, [at, loginId]);
  }
  async setTokenMfaAt(id: string, at: number): Promise<void> {
    await this.#q('UPDATE tokens SET mfa_at = $1 WHERE id = $2', [at, id]);
  }

  async createAgent(a: Parameters<Store['createAgent']>[0]): Promise<void> {
    await this.#q('INSERT INTO agents VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', agentToParams(a));
  }
  async getAgentByName(name: string) {
    const r = await this.#one('SELECT * FROM agents WHERE name = $1', [name]);
    return r ? agentFromRow(r) : null;
  }
  async getAgentByCredentialHash(hash: string) {
    const r = await this.#one('SELECT * FROM agents WHERE credential_hash = $1', [hash]);
    return r ? agentFromRow(r) : null;
  }
  async updateAgent(a: Parameters<Store['updateAgent']>[0]): Promise<void> {
    await this.#q(
      'UPDATE agents SET env = $1, owner = $2, tags_json = $3, credential_hash = $4, revoked_at = $5 WHERE id = $6',
      [a.env, a.owner, JSON.stringify(a.tags), a.credentialHash, a.revokedAt, a.id],
    );
  }
  async setUserDisabled(id: string, disabled: boolean): Promise<void> {
    await this.#q('UPDATE users SET disabled = $1 WHERE id = $2', [disabled, id]);
  }
  async replacePasswordHash(id: string, expected: string, next: string): Promise<boolean> {
    return (
      (await this.#count('UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3', [
        next,
        id,
        expected,
      ])) > 0
    );
  }
  async listAgents() {
    return (await this.#q('SELECT * FROM agents ORDER BY name')).map(agentFromRow);
  }

  async createRequest(r: AccessRequestRecord): Promise<void> {
    await this.#q('INSERT INTO access_requests VALUES ($1, $2, $3, $4, $5, $6)', [
      r.id,
      r.requesterId,
      r.status,
      r.version,
      r.createdAt,
      JSON.stringify(r),
    ]);
  }
  async getRequest(id: string) {
    const r = await this.#one('SELECT record_json FROM access_requests WHERE id = $1', [id]);
    return r ? requestFromRow(r) : null;
  }
  async getRequestAndTarget(id: string) {
    const r = await this.#one(
      "SELECT r.record_json, a.* FROM access_requests r LEFT JOIN agents a ON a.name = r.record_json::jsonb ->> 'target' WHERE r.id = $1",
      [id],
    );
    return { request: r ? requestFromRow(r) : null, target: r && r.id !== null ? agentFromRow(r) : null };
  }
  async listRequests(filter: RequestFilter) {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.requesterId !== undefined) {
      params.push(filter.requesterId);
      clauses.push(`requester_id = $${params.length}`);
    }
    if (filter.approverId !== undefined) {
      params.push(filter.approverId);
      clauses.push(
        `id IN (SELECT request_id FROM approvals WHERE approver_id = $${params.length} AND verdict = 'approve')`,
      );
    }
    if (filter.status?.length) {
      params.push(filter.status);
      clauses.push(`status = ANY($${params.length})`);
    }
    params.push(filter.limit ?? 200);
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    return (
      await this.#q(
        `SELECT record_json FROM access_requests ${where} ORDER BY created_at DESC LIMIT $${params.length}`,
        params,
      )
    ).map(requestFromRow);
  }
  async listLiveRequests() {
    return (
      await this.#q("SELECT record_json FROM access_requests WHERE status IN ('pending', 'active')")
    ).map(requestFromRow);
  }
  async updateRequest(next: AccessRequestRecord, expectedVersion: number): Promise<boolean> {
    return (
      (await this.#count(
        'UPDATE access_requests SET status = $1, version = $2, record_json = $3 WHERE id = $4 AND version = $5',
        [next.status, next.version, JSON.stringify(next), next.id, expectedVersion],
      )) > 0
    );
  }
  async addApproval(a: ApprovalRecord): Promise<boolean> {
    return (
      (await this.#count(
        'INSERT INTO approvals VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (request_id, approver_id) DO NOTHING',
        [a.requestId, a.approverId, a.verdict, a.digest, a.comment, a.createdAt, a.approverName],
      )) > 0
    );
  }
  async listApprovals(requestId: string) {
    return (
      await this.#q('SELECT * FROM approvals WHERE request_id = $1 ORDER BY created_at', [requestId])
    ).map(approvalFromRow);
  }

  appendAudit(build: (head: ChainHead | null) => AuditRow[], anchor?: ChainHead | null) {
    return appendAuditPostgres(this.#pool, build, anchor);
  }
  async auditHead(): Promise<ChainHead | null> {
    const r = await this.#one('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    return r ? { seq: Number(r.seq), hash: String(r.hash) } : null;
  }
  async auditHashAt(seq: number): Promise<string | null> {
    const r = await this.#one('SELECT hash FROM audit_events WHERE seq = $1', [seq]);
    return r ? String(r.hash) : null;
  }
  async queryAudit(filter: Parameters<Store['queryAudit']>[0]) {
    const { sql, params, reverse } = auditSearchSql(filter, (i) => `$${i}`);
    const rows = (await this.#q(sql, params)).map(auditFromRow);
    return reverse ? rows.reverse() : rows;
  }
  async readAuditAfter(afterSeq: number, limit: number) {
    return (
      await this.#q('SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit])
    ).map(auditFromRow);
  }
  async addCheckpoint(seq: number, checkpoint: string): Promise<void> {
    await this.#q('INSERT INTO audit_checkpoints VALUES ($1, $2) ON CONFLICT (seq) DO NOTHING', [
      seq,
      checkpoint,
    ]);
  }
  async readCheckpoints(afterSeq: number, uptoSeq: number) {
    return (
      await this.#q(
        'SELECT seq, checkpoint FROM audit_checkpoints WHERE seq > $1 AND seq <= $2 ORDER BY seq',
        [afterSeq, uptoSeq],
      )
    ).map((r) => ({ seq: Number(r.seq), checkpoint: String(r.checkpoint as string) }));
  }
  async latestCheckpoint(uptoSeq?: number) {
    const r = await this.#one(
      'SELECT seq, checkpoint FROM audit_checkpoints WHERE seq <= $1 ORDER BY seq DESC LIMIT 1',
      [uptoSeq ?? Number.MAX_SAFE_INTEGER],
    );
    return r ? { seq: Number(r.seq), checkpoint: String(r.checkpoint) } : null;
  }
  async saveRecording(x: RecordingRecord): Promise<void> {
    await this.#q('INSERT INTO recordings VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', recordingToParams(x));
  }
  async getRecording(id: string) {
    const r = await this.#one('SELECT * FROM recordings WHERE id = $1', [id]);
    return r ? recordingFromRow(r) : null;
  }
  async listRecordings(filter: RecordingFilter) {
    let n = 0;
    const { where, params } = recordingWhere(filter, () => `$${++n}`);
    const limit = filter.sessionId === undefined ? ' LIMIT 500' : '';
    const rows = await this.#q(
      `SELECT ${RECORDING_COLUMNS} FROM recordings${where} ORDER BY created_at DESC${limit}`,
      params,
    );
    return rows.map(recordingFromRow);
  }
  async getSinkCursor(sink: string): Promise<number> {
    return Number((await this.#one('SELECT seq FROM sink_cursors WHERE sink = $1', [sink]))?.seq ?? 0);
  }
  async setSinkCursor(sink: string, seq: number): Promise<void> {
    await this.#q(
      'INSERT INTO sink_cursors VALUES ($1, $2) ON CONFLICT (sink) DO UPDATE SET seq = excluded.seq',
      [sink, seq],
    );
  }
}
