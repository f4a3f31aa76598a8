import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './canonical.js';
export { KEY_FINGERPRINT, parseKeyPins } from './constants.js';
import type { EnvelopeSigningKey } from './envelope.js';

function spkiOf(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

/**
 * The fingerprint an agent pins (`GLOVEBOX_GATEWAY_KEYS`, `gateway.keys`): `sha256:<hex>`.
 *
 * @example
 * keyFingerprint(createPublicKey(pem)); // 'sha256:3f1c…'
 */
export function keyFingerprint(publicKey: KeyObject): string {
  return `sha256:${createHash('sha256').update(spkiOf(publicKey)).digest('hex')}`;
}

/** The id an envelope names its signing key by: the first 16 hex digits of the fingerprint. */
export function keyIdOf(publicKey: KeyObject): string {
  return keyFingerprint(publicKey).slice(7, 23);
}

const signedSchema = z
  .object({
    /** base64url of the canonical JSON that was signed. */
    payload: z.string().min(1).max(16_384),
    signature: z.string().min(1).max(256),
  })
  .strict();

/**
 * A gateway key rotation: the new key, announced by the old one. Agents that pinned the old key
 * follow the chain to the new one; nobody else can extend it.
 */
export const keyRotationSchema = signedSchema;
export type KeyRotation = z.infer<typeof keyRotationSchema>;

const rotationPayloadSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('gateway-key-rotation'),
    from: z.string().max(4096),
    to: z.string().max(4096),
    at: z.number().int().nonnegative(),
  })
  .strict();

/** The signed part of a welcome: bound to the agent's nonce and naming the connection's channel. */
export const welcomePayloadSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('gateway-welcome'),
    agentName: z.string().min(1).max(128),
    /** The nonce of the agent's hello on this connection: a welcome cannot be replayed elsewhere. */
    nonce: z.string().min(16).max(64),
    /** Every envelope on this connection names it; envelopes from any other connection are refused. */
    channel: z.string().min(16).max(64),
    serverTime: z.number(),
    heartbeatIntervalMs: z.number().int().positive(),
  })
  .strict();
export type WelcomePayload = z.infer<typeof welcomePayloadSchema>;
export const signedWelcomeSchema = signedSchema;

function signJson(key: KeyObject, value: unknown): { payload: string; signature: string } {
  const bytes = Buffer.from(canonicalJson(value));
  return { payload: bytes.toString('base64url'), signature: sign(null, bytes, key).toString('base64url') };
}

function decodeJson(payload: string): unknown {
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The signed JSON when `key` signed it, else undefined. */
function openSigned(signed: { payload: string; signature: string }, key: KeyObject): unknown {
  let valid = false;
  try {
    valid = verify(
      null,
      Buffer.from(signed.payload, 'base64url'),
      key,
      Buffer.from(signed.signature, 'base64url'),
    );
  } catch {
    valid = false;
  }
  return valid ? decodeJson(signed.payload) : undefined;
}

function pemOf(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

function ed25519Public(pem: string): KeyObject | undefined {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** Announces `next` as the gateway's key, signed by the key it replaces. */
export function signKeyRotation(
  previous: EnvelopeSigningKey & { publicKey: KeyObject },
  next: KeyObject,
  at: number,
): KeyRotation {
  return signJson(previous.privateKey, {
    v: 1,
    kind: 'gateway-key-rotation',
    from: pemOf(previous.publicKey),
    to: pemOf(next),
    at,
  });
}

/** Signs a welcome for one connection. */
export function signWelcome(key: EnvelopeSigningKey, payload: Omit<WelcomePayload, 'v' | 'kind'>) {
  return signJson(key.privateKey, { v: 1, kind: 'gateway-welcome', ...payload });
}

/** Why an agent refused a welcome. */
export type WelcomeRejection = 'malformed' | 'unpinned-key' | 'retired-key' | 'bad-signature' | 'wrong-nonce';

export interface WelcomeCheck {
  /** Pinned fingerprints. */
  pins: readonly string[];
  /** Fingerprints this agent saw rotated away from: a welcome signed by one of them is refused. */
  retired: ReadonlySet<string>;
  /** The nonce the agent sent in its hello on this connection. */
  nonce: string;
}

/**
 * Verifies a welcome: its key is pinned, or reached from a pinned key through rotations each signed
 * by the key before it; the welcome is signed by that key and carries the agent's own nonce.
 * Returns the key the connection's envelopes must be signed with and the keys it rotated away from.
 */
export function verifyWelcome(
  message: {
    key: string;
    rotations: readonly KeyRotation[];
    welcome: { payload: string; signature: string };
  },
  check: WelcomeCheck,
):
  | { ok: true; payload: WelcomePayload; key: KeyObject; fingerprint: string; superseded: string[] }
  | { ok: false; reason: WelcomeRejection } {
  const key = ed25519Public(message.key);
  if (!key) return { ok: false, reason: 'malformed' };
  const fingerprint = keyFingerprint(key);
  const trusted = new Set(check.pins);
  const superseded: string[] = [];
  for (const rotation of message.rotations) {
    const announced = rotationPayloadSchema.safeParse(decodeJson(rotation.payload));
    if (!announced.success) return { ok: false, reason: 'malformed' };
    const signer = ed25519Public(announced.data.from);
    const next = ed25519Public(announced.data.to);
    if (!signer || !next) return { ok: false, reason: 'malformed' };
    const signerPrint = keyFingerprint(signer);
    if (!trusted.has(signerPrint) || openSigned(rotation, signer) === undefined) continue;
    trusted.add(keyFingerprint(next));
    superseded.push(signerPrint);
  }
  if (!trusted.has(fingerprint)) return { ok: false, reason: 'unpinned-key' };
  if (check.retired.has(fingerprint) || superseded.includes(fingerprint))
    return { ok: false, reason: 'retired-key' };
  const opened = openSigned(message.welcome, key);
  if (opened === undefined) return { ok: false, reason: 'bad-signature' };
  const payload = welcomePayloadSchema.safeParse(opened);
  if (!payload.success) return { ok: false, reason: 'malformed' };
  if (payload.data.nonce !== check.nonce) return { ok: false, reason: 'wrong-nonce' };
  return { ok: true, payload: payload.data, key, fingerprint, superseded };
}
