import { GloveboxError, type Clock } from '@glovebox/core';
import {
  bundleDigest,
  sortedBundle,
  type BundleDiff,
  type Decision,
  type PolicyBundle,
  type TestReport,
} from '@glovebox/policy';
import type { Store } from '../store/index.js';
import type {
  PolicyActivationRecord,
  PolicyBundleOrigin,
  PolicyBundleRecord,
  PolicyBundleSummary,
  PolicyReplicaRecord,
} from '../store/policy-bundles.js';
import type { AuditService } from './audit-service.js';
import type { Actor } from './identity.js';
import { runPolicyJob, type PolicyJob, type PolicyJobResult } from './policy-jobs.js';
import type { PolicySync, PolicySyncStatus } from './policy-sync.js';

export interface PolicyDeployConfig {
  store: Store;
  audit: AuditService;
  clock: Clock;
  sync: PolicySync;
  /** Runs compile/test/diff jobs off the main thread; replaceable in tests. */
  runJob?: (job: PolicyJob) => Promise<PolicyJobResult>;
}

/** What `policy push` sends besides the bundle. */
export interface PushInput {
  bundle: PolicyBundle;
  message: string;
  /** CI metadata the client read from its environment (commit, pipeline URL…). */
  claimed: Record<string, string>;
}

export interface PushResult {
  version: number;
  digest: string;
  policySetVersion: string;
  /** True when the bundle is the version already in force: nothing new was stored. */
  unchanged: boolean;
  /** True when this push made the bundle the version in force. */
  activated: boolean;
  /** Approvals still needed before it can be activated (two-person rule from policy). */
  approvalsPending: number;
  testsPassed: number;
}

/** One version in `policy versions`. */
export interface PolicyVersionView extends PolicyBundleSummary {
  state: 'active' | 'pending-approval' | 'superseded' | 'inactive';
  approvals: string[];
}

/** A replica's report, as listed with the versions. */
export type ReplicaView = PolicyReplicaRecord;

const REPLICA_WINDOW_MS = 2 * 60_000;

/**
 * Policy bundles as deployments: push (validate and test off the main thread, store an
 * immutable version, activate it or wait for approvals), approve, roll back, list and diff.
 * Every state change is audited before it takes effect: a bundle is stored inactive, the push is
 * recorded, and only then is the version activated. Authorization is the route table's
 * (`deployPolicy`); obligations of that decision (approvals) shape the push.
 */
export class PolicyDeployService {
  readonly #c: PolicyDeployConfig;
  readonly #run: (job: PolicyJob) => Promise<PolicyJobResult>;

  constructor(config: PolicyDeployConfig) {
    this.#c = config;
    this.#run = config.runJob ?? ((job) => runPolicyJob(job));
  }

  #requireStore(): void {
    if (this.#c.sync.status().source !== 'store')
      throw new GloveboxError(
        'GBX_POLICY_SOURCE_DIRECTORY',
        'this gateway reads its policies from a directory; start it with --policy-source store to deploy bundles',
      );
  }

