import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { GloveboxError, type Clock } from '@glovebox/core';
import {
  AuditKeyring,
  CheckpointPolicy,
  generateAuditKey,
  parseSinksConfig,
  signCheckpoint,
  verifyCheckpointSignature,
  verifyEvents,
  WitnessFile,
  writeExport,
  type AuditRecord,
  type ChainedEvent,
  type ExportSummary,
  type SignedCheckpoint,
  type VerifyProgress,
  type VerifyReport,
  type WitnessedHead,
} from '@glovebox/audit';
import type { ChainHead, Store } from '../store/index.js';
import { storedRecords } from './audit-records.js';
import type { AuditService } from './audit-service.js';
import { AuditVerifier } from './audit-verifier.js';
import type { SharedSecrets } from './shared-secrets.js';

/** Everything the trail needs; see {@link AuditTrail.open}. */
export interface AuditTrailConfig {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Where the keyring is shared with the other replicas, sealed with the master key. */
  secrets: SharedSecrets;
  /** This replica's copy of the keyring (the public keys are what `audit verify --key` takes). */
  keysDir: string;
  witnessPath: string;
  /** Least time between two checkpoints; a commit inside it is signed when it is up. */
  checkpointIntervalMs: number;
  /** A live verification reports progress every this many events. */
  verifyProgressEvery: number;
  /** Where the verification worker opens its own connection. */
  storeUrl: string | undefined;
  dataDir: string;
  /** Called after each checkpoint is stored and witnessed (sinks take it from there). */
  onCheckpoint?: (checkpoint: SignedCheckpoint) => void;
}

/** How the store compared with the witness at start. */
export type WitnessState =
  | { state: 'matched' | 'created'; head: ChainHead | null }
  | {
      state: 'accepted';
      head: ChainHead | null;
      lost: {
        code: 'GBX_AUDIT_ROLLED_BACK' | 'GBX_AUDIT_TAMPERED';
        witnessed: SignedCheckpoint;
        archivedAs: string | null;
      };
    };

const RECOVERY = 'see docs/audit.md, "Recovering from a rolled-back store"';

/**
 * The trail's signed checkpoints and their witness outside the store; reading the trail back in
 * order for export and verification. Checkpoints follow group commits (at most one per interval)
 * and always sign the head this process itself committed, never one read back from the store.
 */
