import { sign, verify, type KeyObject } from 'node:crypto';
import type { Clock } from '@glovebox/core';
import { canonicalJson } from '@glovebox/protocol';
import { z } from 'zod';
import type { AuditSigningKey } from './keys.js';

/** What a checkpoint attests: the chain up to `seq` ends in `headHash`, as of `time`. */
export interface CheckpointClaim {
  seq: number;
  headHash: string;
  time: string;
}

/** A checkpoint signed with an Ed25519 audit key. */
export interface SignedCheckpoint extends CheckpointClaim {
  keyId: string;
  /** base64url Ed25519 signature over {@link checkpointSigningBytes}. */
  signature: string;
}

/** Schema of a signed checkpoint (untrusted when read back). */
export const signedCheckpointSchema = z.strictObject({
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  headHash: z.string().regex(/^[0-9a-f]{64}$/),
  time: z.iso.datetime({ precision: 3 }),
  keyId: z.string().min(1).max(64),
  signature: z.string().min(1).max(128),
});

/**
 * The exact bytes a checkpoint signature covers: canonical JSON with a purpose label, so a
 * checkpoint signature can never be replayed as any other kind of Glovebox signature.
 */
export function checkpointSigningBytes(claim: CheckpointClaim, keyId: string): Buffer {
  return Buffer.from(
    canonicalJson({
      purpose: 'glovebox-audit-checkpoint',
      v: 1,
      seq: claim.seq,
      headHash: claim.headHash,
      time: claim.time,
      keyId,
    }),
  );
}

/**
 * Signs a checkpoint over the chain head.
 *
 * @example
 * const checkpoint = signCheckpoint({ seq: head.seq, headHash: head.hash, time: new Date().toISOString() }, ring.active);
 */
export function signCheckpoint(
  claim: CheckpointClaim,
  key: Pick<AuditSigningKey, 'keyId' | 'privateKey'>,
): SignedCheckpoint {
  const parsed = signedCheckpointSchema.pick({ seq: true, headHash: true, time: true }).safeParse({
    seq: claim.seq,
    headHash: claim.headHash,
    time: claim.time,
  });
  if (!parsed.success)
    throw new TypeError('checkpoint needs a positive seq, a hex SHA-256 head hash and an ISO time');
  const signature = sign(null, checkpointSigningBytes(parsed.data, key.keyId), key.privateKey).toString(
    'base64url',
  );
  return { ...parsed.data, keyId: key.keyId, signature };
}

/** Why a checkpoint's signature does not hold. */
export type CheckpointSignatureCheck = 'ok' | 'unknown-key' | 'bad-signature';

/** Checks a checkpoint's signature against trusted public keys (by key id). */
export function verifyCheckpointSignature(
  checkpoint: SignedCheckpoint,
  keys: ReadonlyMap<string, KeyObject>,
): CheckpointSignatureCheck {
  const key = keys.get(checkpoint.keyId);
  if (key === undefined) return 'unknown-key';
  try {
    const signature = Buffer.from(checkpoint.signature, 'base64url');
    return verify(null, checkpointSigningBytes(checkpoint, checkpoint.keyId), key, signature)
      ? 'ok'
      : 'bad-signature';
  } catch {
    return 'bad-signature';
  }
}

/** When checkpoints are due. */
export interface CheckpointPolicyConfig {
  /** Sign after this many events since the last checkpoint. Default 1000. */
  everyEvents?: number;
  /** Sign when this much time has passed since the last checkpoint and new events exist. Default 60 000. */
  everyMs?: number;
  clock: Clock;
}

/**
 * Decides when a checkpoint is due: every N events or every T milliseconds, whichever first,
 * and never for an unchanged head.
 *
 * @example
 * const policy = new CheckpointPolicy({ everyEvents: 1000, everyMs: 60_000, clock: systemClock });
 * if (policy.isDue(head.seq)) { store.saveCheckpoint(signCheckpoint(...)); policy.recorded(head.seq); }
 */
export class CheckpointPolicy {
  readonly everyEvents: number;
  readonly everyMs: number;
  readonly #clock: Clock;
  #lastSeq = 0;
  #lastAt: number;

  constructor(config: CheckpointPolicyConfig) {
    this.everyEvents = config.everyEvents ?? 1000;
    this.everyMs = config.everyMs ?? 60_000;
    if (!Number.isSafeInteger(this.everyEvents) || this.everyEvents < 1)
      throw new TypeError('everyEvents must be a positive integer');
    if (!Number.isFinite(this.everyMs) || this.everyMs <= 0) throw new TypeError('everyMs must be positive');
    this.#clock = config.clock;
    this.#lastAt = config.clock.now();
  }

  /** Tells the policy where the last stored checkpoint is (after a restart, from the store). */
  recorded(seq: number, atMs: number = this.#clock.now()): void {
    this.#lastSeq = seq;
    this.#lastAt = atMs;
  }

  /** True when a checkpoint should be signed for a chain whose head is `headSeq`. */
  isDue(headSeq: number): boolean {
    if (headSeq <= this.#lastSeq) return false;
    return headSeq - this.#lastSeq >= this.everyEvents || this.#clock.now() - this.#lastAt >= this.everyMs;
  }

  /** Milliseconds until the time rule fires (0 when already due by time); for scheduling a timer. */
  msUntilTimeDue(): number {
    return Math.max(0, this.#lastAt + this.everyMs - this.#clock.now());
  }
}
