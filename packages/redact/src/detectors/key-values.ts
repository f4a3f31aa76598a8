import { KEY_HINT_WORDS } from '../key-hints.js';
import { HINT_OTHER, HINT_SYMBOLS, SYMBOL_OF, hintAutomaton, prescan } from '../prescan.js';
import { PRIORITY } from '../span.js';
import type { Detector, ScanContext, Span } from '../span.js';
import { isPlaceholder, isTrivialValue, looksSecret } from '../trivial.js';
import { codeAt, isAlnum } from './chars.js';
import { collectionValue, opensBytes } from './collections.js';

const isKeyChar = (c: number): boolean =>
  isAlnum(c) || c === 95 || c === 45 || c === 46 || c === 91 || c === 93;
/**
 * Whether the `,` `;` or `&` at `at` ends an unquoted value: it does before a space, the line's end or
 * the next pair (`&user=…`, `;Database=…`, `, user: …`); otherwise it is part of the value, as in
 * the password `Tr0ub4dor&3-horse`.
 */
function endsPair(text: string, at: number, lineEnd: number): boolean {
  let p = at + 1;
  if (p >= lineEnd) return true;
  let c = text.charCodeAt(p);
  if (c === 32 || c === 9) return true;
  if (c === 34 || c === 39) c = text.charCodeAt(++p);
  if (!isAlnum(c) && c !== 95) return false;
  while (p < lineEnd && isKeyChar(text.charCodeAt(p))) p++;
  c = text.charCodeAt(p);
  if (c === 34 || c === 39) c = text.charCodeAt(++p);
  return c === 61 || c === 58;
}

const AUTH_SCHEMES =
  /^(?:Bearer|Basic|Digest|Token|Negotiate|NTLM|ApiKey|Api-Key|AWS4-HMAC-SHA256|Bot|OAuth|SSWS|DPoP|MAC|HOBA)$/i;
const COOKIE_ATTRIBUTES = new Set([
  'path',
  'domain',
  'expires',
  'max-age',
  'httponly',
  'secure',
  'samesite',
  'priority',
  'partitioned',
  'version',
  'comment',
]);

/**
 * Every key name {@link classifyKey} can flag contains one of the hint words, its letters perhaps
 * split by the separators key classification drops (`SEC_RET`, `p.a.s.s.w.o.r.d`). Only a key run
 * before a delimiter is examined, and by the same automaton as in the pre-scan, so both paths
 * find the same keys; far cheaper than classifying the key before every `:` and `=` of a log.
 */
const HINTS = hintAutomaton(KEY_HINT_WORDS);

/** True when `[from, to)` holds a hint word, in any letter case, separators ignored. */
function holdsHint(text: string, from: number, to: number): boolean {
  const { next, final } = HINTS;
  let state = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    state = next[state * HINT_SYMBOLS + (c < 128 ? SYMBOL_OF[c]! : HINT_OTHER)]!;
    if (final[state] === 1) return true;
  }
  return false;
}

/** Blanks, quotes and backslashes: what may stand between a key and its delimiter. */
const isKeyGap = (c: number): boolean => c === 32 || c === 9 || c === 34 || c === 39 || c === 92;

/**
 * Ends of the key runs holding a hint word whose last character is the last one before a `=` or
 * `:` other than blanks, quotes and backslashes, in order: what the pre-scan lists.
 */
function keyRunEnds(text: string, each: (end: number) => void): void {
  let eq = text.indexOf('=');
  let colon = text.indexOf(':');
  while (eq !== -1 || colon !== -1) {
    const d = eq === -1 ? colon : colon === -1 ? eq : Math.min(eq, colon);
    if (d === eq) eq = text.indexOf('=', d + 1);
    else colon = text.indexOf(':', d + 1);
    let q = d - 1;
    while (q >= 0 && isKeyGap(text.charCodeAt(q))) q--;
    if (q < 0 || !isKeyChar(text.charCodeAt(q))) continue;
    let s = q;
    while (s > 0 && isKeyChar(text.charCodeAt(s - 1))) s--;
    if (holdsHint(text, s, q + 1)) each(q + 1);
  }
}

