/** Key names masked in the isolate, before any value leaves the application's thread. */
import type { Intrinsics } from './intrinsics.js';

/** Normalized names and fragments that mark a key as sensitive, with a bounded lookup cache. */
export interface SensitiveKeys {
  exact: Set<string>;
  parts: string[];
  cache: Map<string, boolean>;
  normalize: RegExp;
}

/** The built-in list plus `extra` names (already normalized or not). */
export function createSensitiveKeys(extra: readonly string[]): SensitiveKeys {
  const normalize = /[\s\-_@$.]/g;
  const exact = new Set([
    ...['password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'token', 'apikey', 'authorization'],
    ...['auth', 'cookie', 'setcookie', 'session', 'sessionid', 'sid', 'credentials', 'credential'],
    ...['privatekey', 'clientsecret', 'accesstoken', 'refreshtoken', 'idtoken', 'bearer', 'cardnumber'],
    ...['creditcard', 'ccnumber', 'cardno', 'pan', 'cvv', 'cvc', 'cvv2', 'pin', 'ssn', 'otp', 'totp'],
    ...['signature', 'xapikey', 'connectionstring', 'dsn'],
  ]);
  for (const k of extra) exact.add(k.toLowerCase().replace(normalize, ''));
  const parts = ['password', 'passwd', 'secret', 'token', 'apikey', 'privatekey', 'credential', 'cardnumber'];
  return { exact, parts, cache: new Map(), normalize };
}

/** True when `key` names a value that is masked whatever it holds. */
export function isSensitiveKey(I: Intrinsics, keys: SensitiveKeys, key: string): boolean {
  const cached = keys.cache.get(key);
  if (cached !== undefined) return cached;
  const norm = I.strReplace.call(I.strToLower.call(key), keys.normalize, '');
  let result = keys.exact.has(norm);
  if (!result) for (const part of keys.parts) if (norm.includes(part)) result = true;
  if (keys.cache.size < 4096) keys.cache.set(key, result);
  return result;
}