export class AuditTrail {
  readonly #c: AuditTrailConfig;
  #keyring: AuditKeyring;
  /** The version of the shared keyring `#keyring` is. */
  #keyringVersion: number;
  readonly #policy: CheckpointPolicy;
  readonly #witness: WitnessFile;
  readonly #verifier: AuditVerifier;
  #head: ChainHead | null = null;
  #witnessed: SignedCheckpoint | null = null;
  #signing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  private constructor(config: AuditTrailConfig, keyring: AuditKeyring, version: number) {
    this.#c = config;
    this.#keyring = keyring;
    this.#keyringVersion = version;
    this.#policy = new CheckpointPolicy({
      everyEvents: Number.MAX_SAFE_INTEGER,
      everyMs: config.checkpointIntervalMs,
      clock: config.clock,
    });
    this.#witness = new WitnessFile({ path: config.witnessPath });
    this.#verifier = new AuditVerifier({
      store: config.storeUrl,
      dataDir: config.dataDir,
      publicKeys: () => this.#keyring.publicKeys(),
      progressEvery: config.verifyProgressEvery,
    });
  }

  /**
   * Opens the keyring every replica shares through the store; the first replica creates it, or
   * adopts the keyring an earlier single gateway kept under `keysDir`. A replica that signed with
   * a keyring of its own before adds its public keys to the shared one, so its checkpoints and
   * witness file still verify.
   */
  static async open(config: AuditTrailConfig): Promise<AuditTrail> {
    const local = existsSync(join(config.keysDir, 'keyring.json'))
      ? await AuditKeyring.load(config.keysDir)
      : null;
    await config.secrets.getOrCreate('audit-keyring', () =>
      (local ?? new AuditKeyring(generateAuditKey(new Date(config.clock.now()).toISOString()))).serialize(),
    );
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = (await config.secrets.read('audit-keyring'))!;
      const ring = AuditKeyring.deserialize(found.value);
      let version = found.version;
      if (local !== null && ring.retain(local)) {
        if (!(await config.secrets.replace('audit-keyring', ring.serialize(), version))) continue;
        version++;
        config.log.warn(
          { keys: local.publicKeys().map((key) => key.keyId) },
          'this replica’s own audit keys were added to the shared keyring (verification trusts them from now on)',
        );
      }
      await ring.save(config.keysDir);
      return new AuditTrail(config, ring, version);
    }
    throw new GloveboxError(
      'GBX_CONFLICT',
      'the shared audit keyring kept changing while this replica started',
    );
  }

  /** Takes a newer keyring another replica stored (a rotation), and keeps its copy under `keysDir`. */
  async #refreshKeyring(): Promise<void> {
    const found = await this.#c.secrets.read('audit-keyring');
    if (found === null || found.version <= this.#keyringVersion) return;
    this.#keyring = AuditKeyring.deserialize(found.value);
    this.#keyringVersion = found.version;
    await this.#keyring.save(this.#c.keysDir);
  }

  /**
   * Holds the store against the latest witnessed head before anything is written: the store must
   * still hold it, and what follows it must link to it. Throws `GBX_AUDIT_ROLLED_BACK` or
   * `GBX_AUDIT_TAMPERED` otherwise, unless `acceptRollbackSeq` names the witnessed seq (the
   * documented recovery), in which case the old witness is archived. Then signs and witnesses the
   * store's head.
   */
  async reconcile(acceptRollbackSeq?: number): Promise<WitnessState> {
    const witnessed = await this.#readWitness();
    const head = await this.#c.store.auditHead();
    let result: WitnessState = { state: witnessed ? 'matched' : 'created', head };
    if (witnessed) {
      const problem = await this.#compare(witnessed, head);
      if (problem !== null && acceptRollbackSeq !== witnessed.seq) {
        throw new GloveboxError(problem.code, `${problem.message}; the gateway will not start (${RECOVERY})`);
      }
      if (problem !== null) {
        const archivedAs = await this.#witness.archive(`rolled-back-${this.#c.clock.now()}`);
        this.#witnessed = null;
        result = { state: 'accepted', head, lost: { code: problem.code, witnessed, archivedAs } };
        this.#c.log.error(
          { witnessedSeq: witnessed.seq, storeSeq: head?.seq ?? 0 },
          'audit rollback accepted by the operator',
        );
      }
    } else if (head !== null) {
      this.#c.log.warn({ storeSeq: head.seq }, 'no audit witness file yet: starting one at the store head');
    }
    this.#head = head;
    await this.checkpointNow(true);
    return result;
  }

  async #readWitness(): Promise<SignedCheckpoint | null> {
    const latest = await this.#witness.latest();
    if (latest === null) return null;
    const check = verifyCheckpointSignature(latest, this.#keyring.verificationKeys());
    if (check !== 'ok') {
      throw new GloveboxError(
        'GBX_AUDIT_WITNESS_INVALID',
        `the latest head in the audit witness ${this.#c.witnessPath} does not verify (${check}); ${RECOVERY}`,
      );
    }
    this.#witnessed = latest;
    return latest;
  }

  async #compare(
    witnessed: SignedCheckpoint,
    head: ChainHead | null,
  ): Promise<{ code: 'GBX_AUDIT_ROLLED_BACK' | 'GBX_AUDIT_TAMPERED'; message: string } | null> {
    if (head === null || head.seq < witnessed.seq) {
      return {
        code: 'GBX_AUDIT_ROLLED_BACK',
        message: `the audit store ends at seq ${head?.seq ?? 0} but seq ${witnessed.seq} was witnessed at ${witnessed.time}: events were removed or an older copy was restored`,
      };
    }
    if ((await this.#c.store.auditHashAt(witnessed.seq)) !== witnessed.headHash) {
      return {
        code: 'GBX_AUDIT_TAMPERED',
        message: `the audit store holds another event at seq ${witnessed.seq} than the one witnessed at ${witnessed.time}: the trail was rewritten`,
      };
    }
    const from = { seq: witnessed.seq, hash: witnessed.headHash };
    const tail = await verifyEvents(
      storedRecords(this.#c.store, witnessed.seq),
      this.#keyring.verificationKeys(),
      {
        from,
      },
    );
    if (!tail.ok) {
      return {
        code: 'GBX_AUDIT_TAMPERED',
        message: `the events after the witnessed head do not verify: ${tail.message}`,
      };
    }
    return null;
  }

  /**
   * Signs the current head with the old key, then switches every replica to a new one (stored
   * if the shared keyring did not change meanwhile); the old public key is kept so earlier
   * checkpoints still verify. Returns the new key id.
   */
  async rotateKey(): Promise<string> {
    await this.checkpointNow(true);
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.#refreshKeyring();
      const ring = AuditKeyring.deserialize(this.#keyring.serialize());
      const key = ring.rotate(new Date(this.#c.clock.now()).toISOString());
      if (await this.#c.secrets.replace('audit-keyring', ring.serialize(), this.#keyringVersion)) {
        this.#keyring = ring;
        this.#keyringVersion++;
        await ring.save(this.#c.keysDir);
        return key.keyId;
      }
    }
    throw new GloveboxError('GBX_CONFLICT', 'the shared audit keyring kept changing; rotate again');
  }

  /** The latest head witnessed outside the store by this gateway. */
  witnessed(): SignedCheckpoint | null {
    return this.#witnessed;
  }

  /** Called after every durable append: a checkpoint follows, at most one per interval. */
  observe(event: ChainedEvent): void {
    if (!this.#head || event.seq > this.#head.seq) this.#head = { seq: event.seq, hash: event.hash };
    if (this.#policy.isDue(event.seq)) {
      void this.checkpointNow();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.checkpointNow();
      }, this.#policy.msUntilTimeDue());
      this.#timer.unref();
    }
  }

  /** Signs, stores and witnesses the head this process committed last. Never throws. */
  checkpointNow(force = false): Promise<void> {
    this.#signing = this.#signing.then(async () => {
      const head = this.#head;
      if (!head || head.seq <= (this.#witnessed?.seq ?? 0) || (!force && !this.#policy.isDue(head.seq)))
        return;
      try {
        // Another replica may have rotated the shared key: sign with the active one.
        await this.#refreshKeyring();
        const checkpoint = signCheckpoint(
          { seq: head.seq, headHash: head.hash, time: new Date(this.#c.clock.now()).toISOString() },
          this.#keyring.active,
        );
        await this.#c.store.addCheckpoint(head.seq, JSON.stringify(checkpoint));
        await this.#witness.append(checkpoint);
        this.#witnessed = checkpoint;
        this.#policy.recorded(head.seq);
        this.#c.onCheckpoint?.(checkpoint);
      } catch (error) {
        this.#c.log.error({ err: error }, 'audit checkpoint could not be signed, stored or witnessed');
      }
    });
    return this.#signing;
  }

  /** Stops the checkpoint timer after signing the last head. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.checkpointNow(true);
  }

  /** The whole trail in order, as the store holds it. */
  records(): AsyncGenerator<AuditRecord> {
    return storedRecords(this.#c.store);
  }

  /**
   * Verifies the whole live trail in a worker thread, held against every head witnessed outside
   * the store: the head this process wrote last, the witness file's, and any the caller brings.
   */
  async verify(
    extra: readonly WitnessedHead[] = [],
    onProgress?: (progress: VerifyProgress) => void,
  ): Promise<VerifyReport> {
    await this.#refreshKeyring();
    const witnesses: WitnessedHead[] = [...extra];
    if (this.#head) witnesses.push(this.#head);
    if (this.#witnessed) witnesses.push({ seq: this.#witnessed.seq, hash: this.#witnessed.headHash });
    // Progress goes to the gateway's log as well, so an operator sees a long verification advance.
    return this.#verifier.verify(witnesses, (progress) => {
      this.#c.log.info(progress, 'audit verification in progress');
      onProgress?.(progress);
    });
  }

  /**
   * Writes an export: the head is signed (and witnessed) first, so no event in it is protected by
   * the chain alone, and the header carries the latest witnessed head the file must reach.
   */
  async export(out: Writable): Promise<ExportSummary> {
    await this.checkpointNow(true);
    await this.#refreshKeyring();
    return writeExport(this.records(), out, {
      publicKeys: this.#keyring.publicKeys(),
      witness: this.#witnessed,
    });
  }
}

/** What the gateway hands {@link startAuditTrail}. */
export interface StartAuditTrailOptions {
  config: {
    dataDir: string;
    store?: string | undefined;
    audit?: unknown;
    acceptAuditRollback?: number | undefined;
  };
  store: Store;
  clock: Clock;
  log: Logger;
  secrets: SharedSecrets;
  audit: AuditService;
  onCheckpoint: (checkpoint: SignedCheckpoint) => void;
}

/**
 * Opens the trail at gateway start: keys, witness check (refusing a store that went backwards
 * unless the operator accepted it), anchors the audit service at the checked head, and records an
 * accepted rollback in the trail itself.
 */
export async function startAuditTrail(
  options: StartAuditTrailOptions,
): Promise<{ trail: AuditTrail; witness: WitnessState }> {
  const settings = parseSinksConfig(options.config.audit ?? {});
  const keys = join(options.config.dataDir, 'keys');
  const trail = await AuditTrail.open({
    store: options.store,
    clock: options.clock,
    log: options.log,
    secrets: options.secrets,
    keysDir: join(keys, 'audit'),
    witnessPath: settings.witnessFile ?? join(keys, 'audit-witness.jsonl'),
    checkpointIntervalMs: settings.checkpointIntervalMs ?? 1000,
    verifyProgressEvery: settings.verifyProgressEvery ?? 50_000,
    storeUrl: options.config.store,
    dataDir: options.config.dataDir,
    onCheckpoint: options.onCheckpoint,
  });
  const witness = await trail.reconcile(options.config.acceptAuditRollback);
  options.audit.anchorAt(witness.head);
  if (witness.state === 'accepted') {
    await options.audit.record({
      type: 'audit.rollback_accepted',
      actor: { kind: 'system', id: 'operator' },
      outcome: 'success',
      details: {
        problem: witness.lost.code,
        witnessedSeq: witness.lost.witnessed.seq,
        witnessedHash: witness.lost.witnessed.headHash,
        witnessedAt: witness.lost.witnessed.time,
        storeSeq: witness.head?.seq ?? 0,
        storeHash: witness.head?.hash ?? null,
        archivedWitness: witness.lost.archivedAs,
      },
    });
  }
  return { trail, witness };
}
