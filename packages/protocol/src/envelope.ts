import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, digestOf } from './canonical.js';
import { maskingLevelSchema } from './actions.js';

/**
 * What the gateway signs for every action it forwards to an agent. The agent refuses an action
 * unless every field checks out: signature, audience, target, time window, single use, digest.
 */
export const envelopePayloadSchema = z
  .object({
    v: z.literal(1),
    /** Unique per call; the agent refuses a nonce it has already seen (replay). */
    callId: z.string().min(8).max(64),
    sessionId: z.string().min(1).max(64),
    /** The agent's registered name: an envelope for one agent is useless to another. */
    audience: z.string().min(1).max(128),
    /** The channel of the welcome on the agent's connection: useless on any other connection. */
    channel: z.string().min(16).max(64),
    target: z.string().min(1).max(128),
    /** The one instance (process) of the target meant to act: useless to its siblings. */
    instance: z.string().min(1).max(64),
    action: z.string().min(1).max(32),
    params: z.unknown(),
    /** SHA-256 of the canonical JSON of `params`. */
    paramsDigest: z.string().regex(/^[0-9a-f]{64}$/),
    /** Masking level from the session's obligations; the agent redacts at least this much. */
    masking: maskingLevelSchema,
    /** The session's current end (ms since epoch): the agent's lease for this session. */
    leaseExpiresAt: z.number().int().nonnegative(),
    issuedAt: z.number().int().nonnegative(),
    expiresAt: z.number().int().nonnegative(),
  })
  .strict();
export type EnvelopePayload = z.infer<typeof envelopePayloadSchema>;

export const signedEnvelopeSchema = z
  .object({
    keyId: z.string().min(1).max(64),
    /** base64url of the canonical JSON of the payload: the exact bytes that were signed. */
    payload: z.string().min(1).max(1_048_576),
    signature: z.string().min(1).max(256),
  })
  .strict();
export type SignedEnvelope = z.infer<typeof signedEnvelopeSchema>;

/** An Ed25519 signing key with its id, as the gateway holds it. */
export interface EnvelopeSigningKey {
  keyId: string;
  privateKey: KeyObject;
}

/** Signs an envelope payload (computing its params digest). */
export function signEnvelope(
  key: EnvelopeSigningKey,
  payload: Omit<EnvelopePayload, 'paramsDigest' | 'v'>,
): SignedEnvelope {
  const full: EnvelopePayload = { v: 1, ...payload, paramsDigest: digestOf(payload.params ?? null) };
  const bytes = Buffer.from(canonicalJson(full));
  return {
    keyId: key.keyId,
    payload: bytes.toString('base64url'),
    signature: sign(null, bytes, key.privateKey).toString('base64url'),
  };
}

/** Why an envelope was refused. Deliberately coarse towards the sender. */
export type EnvelopeRejection =
  | 'malformed'
  | 'unknown-key'
  | 'bad-signature'
  | 'wrong-audience'
  | 'wrong-channel'
  | 'wrong-target'
  | 'wrong-instance'
  | 'expired'
  | 'not-yet-valid'
  | 'replayed'
  | 'digest-mismatch'
  | 'too-long-lived';

/**
 * The longest an envelope may be valid (expiresAt - issuedAt): the agent refuses a longer one, so an
 * envelope held back by someone in the middle of a connection is useless within minutes, whatever
 * the gateway was configured with.
 */
export const ENVELOPE_MAX_LIFETIME_MS = 5 * 60_000;

export interface EnvelopeCheck {
  /** Public keys the agent trusts, by key id. */
  keys: ReadonlyMap<string, KeyObject>;
  audience: string;
  /** The channel the welcome of this connection named. */
  channel: string;
  /** Target names this agent serves. */
  targets: ReadonlySet<string>;
  /** This process's instance id (the one it announced in its hello). */
  instance: string;
  now: number;
  /** Allowed clock difference between gateway and agent, ms. */
  skewMs?: number;
  /** Returns true the first time a call id is presented, false on any replay. */
  claimNonce: (callId: string, expiresAt: number) => boolean;
}

/**
 * Verifies a signed envelope and returns its payload, or the reason it is refused.
 * The signature is checked before anything in the payload is trusted.
 */
export function verifyEnvelope(
  envelope: unknown,
  check: EnvelopeCheck,
): { ok: true; payload: EnvelopePayload } | { ok: false; reason: EnvelopeRejection } {
  const parsed = signedEnvelopeSchema.safeParse(envelope);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const key = check.keys.get(parsed.data.keyId);
  if (!key) return { ok: false, reason: 'unknown-key' };
  const bytes = Buffer.from(parsed.data.payload, 'base64url');
  let valid = false;
  try {
    valid = verify(null, bytes, key, Buffer.from(parsed.data.signature, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad-signature' };
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const payload = envelopePayloadSchema.safeParse(json);
  if (!payload.success) return { ok: false, reason: 'malformed' };
  const p = payload.data;
  const skew = check.skewMs ?? 5_000;
  if (p.audience !== check.audience) return { ok: false, reason: 'wrong-audience' };
  if (p.channel !== check.channel) return { ok: false, reason: 'wrong-channel' };
  if (!check.targets.has(p.target)) return { ok: false, reason: 'wrong-target' };
  if (p.instance !== check.instance) return { ok: false, reason: 'wrong-instance' };
  if (p.expiresAt - p.issuedAt > ENVELOPE_MAX_LIFETIME_MS) return { ok: false, reason: 'too-long-lived' };
  if (p.expiresAt + skew < check.now) return { ok: false, reason: 'expired' };
  if (p.issuedAt - skew > check.now) return { ok: false, reason: 'not-yet-valid' };
  if (digestOf(p.params ?? null) !== p.paramsDigest) return { ok: false, reason: 'digest-mismatch' };
  if (!check.claimNonce(p.callId, p.expiresAt + skew)) return { ok: false, reason: 'replayed' };
  return { ok: true, payload: p };
}

/** Loads an Ed25519 key pair from PEM text; throws TypeError on anything else. */
export function ed25519FromPem(privatePem: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey(privatePem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('expected an Ed25519 private key');
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
