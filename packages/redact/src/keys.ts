import { codeAt } from './detectors/chars.js';
import type { MaskingLevel } from './types.js';

/**
 * How a key name is treated: `mask` means any non-trivial value under it is hidden, `entropy` that
 * only random-looking values are, `undefined` that the name says nothing.
 */
export interface KeyVerdict {
  readonly type: string;
  readonly mode: 'mask' | 'entropy';
}

const KEY_QUALIFIERS = new Set([
  'api',
  'access',
  'secret',
  'private',
  'signing',
  'encryption',
  'decryption',
  'master',
  'account',
  'storage',
  'shared',
  'hmac',
  'client',
  'service',
  'auth',
  'webhook',
  'license',
  'app',
  'subscription',
  'consumer',
  'session',
  'crypto',
  'jwt',
  'ssh',
  'gpg',
  'pgp',
  'rsa',
  'admin',
  'root',
  'sas',
]);
const NAME_WORDS = new Set([
  'firstname',
  'lastname',
  'surname',
  'fullname',
  'givenname',
  'familyname',
  'middlename',
  'displayname',
  'customername',
  'personname',
  'contactname',
  'cardholder',
  'cardholdername',
  'nameoncard',
  'maidenname',
  'legalname',
  'realname',
  'billingname',
  'shippingname',
  'recipientname',
  'holdername',
  'accountholder',
]);
const ENTROPY_WORDS = new Set([
  'key',
  'auth',
  'credential',
  'credentials',
  'signature',
  'sig',
  'hash',
  'salt',
  'nonce',
]);

/** Splits `dbPassword`, `DB_PASSWORD`, `x-api-key`, `aws.secretAccessKey` into lower-case words. */
export function keyWords(name: string): string[] {
  const words: string[] = [];
  let cur = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    const c = ch.charCodeAt(0);
    const isUpper = c >= 65 && c <= 90;
    const isLower = c >= 97 && c <= 122;
    const isDigit = c >= 48 && c <= 57;
    if (!isUpper && !isLower && !isDigit) {
      if (cur !== '') words.push(cur);
      cur = '';
      continue;
    }
    if (isUpper && cur !== '') {
      const prev = codeAt(name, i - 1);
      const next = codeAt(name, i + 1);
      const prevLower = prev >= 97 && prev <= 122;
      const nextLower = next >= 97 && next <= 122;
      const prevUpper = prev >= 65 && prev <= 90;
      if (prevLower || (prevUpper && nextLower)) {
        words.push(cur);
        cur = '';
      }
    }
    cur += ch.toLowerCase();
  }
  if (cur !== '') words.push(cur);
  return words;
}

/** Words that name a collection of what the words before them name (`password_list`, `tokenHistory`). */
const COLLECTION_WORDS = new Set(['list', 'array', 'arr', 'set', 'map', 'values', 'history', 'items', 'all']);
/** Credential words whose plural names several of them (`passwords`, `apiKeys`, `dbpasswords`). */
const PLURAL_STEMS = [
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'passcode',
  'secret',
  'token',
  'apikey',
  'key',
  'pin',
  'otp',
];
/** Words before `tokens` that make it a count (language-model usage, tokenizers), not credentials. */
const COUNT_WORDS = new Set([
  'max',
  'min',
  'total',
  'prompt',
  'completion',
  'input',
  'output',
  'num',
  'used',
  'remaining',
  'cached',
  'reasoning',
  'limit',
  'count',
]);

/**
 * The key's words as one item of what it holds: a trailing collection word is dropped and a plural
 * credential word made singular, so `passwords`, `db_passwords`, `apiKeys` and `password_list` are
 * read as `password`, `db password`, `api key` and `password` (`prompt_tokens` stays a count).
 */
function singularKey(said: string[]): string[] {
  const words = said.length > 1 && COLLECTION_WORDS.has(said[said.length - 1]!) ? said.slice(0, -1) : said;
  const last = words[words.length - 1]!;
  if (!last.endsWith('s')) return words;
  const stem = last.slice(0, -1);
  if (!PLURAL_STEMS.some((w) => stem.endsWith(w))) return words;
  if (stem === 'token' && words.length > 1 && COUNT_WORDS.has(words[words.length - 2]!)) return words;
  if (stem === 'key' && words.length === 1) return words;
  return [...words.slice(0, -1), stem];
}

/**
 * Whether the name says its value holds several secrets (`passwords`, `apiKeys`, `secret_map`), so
 * that the members of an object under it are secrets whatever they are called.
 */
export function namesCollection(name: string): boolean {
  const said = keyWords(name);
  if (said.length === 0) return false;
  const words = singularKey(said);
  return words.length !== said.length || words[words.length - 1] !== said[said.length - 1];
}

/**
 * Classifies a key name. Pure and deterministic; `extra` holds normalised (lower-case, separators
 * removed) names the deployment added.
 */
