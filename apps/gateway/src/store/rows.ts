import type { RecordingFilter } from './store.js';
import type {
  AccessRequestRecord,
  AgentRecord,
  ApprovalRecord,
  RecordingRecord,
  TokenRecord,
  UserRecord,
  WebauthnCredentialRecord,
} from './types.js';

/** Row <-> record mapping shared by both stores. Numbers may arrive as strings from PostgreSQL BIGINT. */
type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const str = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : str(v));

export function userFromRow(r: Row): UserRecord {
  return {
    id: str(r.id),
    name: str(r.name),
    groups: JSON.parse(str(r.groups_json)) as string[],
    passwordHash: strOrNull(r.password_hash),
    totpSecretEnc: strOrNull(r.totp_secret_enc),
    mfaEnrolledAt: numOrNull(r.mfa_enrolled_at),
    createdAt: num(r.created_at),
    disabled: Boolean(r.disabled),
    ssoGroupsAt: numOrNull(r.sso_groups_at),
  };
}

/** The columns `userToParams` fills, then `disabled` and `sso_groups_at`. */
export const USER_COLUMNS =
  'id, name, groups_json, password_hash, totp_secret_enc, mfa_enrolled_at, created_at, disabled, sso_groups_at';

export function userToParams(u: UserRecord): unknown[] {
  return [
    u.id,
    u.name,
    JSON.stringify(u.groups),
    u.passwordHash,
    u.totpSecretEnc,
    u.mfaEnrolledAt,
    u.createdAt,
  ];
}

export function tokenFromRow(r: Row): TokenRecord {
  return {
    id: str(r.id),
    userId: str(r.user_id),
    kind: str(r.kind) as TokenRecord['kind'],
    hash: str(r.hash),
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
    revokedAt: numOrNull(r.revoked_at),
    mfaAt: numOrNull(r.mfa_at),
    label: strOrNull(r.label),
    loginId: strOrNull(r.login_id),
  };
}

export function tokenToParams(t: TokenRecord): unknown[] {
  return [t.id, t.userId, t.kind, t.hash, t.createdAt, t.expiresAt, t.revokedAt, t.mfaAt, t.label, t.loginId];
}

export function agentFromRow(r: Row): AgentRecord {
  return {
    id: str(r.id),
    name: str(r.name),
    env: str(r.env),
    owner: str(r.owner),
    tags: JSON.parse(str(r.tags_json)) as Record<string, string>,
    credentialHash: str(r.credential_hash),
    createdAt: num(r.created_at),
    revokedAt: numOrNull(r.revoked_at),
  };
}

export function agentToParams(a: AgentRecord): unknown[] {
  return [a.id, a.name, a.env, a.owner, JSON.stringify(a.tags), a.credentialHash, a.createdAt, a.revokedAt];
}

export function requestFromRow(r: Row): AccessRequestRecord {
  return JSON.parse(str(r.record_json)) as AccessRequestRecord;
}

export function approvalFromRow(r: Row): ApprovalRecord {
  return {
    requestId: str(r.request_id),
    approverId: str(r.approver_id),
    approverName: str(r.approver_name),
    verdict: str(r.verdict) as ApprovalRecord['verdict'],
    digest: str(r.digest),
    comment: strOrNull(r.comment),
    createdAt: num(r.created_at),
  };
}

/** Every recording column but its content. */
export const RECORDING_COLUMNS = 'id, session_id, action, actor, created_at, chunks, bytes';

export function recordingFromRow(r: Row): RecordingRecord {
  return {
    id: str(r.id),
    sessionId: str(r.session_id),
    action: str(r.action),
    actor: str(r.actor),
    createdAt: num(r.created_at),
    chunks: num(r.chunks),
    bytes: num(r.bytes),
    cast: r.cast_text === undefined ? '' : str(r.cast_text),
  };
}

/** The WHERE clause of a recording listing; `param` renders the next placeholder. */
export function recordingWhere(
  filter: RecordingFilter,
  param: () => string,
): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.sessionId !== undefined) {
    clauses.push(`session_id = ${param()}`);
    params.push(filter.sessionId);
  }
  if (filter.requesterId !== undefined) {
    clauses.push(`session_id IN (SELECT id FROM access_requests WHERE requester_id = ${param()})`);
    params.push(filter.requesterId);
  }
  return { where: clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '', params };
}

export function recordingToParams(x: RecordingRecord): unknown[] {
  return [x.id, x.sessionId, x.action, x.actor, x.createdAt, x.chunks, x.bytes, x.cast];
}

export function webauthnFromRow(r: Row): WebauthnCredentialRecord {
  return {
    id: str(r.id),
    userId: str(r.user_id),
    publicKey: str(r.public_key),
    counter: num(r.counter),
    transports: JSON.parse(str(r.transports_json)) as string[],
    createdAt: num(r.created_at),
    lastUsedAt: numOrNull(r.last_used_at),
  };
}

export function webauthnToParams(c: WebauthnCredentialRecord): unknown[] {
  return [c.id, c.userId, c.publicKey, c.counter, JSON.stringify(c.transports), c.createdAt, c.lastUsedAt];
}
