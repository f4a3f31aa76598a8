import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { SqliteCiExchanges } from './ci-exchanges.js';
import { sqliteIdentityState, type IdentityStateStore } from './identity-state.js';
import { SqliteManagedSettings } from './managed-settings.js';
import { SqliteReplicas } from './replicas.js';
import { SqliteRevokedInstances } from './revoked-instances.js';
import { SqlitePolicyBundles } from './policy-bundles-sqlite.js';
import {
  AUDIT_INSERT_COLUMNS,
  auditFromRow,
  auditSearchSql,
  auditToParams,
  checkAnchor,
} from './audit-sql.js';
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
import { preparer } from './sqlite-statements.js';
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

/** The embedded default: one SQLite file, WAL mode, synchronous=FULL so an acknowledged write survives a crash. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly policyBundles: SqlitePolicyBundles;
  readonly ciExchanges: SqliteCiExchanges;
  readonly identityState: IdentityStateStore;
  readonly managedSettings: SqliteManagedSettings;
  readonly replicas: SqliteReplicas;
  readonly revokedInstances: SqliteRevokedInstances;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    this.policyBundles = new SqlitePolicyBundles(this.#db);
    this.ciExchanges = new SqliteCiExchanges(this.#db);
    this.identityState = sqliteIdentityState(this.#db);
    this.managedSettings = new SqliteManagedSettings(this.#db);
    this.replicas = new SqliteReplicas(this.#db);
    this.revokedInstances = new SqliteRevokedInstances(this.#db);
  }

  migrate(): Promise<void> {
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const applied = new Set(
      (this.#db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) =>
        Number(r.version),
      ),
    );
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.#db.transaction(() => {
        this.#db.exec(m.sql);
        this.#db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      })();
    }
    return Promise.resolve();
  }

  ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return Promise.resolve();
  }

  #prepare(sql: string): Database.Statement {
    return preparer(this.#db)(sql);
  }
  #all(sql: string, ...params: unknown[]): Row[] {
    return this.#prepare(sql).all(...params) as Row[];
  }
  #get(sql: string, ...params: unknown[]): Row | undefined {
    return this.#prepare(sql).get(...params) as Row | undefined;
  }
  #run(sql: string, ...params: unknown[]): number {
    return this.#prepare(sql).run(...params).changes;
  }

  countUsers = async () => Number(this.#get('SELECT COUNT(*) AS n FROM users')?.n ?? 0);
  createUser = async (u: Parameters<Store['createUser']>[0]) => {
    this.#run(
      `INSERT INTO users (${USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ...userToParams(u),
      u.disabled ? 1 : 0,
      u.ssoGroupsAt ?? null,
    );
  };
  getUserById = async (id: string) => {
    const r = this.#get('SELECT * FROM users WHERE id = ?', id);
    return r ? userFromRow(r) : null;
  };
  getUserByName = async (name: string) => {
    const r = this.#get('SELECT * FROM users WHERE name = ?', name);
    return r ? userFromRow(r) : null;
  };
  listUsers = async () => this.#all('SELECT * FROM users ORDER BY name').map(userFromRow);
  updateUserMfa = async (id: string, secret: string | null, enrolledAt: number | null) => {
    this.#run(
      'UPDATE users SET totp_secret_enc = ?, mfa_enrolled_at = ? WHERE id = ?',
      secret,
      enrolledAt,
      id,
    );
  };

  updateUserGroups = async (id: string, groups: string[], ssoAt?: number) => {
    if (ssoAt === undefined)
      this.#run('UPDATE users SET groups_json = ? WHERE id = ?', JSON.stringify(groups), id);
    else
      this.#run(
        'UPDATE users SET groups_json = ?, sso_groups_at = ? WHERE id = ?',
        JSON.stringify(groups),
        ssoAt,
        id,
      );
  };
  getSsoUserId = async (issuer: string, subject: string) => {
    const r = this.#get(
      'SELECT user_id FROM sso_identities WHERE issuer = ? AND subject = ?',
      issuer,
      subject,
    );
    return r ? String(r.user_id) : null;
  };
  linkSsoIdentity = async (issuer: string, subject: string, userId: string, at: number) => {
    this.#run('INSERT INTO sso_identities VALUES (?, ?, ?, ?)', issuer, subject, userId, at);
  };
  addWebauthnCredential = async (c: WebauthnCredentialRecord) => {
    this.#run('INSERT INTO webauthn_credentials VALUES (?, ?, ?, ?, ?, ?, ?)', ...webauthnToParams(c));
  };
  listWebauthnCredentials = async (userId: string) =>
    this.#all('SELECT * FROM webauthn_credentials WHERE user_id = ? ORDER BY created_at', userId).map(
      webauthnFromRow,
    );
  touchWebauthnCredential = async (id: string, counter: number, at: number) =>
    this.#run('UPDATE webauthn_credentials SET counter = ?, last_used_at = ? WHERE id = ?', counter, at, id) >
    0;

  createToken = async (t: Parameters<Store['createToken']>[0]) => {
    this.#run(
      'INSERT INTO tokens (id, user_id, kind, hash, created_at, expires_at, revoked_at, mfa_at, label, login_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ...tokenToParams(t),
    );
  };
  getTokenByHash = async (hash: string) => {
    const r = this.#get('SELECT * FROM tokens WHERE hash = ?', hash);
    return r ? tokenFromRow(r) : null;
  };
  getTokenById = async (id: string) => {
    const r = this.#get('SELECT * FROM tokens WHERE id = ?', id);
    return r ? tokenFromRow(r) : null;
  };
  listTokens = async (userId: string) =>
    this.#all('SELECT * FROM tokens WHERE user_id = ? ORDER BY created_at', userId).map(tokenFromRow);
  revokeToken = async (id: string, at: number) =>
    this.#run('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', at, id) > 0;
  revokeTokensOfLogin = async (loginId: string, at: number) =>
    this.#run('UPDATE tokens SET revoked_at = ? WHERE login_id = ? AND revoked_at IS NULL', at, loginId);
  setTokenMfaAt = async (id: string, at: number) => {
    this.#run('UPDATE tokens SET mfa_at = ? WHERE id = ?', at, id);
  };

  createAgent = async (a: Parameters<Store['createAgent']>[0]) => {
    this.#run('INSERT INTO agents VALUES (?, ?, ?, ?, ?, ?, ?, ?)', ...agentToParams(a));
  };
  getAgentByName = async (name: string) => {
    const r = this.#get('SELECT * FROM agents WHERE name = ?', name);
    return r ? agentFromRow(r) : null;
  };
  getAgentByCredentialHash = async (hash: string) => {
    const r = this.#get('SELECT * FROM agents WHERE credential_hash = ?', hash);
    return r ? agentFromRow(r) : null;
  };
  listAgents = async () => this.#all('SELECT * FROM agents ORDER BY name').map(agentFromRow);
  updateAgent = async (a: Parameters<Store['updateAgent']>[0]) => {
    this.#run(
      'UPDATE agents SET env = ?, owner = ?, tags_json = ?, credential_hash = ?, revoked_at = ? WHERE id = ?',
      a.env,
      a.owner,
      JSON.stringify(a.tags),
      a.credentialHash,
      a.revokedAt,
      a.id,
    );
  };
  setUserDisabled = async (id: string, disabled: boolean) => {
    this.#run('UPDATE users SET disabled = ? WHERE id = ?', disabled ? 1 : 0, id);
  };
  replacePasswordHash = async (id: string, expected: string, next: string) =>
    this.#run('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?', next, id, expected) >
    0;

  createRequest = async (r: AccessRequestRecord) => {
    this.#run(
      'INSERT INTO access_requests VALUES (?, ?, ?, ?, ?, ?)',
      r.id,
      r.requesterId,
      r.status,
      r.version,
      r.createdAt,
      JSON.stringify(r),
    );
  };
  getRequest = async (id: string) => {
    const r = this.#get('SELECT record_json FROM access_requests WHERE id = ?', id);
    return r ? requestFromRow(r) : null;
  };
  getRequestAndTarget = async (id: string) => {
    const r = this.#get(
      "SELECT r.record_json, a.* FROM access_requests r LEFT JOIN agents a ON a.name = json_extract(r.record_json, '$.target') WHERE r.id = ?",
      id,
    );
    return { request: r ? requestFromRow(r) : null, target: r && r.id !== null ? agentFromRow(r) : null };
  };
  listRequests = async (filter: RequestFilter) => {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.requesterId !== undefined) {
      clauses.push('requester_id = ?');
      params.push(filter.requesterId);
    }
    if (filter.approverId !== undefined) {
      clauses.push("id IN (SELECT request_id FROM approvals WHERE approver_id = ? AND verdict = 'approve')");
      params.push(filter.approverId);
    }
    if (filter.status?.length) {
      clauses.push(`status IN (${filter.status.map(() => '?').join(', ')})`);
      params.push(...filter.status);
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    return this.#all(
      `SELECT record_json FROM access_requests ${where} ORDER BY created_at DESC LIMIT ?`,
      ...params,
      filter.limit ?? 200,
    ).map(requestFromRow);
  };
  listLiveRequests = async () =>
    this.#all("SELECT record_json FROM access_requests WHERE status IN ('pending', 'active')").map(
      requestFromRow,
    );
  updateRequest = async (next: AccessRequestRecord, expectedVersion: number) =>
    this.#run(
      'UPDATE access_requests SET status = ?, version = ?, record_json = ? WHERE id = ? AND version = ?',
      next.status,
      next.version,
      JSON.stringify(next),
      next.id,
      expectedVersion,
    ) > 0;
  addApproval = async (a: ApprovalRecord) =>
    this.#run(
      'INSERT INTO approvals VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id, approver_id) DO NOTHING',
      a.requestId,
      a.approverId,
      a.verdict,
      a.digest,
      a.comment,
      a.createdAt,
      a.approverName,
    ) > 0;
  listApprovals = async (requestId: string) =>
    this.#all('SELECT * FROM approvals WHERE request_id = ? ORDER BY created_at', requestId).map(
      approvalFromRow,
    );

  appendAudit = async (build: (head: ChainHead | null) => AuditRow[], anchor?: ChainHead | null) => {
    const insert = this.#prepare(
      `INSERT INTO audit_events (${AUDIT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const tx = this.#db.transaction(() => {
      const head = this.#auditHead();
      checkAnchor(head, anchor, anchor ? this.#hashAt(anchor.seq) : null);
      const rows = build(head);
      for (const row of rows) insert.run(...auditToParams(row));
      return rows;
    });
    return tx.immediate();
  };
  #auditHead(): ChainHead | null {
    const head = this.#get('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    return head ? { seq: Number(head.seq), hash: String(head.hash) } : null;
  }
  #hashAt(seq: number): string | null {
    const row = this.#get('SELECT hash FROM audit_events WHERE seq = ?', seq);
    return row ? String(row.hash) : null;
  }
  auditHead = async () => this.#auditHead();
  auditHashAt = async (seq: number) => this.#hashAt(seq);
  queryAudit = async (filter: Parameters<Store['queryAudit']>[0]) => {
    const { sql, params, reverse } = auditSearchSql(filter, () => '?');
    const rows = this.#all(sql, ...params).map(auditFromRow);
    return reverse ? rows.reverse() : rows;
  };
  readAuditAfter = async (afterSeq: number, limit: number) =>
    this.#all('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?', afterSeq, limit).map(
      auditFromRow,
    );
  addCheckpoint = async (seq: number, checkpoint: string) => {
    this.#run('INSERT INTO audit_checkpoints VALUES (?, ?) ON CONFLICT (seq) DO NOTHING', seq, checkpoint);
  };
  readCheckpoints = async (afterSeq: number, uptoSeq: number) =>
    this.#all(
      'SELECT seq, checkpoint FROM audit_checkpoints WHERE seq > ? AND seq <= ? ORDER BY seq',
      afterSeq,
      uptoSeq,
    ).map((r) => ({ seq: Number(r.seq), checkpoint: String(r.checkpoint as string) }));
  latestCheckpoint = async (uptoSeq?: number) => {
    const r = this.#get(
      'SELECT seq, checkpoint FROM audit_checkpoints WHERE seq <= ? ORDER BY seq DESC LIMIT 1',
      uptoSeq ?? Number.MAX_SAFE_INTEGER,
    );
    return r ? { seq: Number(r.seq), checkpoint: String(r.checkpoint) } : null;
  };
  saveRecording = async (x: RecordingRecord) => {
    this.#run('INSERT INTO recordings VALUES (?, ?, ?, ?, ?, ?, ?, ?)', ...recordingToParams(x));
  };
  getRecording = async (id: string) => {
    const r = this.#get('SELECT * FROM recordings WHERE id = ?', id);
    return r ? recordingFromRow(r) : null;
  };
  listRecordings = async (filter: RecordingFilter) => {
    const { where, params } = recordingWhere(filter, () => '?');
    const limit = filter.sessionId === undefined ? ' LIMIT 500' : '';
    return this.#all(
      `SELECT ${RECORDING_COLUMNS} FROM recordings${where} ORDER BY created_at DESC${limit}`,
      ...params,
    ).map(recordingFromRow);
  };
  getSinkCursor = async (sink: string) =>
    Number(this.#get('SELECT seq FROM sink_cursors WHERE sink = ?', sink)?.seq ?? 0);
  setSinkCursor = async (sink: string, seq: number) => {
    this.#run(
      'INSERT INTO sink_cursors VALUES (?, ?) ON CONFLICT (sink) DO UPDATE SET seq = excluded.seq',
      sink,
      seq,
    );
  };
}
