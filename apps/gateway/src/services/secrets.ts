import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GloveboxError } from '@glovebox/core';

/** N = 2^17, r = 8: 128 MiB and a few hundred ms per check, OWASP's recommendation for scrypt. */
const SCRYPT = { N: 1 << 17, r: 8, p: 1, maxmem: 160 * 1024 * 1024, keylen: 32 };
/** Older hashes still verified (and rehashed at the next successful login): N from 2^14, r = 8, p = 1. */
const MIN_N = 1 << 14;

/**
 * Told the N of every scrypt this process computes. For tests, which count the work a login does
 * (they never time it); null in production.
 */
export const scryptWork: { observer: ((N: number) => void) | null } = { observer: null };

function scryptAsync(password: string, salt: Buffer, params: typeof SCRYPT): Promise<Buffer> {
  scryptWork.observer?.(params.N);
  return new Promise((resolve, reject) => {
    scrypt(
      password,
      salt,
      params.keylen,
      { N: params.N, r: params.r, p: params.p, maxmem: params.maxmem },
      (e, key) => (e ? reject(e) : resolve(key)),
    );
  });
}

/** scrypt (N=2^17, r=8, p=1) with a random salt, encoded `scrypt$N$r$p$salt$hash`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** A hash of a password nobody has, so that unknown users cost the same time as wrong passwords. */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return decoyHash;
}

/** The parameters of a stored hash, or null when it is malformed or outside what is accepted. */
function parseHash(stored: string): { N: number; r: number; p: number; salt: Buffer; hash: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const N = Number(n);
  // A tampered store must not make a login allocate gigabytes: only the parameters we ever wrote.
  if (!Number.isInteger(N) || N < MIN_N || N > SCRYPT.N || (N & (N - 1)) !== 0) return null;
  if (r !== String(SCRYPT.r) || p !== String(SCRYPT.p)) return null;
  return {
    N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    salt: Buffer.from(salt, 'base64url'),
    hash: Buffer.from(hash, 'base64url'),
  };
}

/**
 * Constant-time check of a password against a stored hash; false for any malformed hash. Every
 * check does the work of one scrypt at today's N, whatever is stored (scrypt's work grows with N):
 * a malformed hash gets a check against nothing, and an older, cheaper hash (N from 2^14) is
 * followed by checks against nothing at N, 2N, … up to today's N / 2, which add up to the
 * difference. So a login naming a user who has not logged in since the parameters rose takes as
 * long as one naming nobody.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) {
    await scryptAsync(password, randomBytes(16), SCRYPT);
    return false;
  }
  const key = await scryptAsync(password, parsed.salt, {
    ...SCRYPT,
    N: parsed.N,
    keylen: parsed.hash.length,
  });
  for (let N = parsed.N; N < SCRYPT.N; N *= 2) await scryptAsync(password, randomBytes(16), { ...SCRYPT, N });
  return parsed.hash.length === key.length && timingSafeEqual(parsed.hash, key);
}

/** True when a stored hash is weaker than what `hashPassword` writes now (rehash it at login). */
export function needsRehash(stored: string): boolean {
  return (parseHash(stored)?.N ?? 0) < SCRYPT.N;
}

/** SHA-256 of a high-entropy bearer secret (tokens, agent credentials): what the store keeps. */
export function hashBearer(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Encrypts small secrets at rest (TOTP seeds) with AES-256-GCM under the gateway's master key.
 * The key comes from GLOVEBOX_MASTER_KEY (base64, 32 bytes) or a 0600 file in the data directory.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new TypeError('master key must be 32 bytes');
    this.#key = key;
  }

  static fromEnvOrFile(envValue: string | undefined, path: string): SecretBox {
    if (envValue) {
      const key = Buffer.from(envValue, 'base64');
      if (key.length !== 32)
        throw new GloveboxError('GBX_CONFIG_INVALID', 'GLOVEBOX_MASTER_KEY must be 32 bytes of base64');
      return new SecretBox(key);
    }
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    chmodSync(path, 0o600);
    return new SecretBox(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64'));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v1',
      iv.toString('base64url'),
      body.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.');
  }

  open(sealed: string): string {
    const [v, iv, body, tag] = sealed.split('.');
    if (v !== 'v1' || !iv || !body || !tag)
      throw new GloveboxError('GBX_INTERNAL', 'sealed secret is malformed');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}
