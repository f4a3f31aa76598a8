import { luhnValid } from '../validators.js';

/** Deterministic PRNG (mulberry32) so every corpus is reproducible from its seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
}

export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const DIGITS = '0123456789';
export const HEX = '0123456789abcdef';
export const ALNUM = UPPER + LOWER + DIGITS;
export const B64 = ALNUM + '+/';
export const B64URL = ALNUM + '-_';

const FIRST = [
  'alice',
  'bob',
  'carol',
  'dmitri',
  'elena',
  'farid',
  'grace',
  'hiro',
  'ines',
  'jamal',
  'kofi',
  'lena',
  'mateo',
  'nora',
  'oskar',
  'priya',
  'quinn',
  'rosa',
  'sven',
  'tariq',
  'uma',
  'viktor',
  'wen',
  'ximena',
  'yusuf',
  'zoe',
];
const LAST = [
  'smith',
  'garcia',
  'nguyen',
  'okafor',
  'schmidt',
  'rossi',
  'kowalski',
  'tanaka',
  'silva',
  'haddad',
  'johansson',
  'murphy',
  'novak',
  'petrov',
  'dubois',
  'fischer',
  'khan',
  'lopez',
  'moreau',
  'walker',
];
const DOMAINS = [
  'example.com',
  'acme.io',
  'mail.example.org',
  'corp.example.net',
  'gmail.com',
  'outlook.com',
  'company.co.uk',
  'startup.dev',
];

const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);

export function personName(r: Rng): string {
  return `${cap(r.pick(FIRST))} ${cap(r.pick(LAST))}${r.chars(LOWER, 2)}`;
}

export function email(r: Rng): string {
  const local = r.pick([
    () => `${r.pick(FIRST)}.${r.pick(LAST)}`,
    () => `${r.pick(FIRST)}${r.int(1, 999)}`,
    () => `${r.pick(FIRST)}+${r.pick(['billing', 'dev', 'test', 'news'])}`,
    () => `${r.pick(FIRST)[0]}${r.pick(LAST)}`,
    () => `${r.pick(FIRST)}_${r.pick(LAST)}`,
  ])();
  return `${local}${r.chars(DIGITS, 2)}@${r.pick(DOMAINS)}`;
}

function luhnComplete(prefix: string, length: number, r: Rng): string {
  let body = prefix + r.chars(DIGITS, length - prefix.length - 1);
  for (let d = 0; d <= 9; d++) {
    if (luhnValid(body + d)) return body + d;
  }
  body = body.slice(0, -1);
  return luhnComplete(prefix, length, r);
}

/** A Luhn-valid card number of a random major brand, plain or grouped. */
export function card(r: Rng): string {
  const [prefix, len] = r.pick<[string, number]>([
    ['4', 16],
    ['4', 13],
    [String(r.int(51, 55)), 16],
    [String(r.int(2221, 2720)), 16],
    [r.pick(['34', '37']), 15],
    ['6011', 16],
    ['65', 16],
    ['36', 14],
    [String(r.int(3528, 3589)), 16],
    ['62', 16],
  ]);
  const digits = luhnComplete(prefix, len, r);
  const sep = r.pick(['', ' ', '-']);
  if (sep === '') return digits;
  if (len === 15) return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)].join(sep);
  if (len === 14) return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)].join(sep);
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 4) groups.push(digits.slice(i, i + 4));
  return groups.join(sep);
}

/** A 16-digit number with a card prefix whose Luhn check fails. */
export function luhnInvalid(r: Rng): string {
  const valid = luhnComplete('4', 16, r);
  const last = (Number(valid[15]) + r.int(1, 9)) % 10;
  return valid.slice(0, 15) + last;
}

export function ssn(r: Rng): string {
  let area = r.int(1, 899);
  if (area === 666) area = 667;
  return `${String(area).padStart(3, '0')}-${String(r.int(1, 99)).padStart(2, '0')}-${String(r.int(1, 9999)).padStart(4, '0')}`;
}

export function invalidSsn(r: Rng): string {
  const area = r.pick(['000', '666', String(r.int(900, 999))]);
  return `${area}-${String(r.int(1, 99)).padStart(2, '0')}-${String(r.int(1, 9999)).padStart(4, '0')}`;
}

function mod97(s: string): number {
  let rem = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    rem = c >= 65 ? (rem * 100 + (c - 55)) % 97 : (rem * 10 + (c - 48)) % 97;
  }
  return rem;
}

