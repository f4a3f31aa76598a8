import type { Obligations } from '@glovebox/policy';

export type { Obligations };

/** A local or provisioned user. Passwords are scrypt hashes; TOTP seeds are encrypted at rest. */
export interface UserRecord {
  id: string;
  name: string;
  groups: string[];
  passwordHash: string | null;
  totpSecretEnc: string | null;
  /** Set once a TOTP enrollment has been confirmed with a valid code. */
  mfaEnrolledAt: number | null;
  createdAt: number;
  disabled: boolean;
}

/** A WebAuthn credential registered as a second factor; the public key is COSE, base64url. */
export interface WebauthnCredentialRecord {
  /** Credential id, base64url. */
  id: string;
  userId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  createdAt: number;
  lastUsedAt: number | null;
}

export type TokenKind = 'session' | 'api';

/** A bearer credential. Only its SHA-256 is stored; the secret is shown once. */
export interface TokenRecord {
  id: string;
  userId: string;
  kind: TokenKind;
  hash: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  /** When this login last proved a second factor (step-up refreshes it). */
  mfaAt: number | null;
  label: string | null;
}

/** A registered agent; its attributes are the target's attributes for policy. */
export interface AgentRecord {
  id: string;
  name: string;
  env: string;
  owner: string;
  tags: Record<string, string>;
  credentialHash: string;
  createdAt: number;
  revokedAt: number | null;
}

export type RequestStatus = 'pending' | 'active' | 'denied' | 'expired' | 'ended';

/** An access request; once active, the same record is the session. */
export interface AccessRequestRecord {
  id: string;
  requesterId: string;
  requesterName: string;
  target: string;
  actions: string[];
  reason: string;
  ticket: string | null;
  breakGlass: boolean;
  durationSec: number;
  obligations: Obligations;
  policyVersion: string;
  determiningPolicies: string[];
  /** SHA-256 of the exact request; approvals are bound to it. */
  digest: string;
  status: RequestStatus;
  createdAt: number;
  /** When a pending request lapses. */
  pendingExpiresAt: number;
  activatedAt: number | null;
  /** Absolute end of the session (TTL). */
  expiresAt: number | null;
  lastActivityAt: number | null;
  endedAt: number | null;
  endReason: string | null;
  endedBy: string | null;
  /** Incremented on every change; updates must name the version they saw. */
  version: number;
}

export interface ApprovalRecord {
  requestId: string;
  approverId: string;
  approverName: string;
  verdict: 'approve' | 'deny';
  digest: string;
  comment: string | null;
  createdAt: number;
}

export interface RequestFilter {
  requesterId?: string;
  status?: RequestStatus[];
  limit?: number;
}

/** One stored audit row: the chained event as JSON plus the columns used for filtering. */
export interface AuditRow {
  seq: number;
  id: string;
  time: string;
  type: string;
  actor: string;
  sessionId: string | null;
  action: string | null;
  target: string | null;
  outcome: string;
  hash: string;
  prevHash: string;
  /** The whole chained event, canonical JSON. */
  event: string;
}

export interface AuditFilter {
  sinceSeq?: number;
  since?: string;
  until?: string;
  actor?: string;
  sessionId?: string;
  target?: string;
  action?: string;
  outcome?: string;
  limit?: number;
}

/** A recording of a streamed action's output as the engineer saw it (asciicast v2). */
export interface RecordingRecord {
  id: string;
  sessionId: string;
  action: string;
  actor: string;
  createdAt: number;
  chunks: number;
  bytes: number;
  cast: string;
}

export interface ChainHead {
  seq: number;
  hash: string;
}
