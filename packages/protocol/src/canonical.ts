import canonicalizeJson from 'canonicalize';
import { createHash } from 'node:crypto';

/** RFC 8785 canonical JSON of `value`; throws TypeError on values JSON cannot represent. */
export function canonicalJson(value: unknown): string {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new TypeError('value has no canonical JSON form');
  return text;
}

/** Hex SHA-256 of the canonical JSON of `value`: the digest that binds approvals and envelopes. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
