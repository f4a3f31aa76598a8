import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GloveboxError } from '@glovebox/core';
import { z } from 'zod';

/** An Ed25519 key that signs checkpoints. The key id is derived from the public key. */
export interface AuditSigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** ISO time the key was created (or first loaded, for imported keys). */
  readonly createdAt: string;
}

/** A public key as exported: enough to check checkpoints offline. */
export interface AuditPublicKey {
  keyId: string;
  algorithm: 'Ed25519';
  /** SPKI PEM. */
  publicKey: string;
}

/** Schema of an exported public key (untrusted input when read from a file). */
export const auditPublicKeySchema = z.strictObject({
  keyId: z.string().regex(/^ak_[0-9a-f]{20}$/),
  algorithm: z.literal('Ed25519'),
  publicKey: z.string().min(1).max(4096),
});

/**
 * The id of an audit key: `ak_` and the first 80 bits of the SHA-256 of its SPKI DER. Deriving
 * it from the key means a header cannot pass one key off under another key's id.
 */
export function auditKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `ak_${createHash('sha256').update(der).digest('hex').slice(0, 20)}`;
}

/** Creates a new Ed25519 audit signing key. */
export function generateAuditKey(createdAt: string = new Date().toISOString()): AuditSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId: auditKeyId(publicKey), privateKey, publicKey, createdAt };
}

