import type { Logger } from 'pino';
import type { Clock } from '@glovebox/core';
import {
  bundleDigest,
  compileBundle,
  readPolicyBundle,
  runBundleTests,
  watchPolicyDir,
  type PolicyEngine,
} from '@glovebox/policy';
import type { Store } from '../store/index.js';
import type { PolicyActivationRecord } from '../store/policy-bundles.js';
import type { AuditService } from './audit-service.js';
import type { Metrics } from './metrics.js';

/** Where a gateway takes its policies from. */
export type PolicySource = 'directory' | 'store';

export interface PolicySyncConfig {
  source: PolicySource;
  /** Directory mode: the directory. Store mode: the seed for an empty store (optional). */
  policiesDir: string | undefined;
  /** Directory mode: reload when the directory changes. */
  watch: boolean;
  /** Store mode: how often the newest activation is read, the truth behind NOTIFY hints. */
  intervalMs: number;
  /** This replica's name in the store's replica reports. */
  replica: string;
  store: Store;
  engine: PolicyEngine;
  audit: AuditService;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Called after every activation (rights may have changed). */
  onActivated?: () => void;
}

/** What this replica runs, for `/readyz`, metrics, the API and the console. */
export interface PolicySyncStatus {
  source: PolicySource;
  /** The generation (store mode) this replica runs; null before the first activation. */
  generation: number | null;
  /** The bundle version this replica runs (store mode). */
  version: number | null;
  policySetVersion: string | null;
  /** Newest generation seen in the store. */
  latestGeneration: number | null;
  /** False while the newest activation could not be applied: the last good set stays active. */
  inSync: boolean;
  error: string | null;
  lastCheckAt: number | null;
}

const HEARTBEAT_MS = 30_000;
const REMINDER_MS = 60_000;

/**
 * Keeps the engine on the policy set the gateway should run. Directory mode: load and watch a
 * directory (one node). Store mode: follow the store's newest activation — seed it from the
 * directory when the store has none, poll it, and wake on NOTIFY — so every replica activates
 * the same version within seconds. A version that cannot be activated leaves the last good set
 * in place and says so loudly (error log, `policy.activation_failed`, metrics, `/readyz`).
 */
export class PolicySync {
  readonly #c: PolicySyncConfig;
  #status: PolicySyncStatus;
  #timer: NodeJS.Timeout | undefined;
  #stop: (() => void)[] = [];
  #running: Promise<void> | undefined;
  #again = false;
  #failedGeneration: number | null = null;
  #lastReport = 0;
  #lastReminder = 0;