export function classifyKey(
  name: string,
  level: MaskingLevel,
  extra: ReadonlySet<string>,
): KeyVerdict | undefined {
  if (name.length === 0 || name.length > 128) return undefined;
  const said = keyWords(name);
  if (said.length === 0) return undefined;
  if (extra.has(said.join(''))) return { type: 'SECRET', mode: 'mask' };
  const words = singularKey(said);
  const joined = words.join('');
  const last = words[words.length - 1]!;
  const prev = words.length > 1 ? words[words.length - 2]! : '';

  if (joined === 'authorization' || joined === 'proxyauthorization' || joined.endsWith('authorization'))
    return { type: 'AUTHORIZATION', mode: 'mask' };
  if (last === 'cookie' || last === 'cookies' || joined === 'setcookie')
    return { type: 'COOKIE', mode: 'mask' };
  if (
    joined === 'sessionid' ||
    joined === 'sessid' ||
    joined === 'jsessionid' ||
    joined === 'phpsessid' ||
    joined === 'aspnetsessionid' ||
    joined === 'sid' ||
    joined === 'sessiontoken' ||
    joined === 'sessionkey' ||
    joined === 'sessioncookie' ||
    joined === 'connectsid' ||
    (last === 'sid' && words.length <= 2) ||
    (last === 'session' && words.length === 1)
  )
    return { type: 'SESSION_ID', mode: 'mask' };
  if (
    last === 'password' ||
    last === 'passwd' ||
    last === 'pwd' ||
    last === 'pass' ||
    last === 'pw' ||
    last === 'passphrase' ||
    last === 'passcode' ||
    joined.endsWith('password') ||
    joined.endsWith('passwd') ||
    joined.endsWith('passphrase') ||
    // redis's password settings (CONFIG GET, redis.conf)
    joined === 'requirepass' ||
    joined === 'masterauth'
  )
    return { type: 'PASSWORD', mode: 'mask' };
  if (last === 'secret' || last === 'secrets' || joined.endsWith('secret') || joined === 'secretkey')
    return { type: 'SECRET', mode: 'mask' };
  // a bare `tokens` is as often a count (language-model usage, tokenizers) as a list of credentials
  if (said.length === 1 && said[0] === 'tokens') return { type: 'TOKEN', mode: 'entropy' };
  if (
    last === 'token' ||
    last === 'csrf' ||
    last === 'xsrf' ||
    (joined.endsWith('token') && words.length === 1)
  )
    return { type: 'TOKEN', mode: 'mask' };
  if (
    last === 'apikey' ||
    joined.endsWith('apikey') ||
    joined === 'privatekey' ||
    joined === 'secretaccesskey'
  )
    return { type: 'API_KEY', mode: 'mask' };
  if (
    last === 'key' &&
    (KEY_QUALIFIERS.has(prev) || (words.length > 2 && KEY_QUALIFIERS.has(words[words.length - 3]!)))
  )
    return { type: 'API_KEY', mode: 'mask' };
  // kubeconfig's base64 PEM client key (its `client-certificate-data` is public)
  if (joined === 'clientkeydata') return { type: 'PRIVATE_KEY', mode: 'mask' };
  if (joined === 'accountkey' || joined === 'sharedaccesskey' || joined === 'sharedaccesssignature')
    return { type: 'AZURE_STORAGE_KEY', mode: 'mask' };
  if (
    last === 'credentials' ||
    last === 'credential' ||
    joined === 'otp' ||
    joined === 'totp' ||
    joined === 'mfacode' ||
    joined === 'cvv' ||
    joined === 'cvc' ||
    joined === 'cvv2' ||
    joined === 'pin' ||
    joined === 'pincode' ||
    joined === 'seed' ||
    joined === 'mnemonic' ||
    joined === 'otpsecret'
  )
    return { type: 'SECRET', mode: 'mask' };
  if (joined === 'ssn' || joined === 'socialsecuritynumber') return { type: 'US_SSN', mode: 'mask' };
  if (level === 'strict') {
    const personal = classifyPersonalKey(joined, last, prev);
    if (personal !== undefined) return personal;
  }
  // a public key (age, WireGuard, SSH, `publickey`) is published by design
  if (joined === 'publickey' || joined === 'pubkey' || (last === 'key' && prev === 'public'))
    return undefined;
  if (
    ENTROPY_WORDS.has(last) ||
    words.some((w) => w === 'secret' || w === 'token' || w === 'password' || w === 'auth')
  )
    return { type: 'SECRET', mode: 'entropy' };
  return undefined;
}

/** Names that hold personal data, masked at `strict` only. */
function classifyPersonalKey(joined: string, last: string, prev: string): KeyVerdict | undefined {
  if (
    NAME_WORDS.has(joined) ||
    (last === 'name' &&
      (prev === 'first' ||
        prev === 'last' ||
        prev === 'full' ||
        prev === 'given' ||
        prev === 'family' ||
        prev === 'middle' ||
        prev === 'display' ||
        prev === 'customer' ||
        prev === 'contact' ||
        prev === 'person' ||
        prev === 'legal' ||
        prev === 'maiden'))
  )
    return { type: 'PERSON_NAME', mode: 'mask' };
  if (joined === 'dob' || joined === 'dateofbirth' || joined === 'birthdate' || joined === 'birthday')
    return { type: 'DATE_OF_BIRTH', mode: 'mask' };
  if (
    last === 'phone' ||
    last === 'mobile' ||
    joined === 'phonenumber' ||
    joined === 'tel' ||
    joined === 'msisdn'
  )
    return { type: 'PHONE', mode: 'mask' };
  if (joined === 'username' || joined === 'login' || joined === 'user')
    return { type: 'USERNAME', mode: 'mask' };
  return undefined;
}

/** Normalises a deployment-supplied key name the same way {@link classifyKey} joins words. */
export function normaliseKey(name: string): string {
  return keyWords(name).join('');
}