  /** Validates, tests, stores and (unless approvals are needed) activates a bundle. */
  async push(
    actor: Actor,
    input: PushInput,
    decision: Decision,
    origin: PolicyBundleOrigin,
  ): Promise<PushResult> {
    this.#requireStore();
    const bundle = sortedBundle(input.bundle.files);
    const digest = bundleDigest(bundle);
    const checked = await this.#run({ kind: 'check', bundle, runTests: true, label: 'pushed bundle' });
    if (checked.kind !== 'check') throw new GloveboxError('GBX_INTERNAL', 'unexpected policy worker answer');
    if (!checked.ok) {
      await this.#refused(actor, digest, 'invalid', { errors: checked.errors.slice(0, 20) });
      throw new GloveboxError('GBX_POLICY_INVALID', `the bundle is invalid: ${checked.errors[0] ?? '?'}`, {
        details: { errors: checked.errors.slice(0, 50) },
      });
    }
    const tests = checked.tests!;
    if (!tests.ok) {
      const failures = failedCases(tests);
      await this.#refused(actor, digest, 'tests failed', {
        failed: tests.failed,
        passed: tests.passed,
        failures,
      });
      throw new GloveboxError(
        'GBX_POLICY_TESTS_FAILED',
        tests.errors[0] ??
          `${tests.failed} of the bundle's policy tests fail; nothing was stored or activated`,
        {
          details: {
            passed: tests.passed,
            failed: tests.failed,
            failures,
            errors: tests.errors.slice(0, 20),
          },
        },
      );
    }
    const active = await this.#c.store.policyBundles.active();
    const current = active ? await this.#c.store.policyBundles.get(active.version) : null;
    if (current?.digest === digest) {
      await this.#record(actor, 'policy.pushed', { version: current.version, digest, unchanged: true });
      return {
        version: current.version,
        digest,
        policySetVersion: current.policySetVersion,
        unchanged: true,
        activated: false,
        approvalsPending: 0,
        testsPassed: tests.passed,
      };
    }
    const approvalsNeeded = decision.obligations?.approvals ?? 0;
    const record: Omit<PolicyBundleRecord, 'version'> = {
      digest,
      policySetVersion: checked.policySetVersion,
      files: bundle.files,
      author: actor.name,
      message: input.message,
      origin,
      testsPassed: tests.passed,
      approvalsNeeded,
      approverGroups: approvalsNeeded > 0 ? (decision.obligations?.approverGroups ?? []) : [],
      createdAt: this.#c.clock.now(),
    };
    // stored inactive first: nothing takes effect before the push is in the audit trail
    const added = await this.#c.store.policyBundles.add(record, null);
    if (added === null) throw new GloveboxError('GBX_CONFLICT', 'the bundle could not be stored');
    await this.#record(actor, 'policy.pushed', {
      version: added.version,
      digest,
      policySetVersion: checked.policySetVersion,
      message: input.message,
      origin: { ...origin },
      testsPassed: tests.passed,
      approvalsNeeded,
    });
    const activated = approvalsNeeded === 0 ? await this.#activate(added.version, 'push', actor) : null;
    return {
      version: added.version,
      digest,
      policySetVersion: checked.policySetVersion,
      unchanged: false,
      activated: activated !== null,
      approvalsPending: approvalsNeeded,
      testsPassed: tests.passed,
    };
  }

  /**
   * Records a second person's approval of a pending version, bound to the digest they reviewed;
   * activates the version once enough approvals are in, unless a newer version exists by then.
   */
  async approve(
    actor: Actor,
    version: number,
    digest: string,
  ): Promise<{ approvals: number; activated: boolean }> {
    this.#requireStore();
    const record = await this.#bundle(version);
    if (record.approvalsNeeded === 0)
      throw new GloveboxError('GBX_CONFLICT', `version ${version} needs no approval`);
    if (record.author === actor.name)
      throw new GloveboxError('GBX_SELF_APPROVAL', 'nobody approves their own policy push');
    if (!actor.groups.some((g) => record.approverGroups.includes(g)))
      throw new GloveboxError(
        'GBX_POLICY_DENIED',
        `approving version ${version} needs membership of ${record.approverGroups.join(', ')}`,
      );
    if (digest !== record.digest)
      throw new GloveboxError(
        'GBX_APPROVAL_MISMATCH',
        `version ${version} is not the bundle with digest ${digest}`,
      );
    const at = this.#c.clock.now();
    if (!(await this.#c.store.policyBundles.approve({ version, approver: actor.name, digest, at })))
      throw new GloveboxError('GBX_ALREADY_APPROVED', `you have already approved version ${version}`);
    const approvals = (await this.#c.store.policyBundles.approvals(version)).length;
    await this.#record(actor, 'policy.approved', {
      version,
      digest,
      approvals,
      needed: record.approvalsNeeded,
    });
    const newest = (await this.#c.store.policyBundles.list(1))[0]?.version;
    const ready = approvals >= record.approvalsNeeded && newest === version;
    const activated = ready ? await this.#activate(version, 'approve', actor) : null;
    return { approvals, activated: activated !== null };
  }

  /** Makes an earlier version the one in force again. Never one that still waits for approvals. */
  async rollback(actor: Actor, version: number): Promise<{ generation: number; unchanged: boolean }> {
    this.#requireStore();
    const record = await this.#bundle(version);
    const active = await this.#c.store.policyBundles.active();
    if (active?.version === version) return { generation: active.generation, unchanged: true };
    const approvals = (await this.#c.store.policyBundles.approvals(version)).length;
    const everActive = (await this.#c.store.policyBundles.activations(10_000)).some(
      (a) => a.version === version,
    );
    if (!everActive && approvals < record.approvalsNeeded)
      throw new GloveboxError(
        'GBX_POLICY_NOT_APPROVED',
        `version ${version} was never approved (${approvals} of ${record.approvalsNeeded} approvals)`,
      );
    const checked = await this.#run({
      kind: 'check',
      bundle: { files: record.files },
      runTests: false,
      label: '',
    });
    if (checked.kind !== 'check' || !checked.ok)
      throw new GloveboxError('GBX_POLICY_INVALID', `version ${version} no longer compiles on this gateway`, {
        details: { errors: checked.kind === 'check' && !checked.ok ? checked.errors.slice(0, 20) : [] },
      });
    await this.#record(actor, 'policy.rolled_back', {
      version,
      digest: record.digest,
      from: active?.version ?? null,
    });
    const activation = await this.#activate(version, 'rollback', actor);
    return { generation: activation?.generation ?? 0, unchanged: false };
  }

  /** Versions newest first with their state, the activation history and what each replica runs. */
  async versions(limit: number): Promise<{
    status: PolicySyncStatus;
    active: PolicyActivationRecord | null;
    versions: PolicyVersionView[];
    activations: PolicyActivationRecord[];
    replicas: ReplicaView[];
  }> {
    const bundles = this.#c.store.policyBundles;
    const [active, summaries, activations, replicas] = await Promise.all([
      bundles.active(),
      bundles.list(limit),
      bundles.activations(Math.max(limit, 100)),
      bundles.replicas(this.#c.clock.now() - REPLICA_WINDOW_MS),
    ]);
    const activated = new Set(activations.map((a) => a.version));
    const versions = await Promise.all(
      summaries.map(async (s): Promise<PolicyVersionView> => {
        const approvals =
          s.approvalsNeeded > 0 ? (await bundles.approvals(s.version)).map((a) => a.approver) : [];
        const state =
          active?.version === s.version
            ? 'active'
            : activated.has(s.version)
              ? 'superseded'
              : approvals.length < s.approvalsNeeded
                ? 'pending-approval'
                : 'inactive';
        return { ...s, state, approvals };
      }),
    );
    return { status: this.#c.sync.status(), active, versions, activations, replicas };
  }

  /** One version with its files. */
  async get(version: number): Promise<PolicyBundleRecord> {
    return this.#bundle(version);
  }

  /** File and policy differences from version `from` to version `to`. */
  async diff(from: number, to: number): Promise<BundleDiff & { from: number; to: number }> {
    const [a, b] = await Promise.all([this.#bundle(from), this.#bundle(to)]);
    const result = await this.#run({ kind: 'diff', before: { files: a.files }, after: { files: b.files } });
    if (result.kind !== 'diff') throw new GloveboxError('GBX_INTERNAL', 'unexpected policy worker answer');
    return { from, to, ...result.diff };
  }

  async #bundle(version: number): Promise<PolicyBundleRecord> {
    const record = await this.#c.store.policyBundles.get(version);
    if (record === null) throw new GloveboxError('GBX_NOT_FOUND', `no policy version ${version}`);
    return record;
  }

  async #activate(
    version: number,
    kind: 'push' | 'approve' | 'rollback',
    actor: Actor,
  ): Promise<PolicyActivationRecord | null> {
    const activation = await this.#c.store.policyBundles.activate(version, {
      kind,
      actor: actor.name,
      at: this.#c.clock.now(),
    });
    // this replica is current before it answers; the others follow within their poll interval
    await this.#c.sync.syncNow();
    return activation;
  }

  async #record(
    actor: Actor,
    type: 'policy.pushed' | 'policy.approved' | 'policy.rolled_back',
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.#c.audit.record({
      type,
      actor: { kind: 'user', id: actor.name },
      outcome: 'success',
      details,
    });
  }

  async #refused(
    actor: Actor,
    digest: string,
    reason: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.#c.audit.record({
      type: 'policy.push_refused',
      actor: { kind: 'user', id: actor.name },
      outcome: 'failure',
      details: { digest, reason, ...details },
    });
  }
}

function failedCases(tests: TestReport): { file: string; name: string; failures: string[] }[] {
  return tests.results
    .filter((r) => !r.ok)
    .slice(0, 20)
    .map((r) => ({ file: r.file, name: r.name, failures: r.failures.slice(0, 5) }));
}
