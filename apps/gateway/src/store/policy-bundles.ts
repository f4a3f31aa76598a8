import type { BundleFile } from '@glovebox/policy';

/** Where a bundle came from, besides who pushed it. */
export interface PolicyBundleOrigin {
  /** What the pushing client says about its CI run (commit, pipeline URL…): informative only. */
  claimed: Record<string, string>;
  /**
   * What the gateway verified: the claims of the CI provider's token the pusher exchanged for its
   * Glovebox token (repository, ref, commit, run). Absent for pushes with other credentials.
   */
  verified?: Record<string, string>;
}

/** One pushed policy bundle: an immutable version. */
export interface PolicyBundleRecord {
  /** 1, 2, 3… in push order. */
  version: number;
  /** `sha256:` over every file of the bundle (tests included). */
  digest: string;
  /** The compiled set's version, as decisions record it. */
  policySetVersion: string;
  files: BundleFile[];
  /** User name of the pusher. */
  author: string;
  message: string;
  origin: PolicyBundleOrigin;
  /** How many of the bundle's own tests passed on the gateway before it was stored. */
  testsPassed: number;
  /** Approvals from other people the deploy decision required before activation (0: none). */
  approvalsNeeded: number;
  approverGroups: string[];
  createdAt: number;
}

/** A bundle without its files, for lists. */
export type PolicyBundleSummary = Omit<PolicyBundleRecord, 'files'>;

export type PolicyActivationKind = 'seed' | 'push' | 'approve' | 'rollback';

/** One activation: from `at` on, every replica is to run `version`. The newest one is in force. */
export interface PolicyActivationRecord {
  /** 1, 2, 3… in activation order; replicas compare it to know they are behind. */
  generation: number;
  version: number;
  kind: PolicyActivationKind;
  actor: string;
  at: number;
}

export interface PolicyApprovalRecord {
  version: number;
  approver: string;
  /** The digest the approver saw: an approval is bound to the exact bundle. */
  digest: string;
  at: number;
}

/** What one gateway replica last reported about its policy set. */
export interface PolicyReplicaRecord {
  replica: string;
  generation: number;
  version: number | null;
  policySetVersion: string;
  /** Why the replica could not activate the newest generation; null when in step. */
  error: string | null;
  at: number;
}

/** An activation to write with a new bundle, or for an existing version. */
export interface ActivationInput {
  kind: PolicyActivationKind;
  actor: string;
  at: number;
  /**
   * Write only if the newest generation is still this one (0: no activation yet), so two replicas
   * seeding an empty store, or a push racing a rollback, cannot both win silently.
   */
  ifGeneration?: number;
}

/**
 * The store's policy bundles. Bundles, activations and approvals are append-only (database
 * triggers refuse changes); the newest activation is the truth every replica follows.
 */
export interface PolicyBundleStore {
  /**
   * Stores a new bundle with the next version, and activates it in the same transaction when
   * `activation` is given. Returns null (and writes nothing) when `activation.ifGeneration` is
   * no longer current.
   */
  add(
    bundle: Omit<PolicyBundleRecord, 'version'>,
    activation: ActivationInput | null,
  ): Promise<{ version: number; activation: PolicyActivationRecord | null } | null>;
  get(version: number): Promise<PolicyBundleRecord | null>;
  /** Newest first. */
  list(limit: number): Promise<PolicyBundleSummary[]>;
  /** Activates an existing version; null when `ifGeneration` is no longer current. */
  activate(version: number, activation: ActivationInput): Promise<PolicyActivationRecord | null>;
  /** The activation in force, or null when no bundle was ever activated. */
  active(): Promise<PolicyActivationRecord | null>;
  /** Newest first. */
  activations(limit: number): Promise<PolicyActivationRecord[]>;
  /** Records an approval; false when this approver already approved this version. */
  approve(approval: PolicyApprovalRecord): Promise<boolean>;
  approvals(version: number): Promise<PolicyApprovalRecord[]>;
  reportReplica(report: PolicyReplicaRecord): Promise<void>;
  /** Replicas that reported since `since` (ms), by name. */
  replicas(since: number): Promise<PolicyReplicaRecord[]>;
  /**
   * Calls `onChange` soon after another process activates something (PostgreSQL NOTIFY). A hint
   * only: replicas also poll {@link active}, which is the truth. Returns an unsubscribe function.
   */
  subscribe(onChange: () => void): () => void;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const text = (v: unknown): string => (typeof v === 'string' ? v : String(v));

export const BUNDLE_SUMMARY_COLUMNS =
  'version, digest, policy_set_version, author, message, ci_json, tests_passed, approvals_needed, approver_groups_json, created_at';

export function bundleToParams(version: number, b: Omit<PolicyBundleRecord, 'version'>): unknown[] {
  return [
    version,
    b.digest,
    b.policySetVersion,
    JSON.stringify(b.files),
    b.author,
    b.message,
    JSON.stringify(b.origin),
    b.testsPassed,
    b.approvalsNeeded,
    JSON.stringify(b.approverGroups),
    b.createdAt,
  ];
}

export function bundleSummaryFromRow(r: Row): PolicyBundleSummary {
  return {
    version: num(r.version),
    digest: text(r.digest),
    policySetVersion: text(r.policy_set_version),
    author: text(r.author),
    message: text(r.message),
    origin: JSON.parse(text(r.ci_json)) as PolicyBundleOrigin,
    testsPassed: num(r.tests_passed),
    approvalsNeeded: num(r.approvals_needed),
    approverGroups: JSON.parse(text(r.approver_groups_json)) as string[],
    createdAt: num(r.created_at),
  };
}

export function bundleFromRow(r: Row): PolicyBundleRecord {
  return { ...bundleSummaryFromRow(r), files: JSON.parse(text(r.files_json)) as BundleFile[] };
}

export function activationFromRow(r: Row): PolicyActivationRecord {
  return {
    generation: num(r.generation),
    version: num(r.version),
    kind: text(r.kind) as PolicyActivationKind,
    actor: text(r.actor),
    at: num(r.at),
  };
}

export function approvalFromRow(r: Row): PolicyApprovalRecord {
  return { version: num(r.version), approver: text(r.approver), digest: text(r.digest), at: num(r.at) };
}

export function replicaFromRow(r: Row): PolicyReplicaRecord {
  return {
    replica: text(r.replica),
    generation: num(r.generation),
    version: r.version === null || r.version === undefined ? null : num(r.version),
    policySetVersion: text(r.policy_set_version),
    error: r.error === null || r.error === undefined ? null : text(r.error),
    at: num(r.at),
  };
}
