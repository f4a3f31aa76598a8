import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Clock } from '@glovebox/core';
import {
  AuditKeyring,
  CheckpointPolicy,
  generateAuditKey,
  signCheckpoint,
  verifyEvents,
  writeExport,
  type AuditRecord,
  type ChainedEvent,
  type ExportSummary,
  type SignedCheckpoint,
  type VerifyReport,
} from '@glovebox/audit';
import type { Store } from '../store/index.js';

/**
 * Signed checkpoints over the chain, and reading the whole trail back in order (events with
 * their checkpoints) for export and verification.
 */
export class AuditTrail {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #keyring: AuditKeyring;
  readonly #policy: CheckpointPolicy;
  #head: { seq: number; hash: string } | null = null;
  #signing: Promise<void> = Promise.resolve();

  readonly #keysDir: string;

  private constructor(
    store: Store,
    clock: Clock,
    keyring: AuditKeyring,
    policy: CheckpointPolicy,
    keysDir: string,
  ) {
    this.#keysDir = keysDir;
    this.#store = store;
    this.#clock = clock;
    this.#keyring = keyring;
    this.#policy = policy;
  }

  /** Loads (or on first start creates) the audit keyring under `keysDir`. */
  static async open(
    store: Store,
    clock: Clock,
    keysDir: string,
    every: { events: number; ms: number },
  ): Promise<AuditTrail> {
    let keyring: AuditKeyring;
    if (existsSync(keysDir)) keyring = await AuditKeyring.load(keysDir);
    else {
      keyring = new AuditKeyring(generateAuditKey(new Date(clock.now()).toISOString()));
      await keyring.save(keysDir);
    }
    const trail = new AuditTrail(
      store,
      clock,
      keyring,
      new CheckpointPolicy({ everyEvents: every.events, everyMs: every.ms, clock }),
      keysDir,
    );
    const last = (await store.listCheckpoints()).at(-1);
    if (last) trail.#policy.recorded(last.seq);
    return trail;
  }

  /**
   * Signs the current head with the old key, then switches to a new one; the old public key is
   * kept so earlier checkpoints still verify. Returns the new key id.
   */
  async rotateKey(): Promise<string> {
    await this.checkpointNow(true);
    const key = this.#keyring.rotate(new Date(this.#clock.now()).toISOString());
    await this.#keyring.save(this.#keysDir);
    return key.keyId;
  }

  publicKeys() {
    return this.#keyring.publicKeys();
  }

  /** Called after every durable append; signs a checkpoint when one is due. */
  observe(event: ChainedEvent): void {
    if (!this.#head || event.seq > this.#head.seq) this.#head = { seq: event.seq, hash: event.hash };
    if (this.#policy.isDue(event.seq)) void this.checkpointNow();
  }

  /** Signs the current head now (also used on a timer and at shutdown). Never throws. */
  checkpointNow(force = false): Promise<void> {
    this.#signing = this.#signing
      .then(async () => {
        const head = this.#head;
        if (!head || (!force && !this.#policy.isDue(head.seq))) return;
        const cp = signCheckpoint(
          { seq: head.seq, headHash: head.hash, time: new Date(this.#clock.now()).toISOString() },
          this.#keyring.active,
        );
        await this.#store.addCheckpoint(head.seq, JSON.stringify(cp));
        this.#policy.recorded(head.seq);
      })
      .catch(() => undefined);
    return this.#signing;
  }

  /** The whole trail in order: each checkpoint right after the event it signs. */
  async *records(): AsyncGenerator<AuditRecord> {
    const checkpoints = (await this.#store.listCheckpoints()).map(
      (c) => JSON.parse(c.checkpoint) as SignedCheckpoint,
    );
    let ci = 0;
    let after = 0;
    for (;;) {
      const rows = await this.#store.readAuditAfter(after, 1000);
      if (rows.length === 0) break;
      for (const row of rows) {
        yield { kind: 'event', event: JSON.parse(row.event) as ChainedEvent };
        while (ci < checkpoints.length && checkpoints[ci]!.seq === row.seq)
          yield { kind: 'checkpoint', checkpoint: checkpoints[ci++]! };
        after = row.seq;
      }
    }
  }

  verify(): Promise<VerifyReport> {
    return verifyEvents(this.records(), this.#keyring.verificationKeys());
  }

  /** Writes an export; the head is signed first so no event in it is protected by the chain alone. */
  async export(out: Writable): Promise<ExportSummary> {
    await this.checkpointNow(true);
    return writeExport(this.records(), out, { publicKeys: this.publicKeys() });
  }
}
