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

/** `Bearer` and `Basic` credentials, passwords in URLs, `--password`-style flags and SQL. */
export function credentialDetectors(): Detector[] {
  return [
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