  constructor(config: PolicySyncConfig) {
    this.#c = config;
    this.#status = {
      source: config.source,
      generation: null,
      version: null,
      policySetVersion: null,
      latestGeneration: null,
      inSync: true,
      error: null,
      lastCheckAt: null,
    };
  }

  status(): PolicySyncStatus {
    return { ...this.#status, policySetVersion: this.#c.engine.version ?? null };
  }

  /** Loads the first policy set and starts following changes. */
  async start(): Promise<void> {
    if (this.#c.source === 'directory') return this.#startDirectory();
    await this.#seed();
    await this.syncNow();
    this.#timer = setInterval(() => void this.syncNow(), this.#c.intervalMs);
    this.#timer.unref();
    this.#stop.push(this.#c.store.policyBundles.subscribe(() => void this.syncNow()));
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    for (const stop of this.#stop.splice(0)) stop();
  }

  /** Store mode: applies the newest activation now. Calls overlapping a run cause one more run. */
  syncNow(): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    const run = async (): Promise<void> => {
      do {
        this.#again = false;
        await this.#syncOnce().catch((error: unknown) => this.#failed(null, describe(error)));
      } while (this.#again);
    };
    this.#running = run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #startDirectory(): Promise<void> {
    const { engine, log, policiesDir } = this.#c;
    if (policiesDir === undefined) throw new TypeError('directory mode needs a policy directory');
    const loaded = await engine.reload(policiesDir);
    if (!loaded.ok)
      log.error(
        { errors: loaded.errors },
        'policy set is invalid: every request will be denied until it is fixed',
      );
    else log.info({ version: loaded.version }, 'policy set loaded');
    this.#setGauges();
    if (!this.#c.watch) return;
    this.#stop.push(
      watchPolicyDir(policiesDir, engine, (result) => {
        if (result.ok) log.info({ version: result.version }, 'policy set reloaded');
        else log.error({ errors: result.errors }, 'new policy set is invalid; keeping the last good one');
        this.#setGauges();
        if (result.ok) this.#c.onActivated?.();
        void this.#c.audit
          .record({
            type: result.ok ? 'policy.reloaded' : 'policy.reload_failed',
            actor: { kind: 'system', id: 'policy-watcher' },
            outcome: result.ok ? 'success' : 'failure',
            details: result.ok
              ? { version: result.version ?? 'none' }
              : { errors: result.errors.slice(0, 20) },
          })
          .catch(() => undefined);
      }),
    );
  }

  /** An empty store takes the directory as version 1, once, whichever replica gets there first. */
  async #seed(): Promise<void> {
    const { store, policiesDir, log, clock } = this.#c;
    if (policiesDir === undefined || (await store.policyBundles.active()) !== null) return;
    const read = await readPolicyBundle(policiesDir);
    const compiled = read.ok ? compileBundle(read.bundle) : undefined;
    const errors = !read.ok ? read.errors : compiled && !compiled.ok ? compiled.errors : [];
    if (!read.ok || !compiled?.ok) {
      log.error(
        { errors },
        'the store has no policy bundle and the seed directory is invalid: every request is denied',
      );
      return;
    }
    const hasTests = read.bundle.files.some((f) => f.path.startsWith('tests/'));
    const tests = hasTests ? runBundleTests(read.bundle, policiesDir) : undefined;
    if (tests && !tests.ok) {
      log.error(
        { failed: tests.failed, errors: tests.errors.slice(0, 20) },
        "the seed directory's policy tests fail: not seeded, every request is denied",
      );
      return;
    }
    const added = await store.policyBundles.add(
      {
        digest: bundleDigest(read.bundle),
        policySetVersion: compiled.set.version,
        files: read.bundle.files,
        author: 'system:seed',
        message: `seeded from ${policiesDir}`,
        origin: { claimed: {} },
        testsPassed: tests?.passed ?? 0,
        approvalsNeeded: 0,
        approverGroups: [],
        createdAt: clock.now(),
      },
      { kind: 'seed', actor: 'system:seed', at: clock.now(), ifGeneration: 0 },
    );
    if (added === null) return; // another replica seeded first
    log.info({ version: added.version }, 'seeded the store with the policy directory as version 1');
    await this.#c.audit.record({
      type: 'policy.pushed',
      actor: { kind: 'system', id: 'seed' },
      outcome: 'success',
      details: { version: added.version, digest: bundleDigest(read.bundle), source: 'seed' },
    });
  }

  async #syncOnce(): Promise<void> {
    const { store, clock } = this.#c;
    const latest = await store.policyBundles.active();
    this.#status.lastCheckAt = clock.now();
    if (latest === null) {
      this.#failed(null, 'no policy version has been pushed to the store: every request is denied');
      return;
    }
    this.#status.latestGeneration = latest.generation;
    if (latest.generation === this.#status.generation) {
      if (!this.#status.inSync) this.#recovered();
      if (clock.now() - this.#lastReport >= HEARTBEAT_MS) await this.#report(null);
      return;
    }
    if (latest.generation === this.#failedGeneration) {
      this.#remind(latest);
      return;
    }
    await this.#activate(latest);
  }

  async #activate(latest: PolicyActivationRecord): Promise<void> {
    const record = await this.#c.store.policyBundles.get(latest.version);
    if (record === null) return this.#failed(latest, `version ${latest.version} is missing from the store`);
    if (bundleDigest({ files: record.files }) !== record.digest)
      return this.#failed(latest, `the files of version ${latest.version} do not match its digest`);
    const compiled = compileBundle({ files: record.files });
    if (!compiled.ok)
      return this.#failed(latest, `version ${latest.version} does not compile: ${compiled.errors[0] ?? '?'}`);
    if (compiled.set.version !== record.policySetVersion)
      return this.#failed(
        latest,
        `version ${latest.version} compiles to a different policy set than was pushed`,
      );
    const errors = this.#c.engine.activate(compiled.set);
    if (errors.length > 0)
      return this.#failed(latest, `version ${latest.version} cannot be activated: ${errors[0] ?? '?'}`);
    Object.assign(this.#status, {
      generation: latest.generation,
      version: latest.version,
      inSync: true,
      error: null,
    });
    this.#failedGeneration = null;
    this.#setGauges();
    this.#c.log.info(
      { generation: latest.generation, version: latest.version, policyVersion: compiled.set.version },
      'policy version activated from the store',
    );
    this.#c.onActivated?.();
    await this.#report(null);
    await this.#c.audit
      .record({
        type: 'policy.activated',
        actor: { kind: 'system', id: this.#c.replica },
        outcome: 'success',
        details: {
          generation: latest.generation,
          version: latest.version,
          policyVersion: compiled.set.version,
          activation: latest.kind,
        },
      })
      .catch(() => undefined);
  }

  /** The store answers again and this replica runs its newest generation. */
  #recovered(): void {
    Object.assign(this.#status, { inSync: true, error: null });
    this.#setGauges();
    this.#c.log.info({ generation: this.#status.generation }, 'policy back in step with the store');
  }

  #failed(latest: PolicyActivationRecord | null, error: string): void {
    const now = this.#c.clock.now();
    const first =
      latest === null
        ? this.#status.error !== error || now - this.#lastReminder >= REMINDER_MS
        : this.#failedGeneration !== latest.generation;
    this.#status.inSync = false;
    this.#status.error = error;
    if (latest !== null) this.#failedGeneration = latest.generation;
    this.#c.metrics.inc('glovebox_policy_sync_failures_total');
    this.#setGauges();
    if (!first) return;
    this.#lastReminder = now;
    this.#c.log.error(
      { error, generation: latest?.generation ?? null, keptVersion: this.#c.engine.version ?? null },
      this.#c.engine.version === undefined
        ? 'POLICY NOT ACTIVATED: no policy set is active, every request is denied'
        : 'POLICY NOT ACTIVATED: keeping the last good policy set',
    );
    void this.#report(error).catch(() => undefined);
    if (latest === null) return;
    void this.#c.audit
      .record({
        type: 'policy.activation_failed',
        actor: { kind: 'system', id: this.#c.replica },
        outcome: 'failure',
        details: { generation: latest.generation, version: latest.version, error },
      })
      .catch(() => undefined);
  }

  #remind(latest: PolicyActivationRecord): void {
    const now = this.#c.clock.now();
    if (now - this.#lastReminder < REMINDER_MS) return;
    this.#lastReminder = now;
    this.#c.log.error(
      { error: this.#status.error, generation: latest.generation },
      'POLICY STILL NOT ACTIVATED: this replica runs an older policy set than the store says',
    );
  }

  async #report(error: string | null): Promise<void> {
    this.#lastReport = this.#c.clock.now();
    await this.#c.store.policyBundles.reportReplica({
      replica: this.#c.replica,
      generation: this.#status.generation ?? 0,
      version: this.#status.version,
      policySetVersion: this.#c.engine.version ?? 'none',
      error: error ?? this.#status.error,
      at: this.#lastReport,
    });
  }

  #setGauges(): void {
    const m = this.#c.metrics;
    m.set('glovebox_policy_in_sync', this.#status.inSync && this.#c.engine.ready ? 1 : 0);
    m.set('glovebox_policy_generation', this.#status.generation ?? 0);
    m.set('glovebox_policy_version', this.#status.version ?? 0);
  }
}

function describe(error: unknown): string {
  return `the store could not be read (${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'})`;
}