const IBAN_FORMATS: Array<[string, number, string]> = [
  ['DE', 22, DIGITS],
  ['FR', 27, DIGITS],
  ['GB', 22, 'B'],
  ['NL', 18, 'N'],
  ['ES', 24, DIGITS],
  ['IT', 27, 'I'],
  ['CH', 21, DIGITS],
  ['BE', 16, DIGITS],
];

/** A mod-97-valid IBAN; `valid` false yields one with a wrong check. */
export function iban(r: Rng, valid = true): string {
  const [cc, len, kind] = r.pick(IBAN_FORMATS);
  let bban: string;
  if (kind === 'B') bban = r.chars(UPPER, 4) + r.chars(DIGITS, len - 8);
  else if (kind === 'N') bban = r.chars(UPPER, 4) + r.chars(DIGITS, len - 8);
  else if (kind === 'I') bban = r.chars(UPPER, 1) + r.chars(DIGITS, len - 5);
  else bban = r.chars(DIGITS, len - 4);
  let check = 98 - mod97(bban + cc + '00');
  if (!valid) check = ((check + r.int(1, 50)) % 97) + 2;
  const compact = cc + String(check).padStart(2, '0') + bban;
  if (r.chance(0.5)) return compact;
  return compact.replace(/(.{4})/g, '$1 ').trim();
}

export function phone(r: Rng): string {
  const area = `${r.int(2, 9)}${r.chars(DIGITS, 2)}`;
  const exch = `${r.int(2, 9)}${r.chars(DIGITS, 2)}`;
  const line = r.chars(DIGITS, 4);
  return r.pick([
    () => `+1${area}${exch}${line}`,
    () => `(${area}) ${exch}-${line}`,
    () => `${area}-${exch}-${line}`,
    () => `${area}.${exch}.${line}`,
    () => `+1 ${area} ${exch} ${line}`,
    () => `+1-${area}-${exch}-${line}`,
    () => `+44 20 ${r.chars(DIGITS, 4)} ${r.chars(DIGITS, 4)}`,
    () => `+44 7700 ${r.chars(DIGITS, 6)}`,
    () => `020 ${r.chars(DIGITS, 4)} ${r.chars(DIGITS, 4)}`,
    () => `+49 30 ${r.chars(DIGITS, 8)}`,
    () => `+33 1 ${r.chars(DIGITS, 2)} ${r.chars(DIGITS, 2)} ${r.chars(DIGITS, 2)} ${r.chars(DIGITS, 2)}`,
    () => `01 ${r.chars(DIGITS, 2)} ${r.chars(DIGITS, 2)} ${r.chars(DIGITS, 2)} ${r.chars(DIGITS, 2)}`,
    () => `+91 ${r.int(7, 9)}${r.chars(DIGITS, 4)} ${r.chars(DIGITS, 5)}`,
    () => `+81 3-${r.chars(DIGITS, 4)}-${r.chars(DIGITS, 4)}`,
    () => `+55 11 9${r.chars(DIGITS, 4)}-${r.chars(DIGITS, 4)}`,
    () => `+61 2 ${r.chars(DIGITS, 4)} ${r.chars(DIGITS, 4)}`,
    () => `+${r.int(30, 49)}${r.chars(DIGITS, 9)}`,
  ])();
}

export function ipv4(r: Rng): string {
  return r.pick([
    () => `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
    () => `192.168.${r.int(0, 255)}.${r.int(1, 254)}`,
    () => `172.${r.int(16, 31)}.${r.int(0, 255)}.${r.int(1, 254)}`,
    () => `${r.pick([r.int(11, 126), r.int(128, 223)])}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
  ])();
}