function scanKeyValues(text: string, out: Span[], ctx: ScanContext): void {
  if (ctx.hasExtraKeys) {
    for (const delim of ['=', ':']) {
      let d = text.indexOf(delim);
      while (d !== -1) {
        keyValueAt(text, d, out, ctx);
        d = text.indexOf(delim, d + 1);
      }
    }
    return;
  }
  const runs = prescan(text);
  if (runs !== undefined) {
    const ends = runs.keyRunEnds;
    for (let k = 0; k < ends.length; k++) {
      const d = delimiterAfterKey(text, ends[k]!);
      if (d !== -1) keyValueAt(text, d, out, ctx);
    }
    return;
  }
  keyRunEnds(text, (end) => {
    const d = delimiterAfterKey(text, end);
    if (d !== -1) keyValueAt(text, d, out, ctx);
  });
}

/** The `=` or `:` after a key ending at `p` (past an escape, a quote and blanks), or -1. */
function delimiterAfterKey(text: string, p: number): number {
  if (text.charCodeAt(p) === 92) p++;
  const q = text.charCodeAt(p);
  if (q === 34 || q === 39) p++;
  while (p < text.length && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
  const d = text.charCodeAt(p);
  return d === 61 || d === 58 ? p : -1;
}

/**
 * Past a YAML tag (`!!binary`, `!secret`, `!<tag:…>`) and the blanks after it, at `v` on a `!`; the
 * value is what follows. A tag alone (the value on the lines below) leaves nothing to mask here.
 */
function pastYamlTag(text: string, v: number): number {
  let p = v;
  while (p < text.length && !/[\s,]/.test(text[p]!)) p++;
  if (text.charCodeAt(p) !== 32 && text.charCodeAt(p) !== 9) return v;
  while (p < text.length && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
  return p;
}

/**
 * `public key: age1…`: the name read back to a space is `key`, a secret's name, but with the word
 * before it the name says the value is published by design. Only a name the classifier clears
 * with that word is exempted; `api key`, `private key`, `session key` still mask.
 */
function namedNotSecretByPreviousWord(
  text: string,
  keyStart: number,
  key: string,
  ctx: ScanContext,
): boolean {
  const space = text.charCodeAt(keyStart - 1);
  if (space !== 32 && space !== 9) return false;
  let w = keyStart - 2;
  while (w >= 0 && keyStart - 1 - w <= 32 && isKeyChar(text.charCodeAt(w))) w--;
  if (w === keyStart - 2) return false;
  return ctx.classifyKey(`${text.slice(w + 1, keyStart - 1)}_${key}`) === undefined;
}

function keyValueAt(text: string, d: number, out: Span[], ctx: ScanContext): void {
  const dc = text.charCodeAt(d);
  const next = codeAt(text, d + 1);
  let v = d + 1;
  if (dc === 61) {
    const prev = codeAt(text, d - 1);
    if (next === 61 || prev === 61 || prev === 33 || prev === 60 || prev === 62 || prev === 58) return;
    if (next === 62) v = d + 2;
  } else {
    if (next === 58 || (next === 47 && codeAt(text, d + 2) === 47)) return;
    if (codeAt(text, d - 1) === 58) return;
    if (next === 61) v = d + 2;
  }
  // key, backwards
  let k = d - 1;
  while (k >= 0 && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k--;
  let quoted = false;
  const kc = text.charCodeAt(k);
  if (kc === 34 || kc === 39) {
    quoted = true;
    k--;
    if (text.charCodeAt(k) === 92) k--;
  }
  const keyEnd = k + 1;
  while (k >= 0 && keyEnd - k <= 64 && isKeyChar(text.charCodeAt(k))) k--;
  const keyStart = k + 1;
  if (keyStart >= keyEnd) return;
  if (quoted) {
    const oc = text.charCodeAt(keyStart - 1);
    if (oc !== 34 && oc !== 39 && !(oc === 92)) return;
  }
  const k0 = text.charCodeAt(keyStart);
  if (k0 >= 48 && k0 <= 57) return;
  const key = text.slice(keyStart, keyEnd);
  const verdict = ctx.classifyKey(key);
  if (verdict === undefined || namedNotSecretByPreviousWord(text, keyStart, key, ctx)) return;
  // value, forwards
  while (v < text.length && (text.charCodeAt(v) === 32 || text.charCodeAt(v) === 9)) v++;
  if (dc === 58 && text.charCodeAt(v) === 33) v = pastYamlTag(text, v);
  let vs = v;
  let ve: number;
  let c = text.charCodeAt(v);
  let escapedQuote = false;
  if (c === 92 && (text.charCodeAt(v + 1) === 34 || text.charCodeAt(v + 1) === 39)) {
    escapedQuote = true;
    v++;
    c = text.charCodeAt(v);
  } else if (opensBytes(text, v)) c = text.charCodeAt(++v);
  const lineEnd = findLineEnd(text, v, 8192);
  if (collectionValue(text, v, lineEnd, key, verdict, out)) return;
  if (c === 34 || c === 39) {
    vs = v + 1;
    ve = vs;
    for (;;) {
      if (ve >= lineEnd) break;
      const x = text.charCodeAt(ve);
      if (x === c) {
        const bs = text.charCodeAt(ve - 1) === 92;
        if (escapedQuote ? bs : !bs || text.charCodeAt(ve - 2) === 92) break;
      }
      ve++;
    }
    if (escapedQuote && text.charCodeAt(ve - 1) === 92) ve--;
  } else if (verdict.type === 'AUTHORIZATION' || verdict.type === 'COOKIE') {
    ve = lineEnd;
    while (ve > vs && /[\s,}\]]/.test(text[ve - 1] ?? '')) ve--;
  } else if ((c === 36 || c === 123) && (text.charCodeAt(v + 1) === 123 || text.charCodeAt(v + 1) === 40)) {
    // `${VAR}`, `{{ .Values.x }}`, `$(cmd)`: a reference, kept when it closes on this line
    const close = text.indexOf(text.charCodeAt(v + 1) === 40 ? ')' : '}', v);
    ve = close !== -1 && close < lineEnd ? close + 1 : lineEnd;
    while (ve < lineEnd && text.charCodeAt(ve) === 125) ve++;
  } else {
    ve = vs;
    while (ve < lineEnd) {
      const x = text.charCodeAt(ve);
      // NUL separates the variables of /proc/PID/environ
      if (
        x === 32 ||
        x === 9 ||
        x === 0 ||
        ((x === 44 || x === 59 || x === 38) && endsPair(text, ve, lineEnd)) ||
        x === 34 ||
        x === 39 ||
        x === 60 ||
        x === 62 ||
        x === 41 ||
        x === 125 ||
        x === 93 ||
        x === 92
      )
        break;
      ve++;
    }
  }
  if (ve <= vs) return;
  const value = text.slice(vs, ve);
  // a YAML block indicator: the value is on the lines below (line context masks them)
  if (dc === 58 && /^[|>][+-]?\d?$/.test(value)) return;
  if (value.charCodeAt(0) === 123 || value.charCodeAt(0) === 91) {
    if (!(value.charCodeAt(0) === 91 && isPlaceholder(value))) return;
  }
  if (verdict.type === 'AUTHORIZATION') {
    const sp = value.search(/[ \t]/);
    if (sp > 0 && AUTH_SCHEMES.test(value.slice(0, sp))) {
      let cs = vs + sp;
      while (cs < ve && (text.charCodeAt(cs) === 32 || text.charCodeAt(cs) === 9)) cs++;
      const cred = text.slice(cs, ve);
      if (!isTrivialValue(cred))
        out.push({ start: cs, end: ve, type: 'AUTHORIZATION', priority: PRIORITY.keyValue });
      return;
    }
  }
  if (verdict.type === 'COOKIE') {
    cookieSpans(text, vs, ve, key.toLowerCase().replace(/[^a-z]/g, '') === 'setcookie', out, ctx);
    return;
  }
  if (isTrivialValue(value) || isWorkingDirectory(text, keyStart, key, value) || isKeySize(text, vs)) return;
  if (verdict.mode === 'entropy' && !looksSecret(value)) return;
  out.push({ start: vs, end: ve, type: verdict.type, priority: PRIORITY.keyValue });
}

/** A key's size, as openssl's `-text` heads a key with it: `Private-Key: (2048 bit, 2 primes)`. */
function isKeySize(text: string, at: number): boolean {
  return text.charCodeAt(at) === 40 && /^\(\d{2,5} bit[,)]/.test(text.slice(at, at + 12));
}

/**
 * POSIX's `PWD` opening a line of an environment dump (or an item of a JSON env array, as docker
 * inspect prints it) with an absolute path: the shell's working directory, not a password. An
 * ODBC `PWD=` inside a connection string follows a `;` and stays masked.
 */
function isWorkingDirectory(text: string, keyStart: number, key: string, value: string): boolean {
  if (key.length !== 3 || key.toLowerCase() !== 'pwd' || value.charCodeAt(0) !== 47) return false;
  const before = codeAt(text, keyStart - 1);
  return (before === -1 || before === 10 || before === 34) && /^\/[\w.~@%+/-]*$/.test(value);
}

/** A cookie named like a session or token keeps that type; any other cookie value is `COOKIE`. */
function cookieType(name: string, ctx: ScanContext): string {
  const v = ctx.classifyKey(name);
  return v !== undefined && v.mode === 'mask' && (v.type === 'SESSION_ID' || v.type === 'TOKEN')
    ? v.type
    : 'COOKIE';
}

function cookieSpans(
  text: string,
  from: number,
  to: number,
  setCookie: boolean,
  out: Span[],
  ctx: ScanContext,
): void {
  let p = from;
  let first = true;
  while (p < to) {
    let semi = text.indexOf(';', p);
    if (semi === -1 || semi > to) semi = to;
    let ns = p;
    while (ns < semi && text.charCodeAt(ns) === 32) ns++;
    const eq = text.indexOf('=', ns);
    if (eq !== -1 && eq < semi) {
      const name = text.slice(ns, eq).trim().toLowerCase();
      const attr = COOKIE_ATTRIBUTES.has(name);
      if ((!setCookie || first) && !attr) {
        let vs = eq + 1;
        let ve = semi;
        while (ve > vs && text.charCodeAt(ve - 1) === 32) ve--;
        if (text.charCodeAt(vs) === 34 && text.charCodeAt(ve - 1) === 34 && ve - vs >= 2) {
          vs++;
          ve--;
        }
        if (ve > vs && !isTrivialValue(text.slice(vs, ve)))
          out.push({
            start: vs,
            end: ve,
            type: cookieType(text.slice(ns, eq).trim(), ctx),
            priority: PRIORITY.keyValue,
          });
      }
    } else if (!setCookie && semi > ns) {
      // a bare cookie value without a name is still a credential
      const bare = text.slice(ns, semi).trim();
      if (!isTrivialValue(bare) && !COOKIE_ATTRIBUTES.has(bare.toLowerCase()))
        out.push({ start: ns, end: ns + bare.length, type: 'COOKIE', priority: PRIORITY.keyValue });
    }
    first = false;
    p = semi + 1;
  }
}

function findLineEnd(text: string, from: number, max: number): number {
  const limit = Math.min(text.length, from + max);
  for (let i = from; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return limit;
}

/** Values under sensitive names: `password=…`, `"token": "…"`, `Authorization: …`, cookies. */
export function keyValueDetector(): Detector {
  return { name: 'key-value', level: 'standard', scan: scanKeyValues };
}
