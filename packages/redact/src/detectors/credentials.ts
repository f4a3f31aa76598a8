import { Literal } from '../literal.js';
import type { Detector } from '../span.js';
import { PRIORITY } from '../span.js';
import { isTrivialValue } from '../trivial.js';
import { decodeBase64, isAlnum, isAlpha, isPrintable, lowerEquals } from './chars.js';
import { regexDetector } from './regex-detector.js';

/**
 * Where a `PASSWORD 'x'` / `IDENTIFIED BY 'x'` match can start: found from the opening quote
 * backwards, in any letter case (the regex is case-insensitive, so a literal trigger would miss
 * `PaSsWoRd` and make the result depend on what else the batch holds).
 */
function sqlPasswordStart(text: string, from: number): number {
  const isBlank = (c: number): boolean => c === 32 || c === 9;
  for (let q = text.indexOf("'", from + 9); q !== -1; q = text.indexOf("'", q + 1)) {
    let w = q;
    while (w > from && isBlank(text.charCodeAt(w - 1))) w--;
    if (w === q) continue;
    if (w - 8 >= from && lowerEquals(text, w - 8, 'password')) return w - 8;
    if (w - 2 >= from && lowerEquals(text, w - 2, 'by')) {
      let v = w - 2;
      const by = v;
      while (v > from && isBlank(text.charCodeAt(v - 1))) v--;
      if (v < by && v - 10 >= from && lowerEquals(text, v - 10, 'identified')) return v - 10;
    }
  }
  return -1;
}

/**
 * Password hashes that name their scheme, as /etc/shadow, htpasswd, mkpasswd, `openssl passwd`,
 * pg_authid and LDAP hold them: crypt's `$1$`, `$5$`, `$6$`, `$apr1$`, bcrypt's `$2b$NN$`, yescrypt's
 * `$y$`, scrypt's `$7$`, argon2, PostgreSQL's `SCRAM-SHA-256$…` and `md5` + 32 hex, `{SHA}`/`{SSHA}`.
 * Each can be cracked offline, so it is masked whole.
 */
const PASSWORD_HASH = new RegExp(
  [
    String.raw`\$(?:1|5|6|apr1|md5)\$(?:rounds=\d{1,9}\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{22,86}`,
    String.raw`\$2[abxy]?\$\d{2}\$[./0-9A-Za-z]{53}`,
    String.raw`\$[y7]\$[./0-9A-Za-z]{1,32}\$[./0-9A-Za-z]{1,86}\$[./0-9A-Za-z]{43}`,
    String.raw`\$argon2(?:id|i|d)\$v=\d{1,3}\$m=\d{1,9},t=\d{1,9},p=\d{1,3}\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{16,128}`,
    String.raw`SCRAM-SHA-(?:1|256)\$\d{1,7}:[A-Za-z0-9+/]{8,64}={0,2}\$[A-Za-z0-9+/]{20,88}={0,2}:[A-Za-z0-9+/]{20,88}={0,2}`,
    String.raw`md5[0-9a-f]{32}`,
    String.raw`\{S?SHA(?:256|512)?\}[A-Za-z0-9+/]{20,120}={0,2}`,
  ].join('|') + String.raw`(?![./0-9A-Za-z$=])`,
  'g',
);

