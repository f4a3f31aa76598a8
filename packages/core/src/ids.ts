import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A random, URL-safe identifier with a readable prefix: `req_7k2m…`. 80 bits of randomness.
 *
 * @example
 * newId('req'); // 'req_0f3k9x2m4q8r1t5v'
 */
export function newId(prefix: string): string {
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) out += ALPHABET[(bytes[i] ?? 0) & 31];
  return `${prefix}_${out}`;
}

/** A high-entropy secret (256 bits) encoded base64url, with a readable prefix. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
