import { charClasses, shannonEntropy } from './validators.js';

const TRIVIAL = new Set([
  '',
  'null',
  'nil',
  'none',
  'undefined',
  'true',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'redacted',
  '[redacted]',
  '<redacted>',
  '(redacted)',
  'hidden',
  '[hidden]',
  '<hidden>',
  'masked',
  '[masked]',
  '[filtered]',
  'filtered',
  'changeme',
  '...',
  '<password>',
  '<secret>',
  '<token>',
  'n/a',
  'na',
  '-',
  'empty',
  'required',
  'optional',
  'string',
  'object',
  'array',
]);

const PLACEHOLDER_RE = /^\[(?:REDACTED:[A-Z0-9_]+|[A-Z0-9_]+:[0-9a-f]{6})\]$/;

/** Values that say nothing even under a sensitive name: empty, null, booleans, masks, templates. */
export function isTrivialValue(value: string): boolean {
  if (value.length <= 1) return true;
  if (TRIVIAL.has(value.toLowerCase())) return true;
  if (/^[*xX•#.]+$/.test(value)) return true;
  if (PLACEHOLDER_RE.test(value)) return true;
  // what a program prints in place of a value it hides: npm's `(protected)`, terraform's `(sensitive value)`
  if (/^\([a-z]+(?:[ -][a-z]+){0,3}\)$/.test(value)) return true;
  if (/^(?:\$\{[^}]*\}|\$\([^)]*\)|\{\{[^}]*\}\}|%\(?\w*\)?s|\$[A-Z_][A-Z0-9_]*|<[^<>]*>)$/.test(value))
    return true;
  return false;
}

/** True when the text is one of our own placeholders. */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER_RE.test(value);
}

/** A hex digest naming its algorithm (`sha256:…`, pip's `--hash`, OCI digests): a checksum. */
const NAMED_DIGEST =
  /^(?:md5|sha1|sha224|sha256|sha384|sha512|sha3-(?:224|256|384|512)|blake2[bs]|blake3)[:=-][0-9a-fA-F]{32,128}$/i;

/** The gate for values under names that only suggest a secret (`*_key`, `*_hash`, `auth_*`). */
export function looksSecret(value: string): boolean {
  if (value.length < 12) return false;
  if (NAMED_DIGEST.test(value)) return false;
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value))
    return false;
  if (/^\d+$/.test(value)) return false;
  return charClasses(value) >= 2 && shannonEntropy(value) >= 3.0;
}
