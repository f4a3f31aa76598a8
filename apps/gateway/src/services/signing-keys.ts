import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { GloveboxError, type Clock } from '@glovebox/core';
import {
  keyFingerprint,
  keyIdOf,
  keyRotationSchema,
  signKeyRotation,
  type EnvelopeSigningKey,
  type KeyRotation,
} from '@glovebox/protocol';
import type { Logger } from 'pino';
import type { SharedSecrets } from './shared-secrets.js';

/** The gateway's Ed25519 key that signs every welcome and action envelope. */
export interface GatewaySigningKey extends EnvelopeSigningKey {
  publicKey: KeyObject;
  publicKeyPem: string;
  /** `sha256:<hex>`, what agents pin. */
  fingerprint: string;
  /** The announcements from earlier keys to this one, oldest first (each signed by the key before). */
  rotations: KeyRotation[];
}

/** The signing key from its PKCS#8 PEM; refuses anything but Ed25519. */
export function signingKeyFromPem(pem: string, rotations: KeyRotation[] = []): GatewaySigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('the envelope key is not Ed25519');
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: keyFingerprint(publicKey),
    rotations,
  };
}

/** Rotations kept: an agent pinned to a key older than this many rotations must be re-pinned. */
const MAX_ROTATIONS = 32;
const SECRET = 'envelope-signing-key';

/** The stored form: the current key's PEM, then (since the first rotation) JSON with the chain. */
function parseKeyRing(value: string): GatewaySigningKey {
  if (value.startsWith('-----BEGIN')) return signingKeyFromPem(value);
  const ring = JSON.parse(value) as { pem?: unknown; rotations?: unknown };
  const rotations = keyRotationSchema.array().safeParse(ring.rotations);
  if (typeof ring.pem !== 'string' || !rotations.success)
    throw new GloveboxError('GBX_CONFIG_INVALID', 'the shared envelope signing key is not a key ring');
  return signingKeyFromPem(ring.pem, rotations.data);
}

/** Fingerprints of the keys the rotations replaced, oldest first. */
export function previousFingerprints(key: GatewaySigningKey): string[] {
  return key.rotations.map((r) => {
    const { from } = JSON.parse(Buffer.from(r.payload, 'base64url').toString('utf8')) as { from: string };
    return keyFingerprint(createPublicKey(from));
  });
}

function newPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export interface SharedSigningKeyConfig {
  secrets: SharedSecrets;
  /** A key file an earlier single gateway created, adopted on first start. */
  legacyPath: string;
  clock: Clock;
  /** How often a replica re-reads the shared key to follow a rotation another replica made. */
  refreshMs: number;
  /** Told when this replica started signing with a newer key. Must not throw. */
  onRotated: (key: GatewaySigningKey) => void;
  log: Logger;
}

/**
 * The key every replica signs welcomes and envelopes with, shared through the store (sealed), with
 * the chain of rotations that lead to it. On first start a key file an earlier single gateway
 * created is adopted, so agents that pinned it keep working. A rotation made on one replica
 * reaches the others within `refreshMs`.
 */
export class SharedSigningKey {
  readonly #c: SharedSigningKeyConfig;
  #key: GatewaySigningKey | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(config: SharedSigningKeyConfig) {
    this.#c = config;
  }

  /** The key to sign with now; throws until {@link load} finished. */
  current(): GatewaySigningKey {
    if (!this.#key) throw new GloveboxError('GBX_STORE_UNAVAILABLE', 'the gateway has not started');
    return this.#key;
  }

  /** Reads (or on first start creates) the shared key, then follows it. */
  async load(): Promise<GatewaySigningKey> {
    const { legacyPath } = this.#c;
    const value = await this.#c.secrets.getOrCreate(SECRET, () =>
      existsSync(legacyPath) ? readFileSync(legacyPath, 'utf8') : newPem(),
    );
    this.#key = parseKeyRing(value);
    this.#timer = setInterval(() => void this.refresh(), this.#c.refreshMs);
    this.#timer.unref();
    return this.#key;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Re-reads the shared key; a newer one replaces the current one. */
  async refresh(): Promise<void> {
    try {
      const stored = await this.#c.secrets.read(SECRET);
      if (stored) this.#adopt(parseKeyRing(stored.value));
    } catch (error) {
      this.#c.log.warn({ err: error }, 'the shared signing key was not re-read');
    }
  }

  /**
   * Replaces the shared key with a new one, announced by a rotation the current key signs.
   * Throws GBX_CONFLICT when another replica rotated first.
   */
  async rotate(): Promise<GatewaySigningKey> {
    const stored = await this.#c.secrets.read(SECRET);
    if (!stored) throw new GloveboxError('GBX_STORE_UNAVAILABLE', 'the gateway has no signing key yet');
    const current = parseKeyRing(stored.value);
    const pem = newPem();
    const rotations = [
      ...current.rotations,
      signKeyRotation(current, createPublicKey(createPrivateKey(pem)), this.#c.clock.now()),
    ].slice(-MAX_ROTATIONS);
    if (!(await this.#c.secrets.replace(SECRET, JSON.stringify({ pem, rotations }), stored.version)))
      throw new GloveboxError('GBX_CONFLICT', 'another replica rotated the signing key meanwhile');
    const next = signingKeyFromPem(pem, rotations);
    this.#adopt(next);
    return next;
  }

  #adopt(key: GatewaySigningKey): void {
    if (key.keyId === this.#key?.keyId) return;
    this.#key = key;
    this.#c.onRotated(key);
  }
}
