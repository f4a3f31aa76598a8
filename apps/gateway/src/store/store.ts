import type { CiExchangeStore } from './ci-exchanges.js';
import type { IdentityStateStore } from './identity-state.js';
import type { ManagedSettingsStore } from './managed-settings.js';
import type { PolicyBundleStore } from './policy-bundles.js';
import type { ReplicaStore } from './replicas.js';
import type { RevokedInstanceStore } from './revoked-instances.js';
import type {
  AccessRequestRecord,
  AgentRecord,
  ApprovalRecord,
  AuditFilter,
  AuditRow,
  ChainHead,
  RecordingRecord,
  RequestFilter,
  TokenRecord,
  UserRecord,
  WebauthnCredentialRecord,
} from './types.js';

/** Which recordings a listing returns. */
export interface RecordingFilter {
  sessionId?: string | undefined;
  /** Only recordings of sessions this user asked for. */
  requesterId?: string | undefined;
}

/**
 * Everything the gateway persists. Two implementations (SQLite, PostgreSQL) pass the same
 * contract suite (store.contract.ts). Every method either completes or throws; callers treat a
 * throw as "nothing happened" and fail closed.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Pushed policy bundles, their activations and approvals, and what each replica runs. */
  readonly policyBundles: PolicyBundleStore;
  /** CI provider tokens exchanged for Glovebox tokens: one use each, and their verified claims. */
  readonly ciExchanges: CiExchangeStore;
  /** MFA tickets and factor provenance, TOTP steps, credential-check failure counters. */
  readonly identityState: IdentityStateStore;
  /** Settings applied from glovebox.yaml (audit sinks, webhooks, SSO group mapping). */
  readonly managedSettings: ManagedSettingsStore;
  /** Replica liveness, agent connection routes and sealed shared secrets. */
  readonly replicas: ReplicaStore;
  /** Instances cut off one by one (their siblings keep the credential). */
  readonly revokedInstances: RevokedInstanceStore;
  /** Applies pending versioned migrations. Safe to call on every start. */
  migrate(): Promise<void>;
  /** Cheap liveness probe for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;

  countUsers(): Promise<number>;
  createUser(user: UserRecord): Promise<void>;
  getUserById(id: string): Promise<UserRecord | null>;
  getUserByName(name: string): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  updateUserMfa(id: string, totpSecretEnc: string | null, mfaEnrolledAt: number | null): Promise<void>;
  /**
   * Replaces a user's groups; `ssoAt` when single sign-on set them (every SSO login refreshes them
   * from the provider), which also records when.
   */
  updateUserGroups(id: string, groups: string[], ssoAt?: number): Promise<void>;
  /** The local user an identity provider's (issuer, subject) was provisioned as, or null. */
  getSsoUserId(issuer: string, subject: string): Promise<string | null>;
  linkSsoIdentity(issuer: string, subject: string, userId: string, at: number): Promise<void>;

  addWebauthnCredential(credential: WebauthnCredentialRecord): Promise<void>;
  listWebauthnCredentials(userId: string): Promise<WebauthnCredentialRecord[]>;
  /** Records a successful assertion; false when the credential does not exist. */
  touchWebauthnCredential(id: string, counter: number, at: number): Promise<boolean>;

  createToken(token: TokenRecord): Promise<void>;
  getTokenByHash(hash: string): Promise<TokenRecord | null>;
  getTokenById(id: string): Promise<TokenRecord | null>;
  listTokens(userId: string): Promise<TokenRecord[]>;
  revokeToken(id: string, at: number): Promise<boolean>;
  /** Revokes every live token minted from that login (`loginId`); returns how many. */
  revokeTokensOfLogin(loginId: string, at: number): Promise<number>;
  setTokenMfaAt(id: string, at: number): Promise<void>;

  createAgent(agent: AgentRecord): Promise<void>;
  getAgentByName(name: string): Promise<AgentRecord | null>;
  getAgentByCredentialHash(hash: string): Promise<AgentRecord | null>;
  listAgents(): Promise<AgentRecord[]>;
  /** Replaces an agent's registration (env, owner, tags, credential hash, revocation) by id. */
  updateAgent(agent: AgentRecord): Promise<void>;
  /** Sets a user's disabled flag. */
  setUserDisabled(id: string, disabled: boolean): Promise<void>;
  /**
   * Replaces a user's password hash only while it is still `expected` (a stronger rehash of the same
   * password at login); false when it changed meanwhile.
   */
  replacePasswordHash(id: string, expected: string, next: string): Promise<boolean>;

  createRequest(request: AccessRequestRecord): Promise<void>;
  getRequest(id: string): Promise<AccessRequestRecord | null>;
  /** A request and the registration of its target (null when none is registered), in one read. */
  getRequestAndTarget(
    id: string,
  ): Promise<{ request: AccessRequestRecord | null; target: AgentRecord | null }>;
  listRequests(filter: RequestFilter): Promise<AccessRequestRecord[]>;
  /** Lists requests that are pending or active: the reaper's working set. */
  listLiveRequests(): Promise<AccessRequestRecord[]>;
  /**
   * Replaces a request if its stored version is still `expectedVersion` (optimistic
   * concurrency: two approvers racing cannot both win). Returns false when it changed meanwhile.
   */
  updateRequest(next: AccessRequestRecord, expectedVersion: number): Promise<boolean>;
  /** Records an approval or denial; false if this approver already voted on this request. */
  addApproval(approval: ApprovalRecord): Promise<boolean>;
  listApprovals(requestId: string): Promise<ApprovalRecord[]>;

  /**
   * Appends audit events atomically at the head of the chain, in one durable transaction: `build`
   * receives the current head and returns the rows to insert, chained from it. Concurrent appends
   * (also from other processes on the same database) are serialized so the sequence stays gap-free.
   * With `anchor` (the last event this process wrote), the append is refused when the store no
   * longer holds it: `GBX_AUDIT_ROLLED_BACK` when the head is behind it, `GBX_AUDIT_TAMPERED` when
   * another event sits at its seq.
   */
  appendAudit(build: (head: ChainHead | null) => AuditRow[], anchor?: ChainHead | null): Promise<AuditRow[]>;
  /** The last event's seq and hash, or null for an empty trail. */
  auditHead(): Promise<ChainHead | null>;
  /** The stored hash of the event at `seq`, or null when there is none. */
  auditHashAt(seq: number): Promise<string | null>;
  /** Search with every filter in the query; newest first unless `order` says otherwise. */
  queryAudit(filter: AuditFilter): Promise<AuditRow[]>;
  /** Rows with seq > afterSeq in order, for verification, export and sinks. */
  readAuditAfter(afterSeq: number, limit: number): Promise<AuditRow[]>;
  /** Stores a signed checkpoint (JSON) for the event at `seq`; ignored if one exists there. */
  addCheckpoint(seq: number, checkpoint: string): Promise<void>;
  /** Checkpoints with afterSeq < seq <= uptoSeq, in seq order, as stored JSON. */
  readCheckpoints(afterSeq: number, uptoSeq: number): Promise<{ seq: number; checkpoint: string }[]>;
  /** The checkpoint with the highest seq (at most `uptoSeq` when given), or null. */
  latestCheckpoint(uptoSeq?: number): Promise<{ seq: number; checkpoint: string } | null>;
  saveRecording(recording: RecordingRecord): Promise<void>;
  getRecording(id: string): Promise<RecordingRecord | null>;
  /**
   * Recordings without their content, newest first; at most 500 without a session. `requesterId`
   * keeps only recordings of that user's sessions, before the limit.
   */
  listRecordings(filter: RecordingFilter): Promise<Omit<RecordingRecord, 'cast'>[]>;
  getSinkCursor(sink: string): Promise<number>;
  setSinkCursor(sink: string, seq: number): Promise<void>;
}