/** Exports the public half of a key. */
export function exportPublicKey(key: { keyId: string; publicKey: KeyObject }): AuditPublicKey {
  return {
    keyId: key.keyId,
    algorithm: 'Ed25519',
    publicKey: key.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * Parses a public key from PEM (SPKI) or an exported {@link AuditPublicKey}; returns null on
 * anything that is not an Ed25519 key whose id (if given) matches the key.
 */
export function parsePublicKey(value: unknown): { keyId: string; key: KeyObject } | null {
  let pem: string;
  let claimedId: string | undefined;
  if (typeof value === 'string') {
    pem = value;
  } else {
    const parsed = auditPublicKeySchema.safeParse(value);
    if (!parsed.success) return null;
    pem = parsed.data.publicKey;
    claimedId = parsed.data.keyId;
  }
  if (pem.length > 4096) return null;
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return null;
  }
  if (key.asymmetricKeyType !== 'ed25519') return null;
  const keyId = auditKeyId(key);
  if (claimedId !== undefined && claimedId !== keyId) return null;
  return { keyId, key };
}

/** Turns public keys (PEM strings or exported objects) into the map the verifier takes. */
export function publicKeyMap(keys: Iterable<unknown>): Map<string, KeyObject> {
  const map = new Map<string, KeyObject>();
  for (const value of keys) {
    const parsed = parsePublicKey(value);
    if (parsed === null) throw new GloveboxError('GBX_CONFIG_INVALID', 'not an Ed25519 audit public key');
    map.set(parsed.keyId, parsed.key);
  }
  return map;
}

const manifestSchema = z.strictObject({
  version: z.literal(1),
  active: z.string().regex(/^ak_[0-9a-f]{20}$/),
  keys: z
    .array(z.strictObject({ keyId: z.string().regex(/^ak_[0-9a-f]{20}$/), createdAt: z.string().max(64) }))
    .min(1)
    .max(1000),
});

const MANIFEST = 'keyring.json';

const serializedSchema = z.strictObject({
  version: z.literal(1),
  active: z.string().regex(/^ak_[0-9a-f]{20}$/),
  privateKey: z.string().min(1).max(4096),
  keys: z
    .array(auditPublicKeySchema.extend({ createdAt: z.string().max(64) }))
    .min(1)
    .max(1000),
});

/**
 * The checkpoint keys: one active signing key and the public keys of every key it replaced,
 * kept so old checkpoints still verify. On disk, a directory holds `keyring.json`, the active
 * private key as `<keyId>.key.pem` (mode 0600) and every public key as `<keyId>.pub.pem`.
 *
 * @example
 * const ring = await AuditKeyring.openOrCreate('/var/lib/glovebox/audit-keys');
 * const checkpoint = signCheckpoint({ seq, headHash, time }, ring.active);
 * ring.rotate(); await ring.save('/var/lib/glovebox/audit-keys');
 */
export class AuditKeyring {
  #active: AuditSigningKey;
  readonly #retired: { keyId: string; publicKey: KeyObject; createdAt: string }[] = [];

  constructor(
    active: AuditSigningKey,
    retired: readonly { keyId: string; publicKey: KeyObject; createdAt: string }[] = [],
  ) {
    this.#active = active;
    for (const key of retired) if (key.keyId !== active.keyId) this.#retired.push(key);
  }

  /** The key that signs new checkpoints. */
  get active(): AuditSigningKey {
    return this.#active;
  }

  /** Makes a fresh key active; the previous key's public half is kept for verification. */
  rotate(createdAt: string = new Date().toISOString()): AuditSigningKey {
    const old = this.#active;
    this.#retired.push({ keyId: old.keyId, publicKey: old.publicKey, createdAt: old.createdAt });
    this.#active = generateAuditKey(createdAt);
    return this.#active;
  }

  /**
   * Keeps every public key of `other` (its active one too) that this keyring lacks, as retired
   * keys, so checkpoints `other` signed still verify. True when any key was new.
   */
  retain(other: AuditKeyring): boolean {
    const known = this.verificationKeys();
    let added = false;
    for (const key of [...other.#retired, other.#active]) {
      if (known.has(key.keyId)) continue;
      this.#retired.push({ keyId: key.keyId, publicKey: key.publicKey, createdAt: key.createdAt });
      added = true;
    }
    return added;
  }

  /** Every public key, oldest first, active last: what an export's header carries. */
  publicKeys(): AuditPublicKey[] {
    return [...this.#retired, this.#active].map(exportPublicKey);
  }

  /** Public keys by id, for {@link verifyEvents} and {@link verifyExport}. */
  verificationKeys(): Map<string, KeyObject> {
    const map = new Map<string, KeyObject>();
    for (const key of [...this.#retired, this.#active]) map.set(key.keyId, key.publicKey);
    return map;
  }

  /**
   * The whole keyring as one JSON text — the active private key included — for a store that
   * seals it (the gateway keeps it sealed with the master key so every replica shares it).
   */
  serialize(): string {
    const all = [...this.#retired, this.#active];
    const sealed: z.infer<typeof serializedSchema> = {
      version: 1,
      active: this.#active.keyId,
      privateKey: this.#active.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      keys: all.map((key) => ({ ...exportPublicKey(key), createdAt: key.createdAt })),
    };
    return JSON.stringify(sealed);
  }

  /**
   * Reads a keyring written by {@link AuditKeyring.serialize}; `GBX_CONFIG_INVALID` on anything
   * else, on a key whose id does not match it, or an active private key that is not the active key.
   */
  static deserialize(text: string): AuditKeyring {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = serializedSchema.safeParse(json);
    if (!parsed.success)
      throw new GloveboxError('GBX_CONFIG_INVALID', 'the stored audit keyring is malformed');
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(parsed.data.privateKey);
    } catch {
      throw new GloveboxError('GBX_CONFIG_INVALID', 'the stored audit private key is not a PEM private key');
    }
    const retired: { keyId: string; publicKey: KeyObject; createdAt: string }[] = [];
    let active: AuditSigningKey | undefined;
    for (const entry of parsed.data.keys) {
      const { createdAt: _createdAt, ...exported } = entry;
      const key = parsePublicKey(exported);
      if (key === null)
        throw new GloveboxError('GBX_CONFIG_INVALID', `stored audit key ${entry.keyId} is wrong`);
      if (entry.keyId !== parsed.data.active) {
        retired.push({ keyId: key.keyId, publicKey: key.key, createdAt: entry.createdAt });
      } else if (
        privateKey.asymmetricKeyType === 'ed25519' &&
        auditKeyId(createPublicKey(privateKey)) === key.keyId
      ) {
        active = { keyId: key.keyId, privateKey, publicKey: key.key, createdAt: entry.createdAt };
      }
    }
    if (active === undefined)
      throw new GloveboxError('GBX_CONFIG_INVALID', 'the stored audit keyring holds no usable active key');
    return new AuditKeyring(active, retired);
  }

  /**
   * Writes the keyring to `dir` (created 0700). Private key files are 0600; the private key of a
   * retired key is deleted, so a stolen old key cannot sign new checkpoints.
   */
  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const privatePem = this.#active.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeAtomically(join(dir, `${this.#active.keyId}.key.pem`), privatePem, 0o600);
    const all = [...this.#retired, this.#active];
    for (const key of all) {
      const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      await writeAtomically(join(dir, `${key.keyId}.pub.pem`), pem, 0o644);
    }
    const manifest: z.infer<typeof manifestSchema> = {
      version: 1,
      active: this.#active.keyId,
      keys: all.map((key) => ({ keyId: key.keyId, createdAt: key.createdAt })),
    };
    await writeAtomically(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, 0o644);
    for (const key of this.#retired) await rm(join(dir, `${key.keyId}.key.pem`), { force: true });
  }

  /**
   * Loads a keyring saved by {@link AuditKeyring.save}. Refuses (`GBX_CONFIG_INVALID`) a missing
   * or malformed manifest, a key whose id does not match its file, and a private key file that
   * others can read.
   */
  static async load(dir: string): Promise<AuditKeyring> {
    let manifestText: string;
    try {
      manifestText = await readFile(join(dir, MANIFEST), 'utf8');
    } catch {
      throw new GloveboxError('GBX_CONFIG_INVALID', 'audit keyring manifest is missing or unreadable');
    }
    let manifestJson: unknown;
    try {
      manifestJson = JSON.parse(manifestText);
    } catch {
      throw new GloveboxError('GBX_CONFIG_INVALID', 'audit keyring manifest is not JSON');
    }
    const manifest = manifestSchema.safeParse(manifestJson);
    if (!manifest.success)
      throw new GloveboxError('GBX_CONFIG_INVALID', 'audit keyring manifest is malformed');
    const retired: { keyId: string; publicKey: KeyObject; createdAt: string }[] = [];
    let active: AuditSigningKey | undefined;
    for (const entry of manifest.data.keys) {
      if (entry.keyId === manifest.data.active) {
        const privateKey = await readPrivateKey(join(dir, `${entry.keyId}.key.pem`));
        const publicKey = createPublicKey(privateKey);
        if (auditKeyId(publicKey) !== entry.keyId) {
          throw new GloveboxError(
            'GBX_CONFIG_INVALID',
            `audit key file ${entry.keyId}.key.pem holds another key`,
          );
        }
        active = { keyId: entry.keyId, privateKey, publicKey, createdAt: entry.createdAt };
      } else {
        const parsed = parsePublicKey(
          await readFile(join(dir, `${entry.keyId}.pub.pem`), 'utf8').catch(() => ''),
        );
        if (parsed === null || parsed.keyId !== entry.keyId) {
          throw new GloveboxError(
            'GBX_CONFIG_INVALID',
            `audit public key ${entry.keyId} is missing or wrong`,
          );
        }
        retired.push({ keyId: entry.keyId, publicKey: parsed.key, createdAt: entry.createdAt });
      }
    }
    if (active === undefined)
      throw new GloveboxError('GBX_CONFIG_INVALID', 'audit keyring names no active key');
    return new AuditKeyring(active, retired);
  }

  /** Loads the keyring in `dir`, or creates and saves a new one when the directory has none. */
  static async openOrCreate(dir: string, createdAt?: string): Promise<AuditKeyring> {
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.includes(MANIFEST)) return AuditKeyring.load(dir);
    const ring = new AuditKeyring(generateAuditKey(createdAt));
    await ring.save(dir);
    return ring;
  }
}

async function readPrivateKey(path: string): Promise<KeyObject> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new GloveboxError('GBX_CONFIG_INVALID', 'the active audit private key file is missing');
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new GloveboxError(
      'GBX_CONFIG_INVALID',
      'the audit private key file is readable by others; chmod 600 it',
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(path, 'utf8'));
  } catch {
    throw new GloveboxError('GBX_CONFIG_INVALID', 'the audit private key file is not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new GloveboxError('GBX_CONFIG_INVALID', 'the audit private key is not an Ed25519 key');
  }
  return key;
}

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await rm(temp, { force: true });
  await writeFile(temp, text, { mode, flag: 'wx' });
  await rename(temp, path);
}