export function ipv6(r: Rng): string {
  const g = (): string => r.chars(HEX, r.int(1, 4)).replace(/^0+(?=.)/, '');
  return r.pick([
    () => `2001:db8:${g()}:${g()}::${g()}`,
    () => Array.from({ length: 8 }, g).join(':'),
    () => `fe80::${g()}:${g()}:${g()}:${g()}`,
    () => `2a00:1450:${g()}:${g()}::${g()}`,
    () => `::ffff:${r.int(11, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
  ])();
}

export function mac(r: Rng): string {
  const parts = Array.from({ length: 6 }, () => r.chars('0123456789abcdef', 2));
  if (!parts.join('').match(/[a-f]/)) parts[0] = 'a4';
  const upper = r.chance(0.5);
  const s = parts.join(r.pick([':', '-']));
  return upper ? s.toUpperCase() : s;
}

export function awsAccessKeyId(r: Rng): string {
  return r.pick(['AKIA', 'ASIA']) + r.chars(UPPER + DIGITS, 16);
}

export function awsSecretKey(r: Rng): string {
  for (;;) {
    const s = r.chars(B64, 40);
    if (/[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s)) return s;
  }
}

export function githubToken(r: Rng): string {
  return r.chance(0.6)
    ? `${r.pick(['ghp', 'gho', 'ghu', 'ghs', 'ghr'])}_${r.chars(ALNUM, 36)}`
    : `github_pat_${r.chars(ALNUM, 22)}_${r.chars(ALNUM, 59)}`;
}

export function slackToken(r: Rng): string {
  return `${r.pick(['xoxb', 'xoxp', 'xoxa', 'xoxs'])}-${r.chars(DIGITS, 12)}-${r.chars(DIGITS, 13)}-${r.chars(ALNUM, 24)}`;
}

export function slackWebhook(r: Rng): string {
  return `https://hooks.slack.com/services/T${r.chars(UPPER + DIGITS, 8)}/B${r.chars(UPPER + DIGITS, 10)}/${r.chars(ALNUM, 24)}`;
}

export function stripeKey(r: Rng): string {
  return `${r.pick(['sk', 'rk'])}_${r.pick(['live', 'test'])}_${r.chars(ALNUM, r.int(24, 99))}`;
}

export function googleApiKey(r: Rng): string {
  return `AIza${r.chars(ALNUM + '-_', 35)}`;
}

export function openaiKey(r: Rng): string {
  return r.chance(0.6) ? `sk-proj-${r.chars(ALNUM + '-_', 64)}` : `sk-${r.chars(ALNUM, 48)}`;
}

export function npmToken(r: Rng): string {
  return `npm_${r.chars(ALNUM, 36)}`;
}

/** A Glovebox credential as the gateway mints it: kind letter, then 32 random bytes in base64url. */
export function gloveboxToken(r: Rng): [string, string] {
  const [type, kind] = r.pick([
    ['GLOVEBOX_API_TOKEN', 't'],
    ['GLOVEBOX_SESSION_TOKEN', 's'],
    ['GLOVEBOX_AGENT_CREDENTIAL', 'a'],
  ] as const);
  return [type, `gbx_${kind}_${r.chars(B64URL, 43)}`];
}

export function sendgridKey(r: Rng): string {
  return `SG.${r.chars(ALNUM + '-_', 22)}.${r.chars(ALNUM + '-_', 43)}`;
}

export function azureStorageKey(r: Rng): string {
  return `${r.chars(B64, 86)}==`;
}

function b64url(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

export function jwt(r: Rng): string {
  const header = b64url(JSON.stringify({ alg: r.pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({
      sub: String(r.int(1000, 999999)),
      iat: 1700000000 + r.int(0, 9999999),
      role: r.pick(['admin', 'user']),
    }),
  );
  return `${header}.${payload}.${r.chars(B64URL, 43)}`;
}

export function pemKey(r: Rng, lineBreak = '\n'): string {
  const label = r.pick([
    'RSA PRIVATE KEY',
    'PRIVATE KEY',
    'EC PRIVATE KEY',
    'OPENSSH PRIVATE KEY',
    'ENCRYPTED PRIVATE KEY',
  ]);
  const lines: string[] = [];
  const n = r.int(4, 26);
  for (let i = 0; i < n; i++) lines.push(r.chars(B64, i === n - 1 ? r.int(8, 60) : 64));
  lines[0] = 'MII' + lines[0]!.slice(3);
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join(lineBreak);
}

export function password(r: Rng): string {
  return r.pick([
    () =>
      `${cap(r.pick(FIRST))}${r.chars(DIGITS, 3)}${r.pick(['!', '#', '$', '%', '*'])}${r.chars(LOWER, 3)}`,
    () => r.chars(ALNUM + '!#$%^*_-', r.int(10, 24)),
    () =>
      `${r.pick(['Summer', 'Winter', 'Tr0ub4dor', 'Correct', 'Horse'])}${r.chars(DIGITS, 4)}${r.pick(['!', '?', '.'])}`,
  ])();
}

export function opaqueToken(r: Rng): string {
  return r.chars(ALNUM, r.int(32, 48)) + r.pick(['', '-', '_', '.']) + r.chars(ALNUM, r.int(4, 12));
}

export function hexSecret(r: Rng): string {
  return r.chars(HEX, r.pick([32, 40, 64]));
}

export function uuid(r: Rng): string {
  const h = (n: number): string => r.chars(HEX, n);
  return `${h(8)}-${h(4)}-4${h(3)}-${r.pick(['8', '9', 'a', 'b'])}${h(3)}-${h(12)}`;
}