/** Where a {@link PASSWORD_HASH} can start. */
const HASH_START = /\$(?:[1567y]\$|2[abxy]?\$|apr1\$|md5\$|argon2)|SCRAM-SHA-|md5[0-9a-f]|\{S?SHA/g;

/** `Bearer` and `Basic` credentials, passwords in URLs, `--password`-style flags and SQL. */
export function credentialDetectors(): Detector[] {
  return [
    regexDetector({
      name: 'password-hash',
      type: 'PASSWORD_HASH',
      priority: PRIORITY.vendorToken,
      triggers: [
        '$1$',
        '$2$',
        '$2a$',
        '$2b$',
        '$2x$',
        '$2y$',
        '$5$',
        '$6$',
        '$7$',
        '$y$',
        '$apr1$',
        '$md5$',
        '$argon2',
        'SCRAM-SHA-',
        'md5',
        'SHA}',
      ].map((t) => new Literal(t)),
      // one search for where a hash can start, instead of one per trigger
      nextStart: (text, from) => {
        HASH_START.lastIndex = from;
        return HASH_START.exec(text)?.index ?? -1;
      },
      re: PASSWORD_HASH,
      badBefore: isAlnum,
    }),
    regexDetector({
      name: 'bearer',
      type: 'BEARER_TOKEN',
      priority: PRIORITY.authScheme,
      triggers: [new Literal('Bearer'), new Literal('bearer'), new Literal('BEARER')],
      candidates: (runs) => runs.bearer,
      re: /(?:[Bb]earer|BEARER)[ \t]+([A-Za-z0-9._~+/-]{8,}=*)/dg,
      badBefore: isAlpha,
      group: 1,
      validate: (m) => {
        const v = m[1] ?? '';
        return /[0-9._~+/=-]/.test(v) || v.length >= 20;
      },
    }),
    regexDetector({
      name: 'basic-auth',
      type: 'BASIC_AUTH',
      priority: PRIORITY.authScheme,
      triggers: [new Literal('Basic'), new Literal('basic'), new Literal('BASIC')],
      candidates: (runs) => runs.basic,
      re: /(?:[Bb]asic|BASIC)[ \t]+([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])/dg,
      badBefore: isAlpha,
      group: 1,
      validate: (m) => {
        const decoded = decodeBase64(m[1] ?? '');
        return decoded !== undefined && decoded.includes(':') && isPrintable(decoded);
      },
    }),
    regexDetector({
      name: 'url-password',
      type: 'PASSWORD',
      priority: PRIORITY.urlPassword,
      triggers: [new Literal('://')],
      candidates: (runs) => runs.url,
      re: /:\/\/[^\s/?#@:'"<>]*:([^\s/'"<>]+)@/dg,
      group: 1,
      validate: (m, text) => {
        const before = text.charCodeAt(m.index - 1);
        const pw = m[1] ?? '';
        // `host:8080?next=a@b` is a port and a query, not a password
        return isAlnum(before) && !isTrivialValue(pw) && !/^\d*[?#]/.test(pw);
      },
    }),
    regexDetector({
      name: 'cli-password-flag',
      type: 'PASSWORD',
      priority: PRIORITY.keyValue,
      triggers: [new Literal('--')],
      candidates: (runs) => runs.flag,
      // also with a qualifier before the word (`--db-password`, `--admin-token`); NUL separates the
      // arguments of /proc/PID/cmdline
      re: /--(?:[a-z0-9]{1,32}-){0,3}(?:password|passwd|pass|pwd|secret|token|api-key|apikey|access-token|client-secret|auth-token)[ \t\0]+('[^'\r\n]*'|"[^"\r\n]*"|[^\s\0'"-][^\s\0'"]*)/dg,
      badBefore: (c) => c !== 32 && c !== 9 && c !== 0,
      group: 1,
      validate: (m) => {
        const idx = m.indices?.[1];
        if (idx === undefined) return false;
        const v = m[1] ?? '';
        if (v.startsWith("'") || v.startsWith('"')) return v.length > 2 ? [idx[0] + 1, idx[1] - 1] : false;
        return !isTrivialValue(v);
      },
    }),
    regexDetector({
      name: 'sql-password',
      type: 'PASSWORD',
      priority: PRIORITY.keyValue,
      nextStart: sqlPasswordStart,
      triggers: [new Literal("'")],
      re: /(?:IDENTIFIED[ \t]+BY|PASSWORD)[ \t]+'((?:[^'\r\n]|'')+)'/dgi,
      badBefore: isAlnum,
      group: 1,
    }),
  ];
}
