import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Identifiers name things, they grant nothing (secrets come from {@link newSecret}), so their
 * randomness is drawn from the CSPRNG in blocks, as `crypto.randomUUID` does: one call per 256 ids.
 */
const POOL_BYTES = 16 * 256;
let pool = Buffer.alloc(0);
let poolAt = 0;

/**
 * A random, URL-safe identifier with a readable prefix: `req_7k2m…`. 80 bits of randomness.
 *
 * @example
 * newId('req'); // 'req_0f3k9x2m4q8r1t5v'
 */
export function newId(prefix: string): string {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  let out = '';
  for (let i = poolAt; i < poolAt + 16; i++) out += ALPHABET[pool[i]! & 31];
  poolAt += 16;
  return `${prefix}_${out}`;
}

/** A high-entropy secret (256 bits) encoded base64url, with a readable prefix. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
