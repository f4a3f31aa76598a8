import {
  cardBrand,
  charClasses,
  ibanLength,
  ibanValid,
  luhnValid,
  shannonEntropy,
  ssnValid,
} from './validators.js';
import { Literal, PEM_BEGIN, PEM_END } from './literal.js';
import { HINT_OTHER, HINT_SYMBOLS, SYMBOL_OF, hintAutomaton, prescan } from './prescan.js';
import { KEY_HINT_WORDS } from './key-hints.js';
import type { Runs } from './prescan.js';
import { isPlaceholder, isTrivialValue, looksSecret } from './trivial.js';
import { PRIORITY } from './span.js';
import type { Detector, ScanContext, Span } from './span.js';
import type { MaskingLevel } from './types.js';

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);
/** Characters that continue a token: letters, digits, `_` and `-`. */
const isTokenChar = (c: number): boolean => isAlnum(c) || c === 95 || c === 45;
const isB64Char = (c: number): boolean => isAlnum(c) || c === 43 || c === 47;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * Positions, in increasing order, where one of several literals starts. Merging the occurrence
 * lists lazily keeps the cost at one `indexOf` per occurrence.
 */
class LiteralCursor {
  private readonly next: number[];
  private text = '';

  constructor(private readonly literals: readonly Literal[]) {
    this.next = literals.map(() => -1);
  }

  reset(text: string): void {
    this.text = text;
    for (let k = 0; k < this.literals.length; k++) this.next[k] = this.literals[k]!.find(text, 0);
  }

  /** The next occurrence at or after the last one returned, or -1 when there are no more. */
  take(): number {
    let best = -1;
    let at = -1;
    for (let k = 0; k < this.next.length; k++) {
      const p = this.next[k]!;
      if (p !== -1 && (at === -1 || p < at)) {
        at = p;
        best = k;
      }
    }
    if (best === -1) return -1;
    for (let k = 0; k < this.next.length; k++)
      if (this.next[k] === at) this.next[k] = this.literals[k]!.find(this.text, at + 1);
    return at;
  }
}

const sticky = (re: RegExp): RegExp => new RegExp(re.source, re.flags.replace('g', '') + 'y');

interface RegexSpec {
  name: string;
  type: string;
  priority: number;
  level?: MaskingLevel;
  re: RegExp;
  /** Returns true when the character before the match rules it out. */
  badBefore?: (c: number) => boolean;
  /** Index of the capture group to mask; requires the `d` flag. */
  group?: number;
  /** Rejects a match, or returns a narrower [start, end) to mask. */
  validate?: (m: RegExpExecArray, text: string) => boolean | [number, number];
  /**
   * Literals of which one occurs in every match, starting at most `reach` characters after the
   * match starts (and, for a case-insensitive regex, in every case the regex accepts). The regex
   * then runs only anchored at the few positions each occurrence allows, never over the text.
   */
  triggers?: readonly Literal[];
  reach?: number;
  /**
   * Alternatively: the next position at or after `from` where a match can start, or -1 (then
   * `triggers` only tell the engine when the detector can be skipped).
   */
  nextStart?: (text: string, from: number) => number;
  /**
   * Where the pre-scan lists, in order, every position a match can start at (a superset); used
   * instead of the other strategies when the pre-scan ran.
   */
  candidates?: (runs: Runs) => Int32Array;
}

/**
 * Runs a sticky regex at each candidate position in order, as the global loop would: a candidate
 * before where the last accepted match resumed scanning is skipped.
 */
function scanCandidates(
  list: Int32Array,
  anchored: RegExp,
  text: string,
  out: Span[],
  accept: (m: RegExpExecArray, text: string, out: Span[]) => number,
): void {
  let pos = 0;
  for (let k = 0; k < list.length; k++) {
    const s = list[k]!;
    if (s < pos) continue;
    anchored.lastIndex = s;
    const m = anchored.exec(text);
    if (m !== null && m[0].length > 0) pos = accept(m, text, out);
  }
}

function regexDetector(spec: RegexSpec): Detector {
  const { re, badBefore, group, validate, type, priority, triggers, candidates } = spec;
  const reach = spec.reach ?? 0;
  const anchored = sticky(re);
  const nextStart = spec.nextStart;
  const cursor = triggers === undefined || nextStart !== undefined ? undefined : new LiteralCursor(triggers);
  /** Handles a match at `at`; returns where scanning resumes, as the global loop would. */
  const accept = (m: RegExpExecArray, text: string, out: Span[]): number => {
    const at = m.index;
    const matchEnd = at + m[0].length;
    if (badBefore !== undefined && at > 0 && badBefore(text.charCodeAt(at - 1))) return at + 1;
    let start = at;
    let end = matchEnd;
    if (group !== undefined) {
      const idx = m.indices?.[group];
      if (idx === undefined) return matchEnd;
      [start, end] = idx;
    }
    if (validate !== undefined) {
      const verdict = validate(m, text);
      if (verdict === false) return at + 1;
      if (verdict !== true) [start, end] = verdict;
    }
    if (end > start) out.push({ start, end, type, priority });
    return matchEnd;
  };
  return {
    name: spec.name,
    level: spec.level ?? 'standard',
    ...(triggers === undefined ? {} : { triggers: triggers.map((t) => t.value) }),
    scan(text: string, out: Span[]): void {
      const runs = candidates === undefined ? undefined : prescan(text);
      if (runs !== undefined && candidates !== undefined) {
        scanCandidates(candidates(runs), anchored, text, out, accept);
        return;
      }
      if (nextStart !== undefined) {
        let pos = 0;
        for (let s = nextStart(text, 0); s !== -1; s = nextStart(text, pos)) {
          anchored.lastIndex = s;
          const m = anchored.exec(text);
          pos = m === null || m[0].length === 0 ? s + 1 : accept(m, text, out);
        }
        return;
      }
      if (cursor === undefined) {
        re.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = re.exec(text)) !== null) {
          if (m[0].length === 0) re.lastIndex = m.index + 1;
          else re.lastIndex = accept(m, text, out);
        }
        return;
      }
      // Every match starts within `reach` before a trigger, so trying the anchored regex at those
      // positions in order finds exactly the matches the global loop would.
      cursor.reset(text);
      let pos = 0;
      for (let t = cursor.take(); t !== -1; t = cursor.take()) {
        for (let s = Math.max(pos, t - reach); s <= t; s = Math.max(s + 1, pos)) {
          anchored.lastIndex = s;
          const m = anchored.exec(text);
          if (m === null || m[0].length === 0) continue;
          pos = accept(m, text, out);
        }
      }
    },
  };
}

const lowerEquals = (text: string, at: number, lower: string): boolean => {
  if (at < 0) return false;
  for (let i = 0; i < lower.length; i++)
    if ((text.charCodeAt(at + i) | 32) !== lower.charCodeAt(i)) return false;
  return true;
};

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

function decodeBase64(s: string): string | undefined {
  try {
    return Buffer.from(s, 'base64').toString('latin1');
  } catch {
    return undefined;
  }
}

function isPrintable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126) return false;
  }
  return true;
}

/**
 * Prefixed vendor tokens in one regex: an alternation of literal-led patterns runs as one pass
 * instead of one pass per vendor. Each alternative is its own capture group, naming the type.
 * With `prefixes` (literals one of which starts every match) the regex runs anchored at their
 * occurrences only, which finds the same matches as the pass without reading the whole text.
 */
function vendorDetector(
  name: string,
  parts: ReadonlyArray<readonly [string, string, (c: number) => boolean]>,
  prefixes?: readonly Literal[],
  candidates?: (runs: Runs) => Int32Array,
): Detector {
  const re = new RegExp(parts.map(([, src]) => `(${src})`).join('|'), 'g');
  const anchored = sticky(re);
  const cursor = prefixes === undefined ? undefined : new LiteralCursor(prefixes);
  /** Masks the match unless the character before rules it out; returns where scanning resumes. */
  const accept = (m: RegExpExecArray, text: string, out: Span[]): number => {
    let g = 1;
    while (m[g] === undefined) g++;
    const [type, , badBefore] = parts[g - 1]!;
    if (m.index > 0 && badBefore(text.charCodeAt(m.index - 1))) return m.index + 1;
    out.push({ start: m.index, end: m.index + m[0].length, type, priority: PRIORITY.vendorToken });
    return m.index + m[0].length;
  };
  return {
    name,
    level: 'standard',
    ...(prefixes === undefined ? {} : { triggers: prefixes.map((t) => t.value) }),
    scan(text: string, out: Span[]): void {
      const runs = candidates === undefined ? undefined : prescan(text);
      if (runs !== undefined && candidates !== undefined) {
        scanCandidates(candidates(runs), anchored, text, out, accept);
        return;
      }
      if (cursor === undefined) {
        re.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = re.exec(text)) !== null) re.lastIndex = accept(m, text, out);
        return;
      }
      cursor.reset(text);
      let pos = 0;
      for (let t = cursor.take(); t !== -1; t = cursor.take()) {
        if (t < pos) continue;
        anchored.lastIndex = t;
        const m = anchored.exec(text);
        if (m !== null) pos = accept(m, text, out);
      }
    },
  };
}

/**
 * True when the match at `at` continues a grouped code such as `FR82 6057 5148 …` (an IBAN or
 * account number): the previous group, one separator back, is four characters holding a digit.
 */
function continuesGroupedCode(text: string, at: number): boolean {
  const sep = text.charCodeAt(at - 1);
  if (sep !== 32 && sep !== 45) return false;
  let k = at - 2;
  let digit = false;
  while (k >= 0 && at - 2 - k <= 4 && isAlnum(text.charCodeAt(k))) {
    if (isDigit(text.charCodeAt(k))) digit = true;
    k--;
  }
  return digit && at - 2 - k === 4 && !isAlnum(text.charCodeAt(k));
}

/** Card numbers: digit runs with optional uniform separators, Luhn-checked, brand and layout checked. */
function validateCard(m: RegExpExecArray, text: string): boolean | [number, number] {
  const raw = m[0];
  if (/[ -]/.test(raw) && continuesGroupedCode(text, m.index)) return false;
  const groups = raw.split(/[ -]/);
  const sep = raw.includes(' ') ? ' ' : raw.includes('-') ? '-' : '';
  if (sep !== '' && raw.includes(sep === ' ' ? '-' : ' ')) return false;
  let count = groups.length;
  while (count >= 1) {
    const g = groups.slice(0, count);
    const digits = g.join('');
    const layoutOk =
      count === 1 ||
      (g.slice(0, -1).every((x) => x.length === 4) && (g[count - 1]?.length ?? 0) <= 4) ||
      (count === 3 && g[0]?.length === 4 && g[1]?.length === 6 && (g[2]?.length === 5 || g[2]?.length === 4));
    if (
      layoutOk &&
      digits.length >= 12 &&
      digits.length <= 19 &&
      luhnValid(digits) &&
      cardBrand(digits) !== undefined
    ) {
      const len = g.join(sep).length;
      const after = text.charCodeAt(m.index + len);
      if (!(isAlnum(after) || after === 46 || after === 95)) return [m.index, m.index + len];
    }
    if (sep === '') return false;
    count--;
  }
  return false;
}

function validateIban(m: RegExpExecArray, text: string): boolean | [number, number] {
  const country = m[0].slice(0, 2);
  const expected = ibanLength(country);
  if (expected === undefined) return false;
  let compact = '';
  let i = m.index;
  const limit = Math.min(text.length, m.index + expected * 2);
  while (i < limit && compact.length < expected) {
    const c = text.charCodeAt(i);
    if (isDigit(c) || (c >= 65 && c <= 90)) compact += text[i];
    else if (c === 32 && compact.length > 0 && compact.length % 4 === 0 && text.charCodeAt(i - 1) !== 32) {
      // single spaces only between groups of four
    } else break;
    i++;
  }
  if (compact.length !== expected) return false;
  if (isAlnum(text.charCodeAt(i))) return false;
  return ibanValid(compact) ? [m.index, i] : false;
}

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (isDigit(s.charCodeAt(i))) n++;
  return n;
}

function phoneEndOk(text: string, end: number): boolean {
  const c = text.charCodeAt(end);
  if (isAlnum(c) || c === 95) return false;
  if ((c === 45 || c === 46 || c === 47 || c === 58) && isDigit(text.charCodeAt(end + 1))) return false;
  return true;
}

const phoneBadBefore = (c: number): boolean =>
  isAlnum(c) || c === 43 || c === 95 || c === 46 || c === 45 || c === 47 || c === 58;

function validateIpv4(m: RegExpExecArray, text: string): boolean {
  const end = m.index + m[0].length;
  const c = text.charCodeAt(end);
  if (isAlnum(c) || c === 95) return false;
  if (c === 46 && isDigit(text.charCodeAt(end + 1))) return false;
  const v = m[0];
  if (v === '0.0.0.0' || v === '255.255.255.255' || v.startsWith('127.')) return false;
  return true;
}

/** Parses an IPv6 candidate; true for a valid address other than `::` and `::1`. */
export function ipv6Valid(s: string): boolean {
  let body = s;
  let ipv4Groups = 0;
  const lastColon = body.lastIndexOf(':');
  if (body.includes('.', lastColon)) {
    const v4 = body.slice(lastColon + 1);
    if (!/^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(v4))
      return false;
    body = body.slice(0, lastColon + 1) + '0';
    ipv4Groups = 1;
  }
  const dbl = body.indexOf('::');
  if (dbl !== -1 && body.indexOf('::', dbl + 1) !== -1) return false;
  const parts =
    dbl === -1 ? body.split(':') : [...body.slice(0, dbl).split(':'), ...body.slice(dbl + 2).split(':')];
  const groups = parts.filter((p, i) => !(dbl !== -1 && p === '' && (i === 0 || i === parts.length - 1)));
  for (const g of groups) if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return false;
  const count = groups.length + ipv4Groups;
  if (dbl === -1 ? count !== 8 : count > 7) return false;
  if (dbl !== -1 && body.startsWith(':') && !body.startsWith('::')) return false;
  if (dbl === -1 && (body.startsWith(':') || body.endsWith(':'))) return false;
  const compact = s.toLowerCase();
  if (compact === '::' || compact === '::1') return false;
  if (ipv4Groups === 1) return true;
  // `a::b`, `dead::beef`: scope operators and hex words, not addresses
  if (dbl !== -1 && groups.length < 3) return groups.join('').length >= 4 && /\d/.test(groups.join(''));
  return groups.length >= 2;
}

function jwtHeaderOk(m: RegExpExecArray): boolean {
  const header = m[0].slice(0, m[0].indexOf('.'));
  const decoded = decodeBase64(header.replace(/-/g, '+').replace(/_/g, '/'));
  return decoded !== undefined && decoded.startsWith('{') && /"(?:alg|typ|enc|kid)"/.test(decoded);
}

function bareSecretOk(value: string): boolean {
  let upper = false;
  let lower = false;
  let digit = false;
  let hex = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 65 && c <= 90) upper = true;
    else if (c >= 97 && c <= 122) lower = true;
    else if (isDigit(c)) digit = true;
    if (!isHex(c)) hex = false;
  }
  return upper && lower && digit && !hex && shannonEntropy(value) >= 4.2;
}

const B64_TABLE = new Uint8Array(128);
for (let c = 0; c < 128; c++) if (isB64Char(c)) B64_TABLE[c] = 1;
// Probes reach past either end of the text; an explicit bound keeps charCodeAt in range, which
// V8 otherwise answers by deoptimising the caller.
const isB64At = (text: string, i: number): boolean => {
  if (i >= text.length) return false;
  const c = text.charCodeAt(i);
  return c < 128 && B64_TABLE[c] === 1;
};
const isB64Edge = (c: number): boolean => isB64Char(c) || c === 61 || c === 95 || c === 45;

/** A sampled position in `(i, s + 40)` that is not base64, or -1 when none of the samples is. */
function b64Miss(text: string, i: number, s: number): number {
  if (!isB64At(text, s + 39)) return s + 39;
  if (!isB64At(text, i + 15)) return i + 15;
  if (!isB64At(text, i + 5)) return i + 5;
  if (s + 30 > i + 20 && !isB64At(text, s + 30)) return s + 30;
  return -1;
}

/**
 * Bare cloud secrets without a telling prefix: AWS secret access keys (40 base64 characters) and
 * Azure storage account keys (86 + `==`). Every run of 40 or more base64 characters covers one of
 * every 20th position and the one 20 after it, so only those are probed, and a run is expanded only
 * when its 40th character is base64 too; length and character mix decide.
 * Integrity hashes (`sha512-…`) are excluded because a `-` or `_` may not border the run.
 */
function scanLongBase64(text: string, out: Span[]): void {
  const runs = prescan(text);
  if (runs !== undefined) {
    const r = runs.b64;
    for (let k = 0; k < 2 * runs.b64Count; k += 2) longBase64Run(text, r[k]!, r[k + 1]!, out);
    return;
  }
  const n = text.length;
  let i = 19;
  while (i < n) {
    if (!isB64At(text, i)) {
      i += 20;
      continue;
    }
    // A position in [i - 20, i) is known not to be base64, so a run of 40 holds all of [i, i + 20];
    // after a miss at m the next probe is m + 20 for the same reason.
    if (!isB64At(text, i + 20)) {
      i += 40;
      continue;
    }
    if (!isB64At(text, i + 10)) {
      i += 30;
      continue;
    }
    let s = i;
    while (s > 0 && isB64At(text, s - 1)) s--;
    // A run starting at s is 40 long only if all of [s, s + 40) is base64: a few samples usually
    // find a separator m, and no unseen run of 40 can start before m.
    const m = b64Miss(text, i, s);
    if (m !== -1) {
      i = m + 20;
      continue;
    }
    let e = i + 1;
    while (e < n && isB64At(text, e)) e++;
    i = e + 20;
    if (e - s >= 40) longBase64Run(text, s, e, out);
  }
}

/** Masks the base64 run `[s, e)` (maximal, at least 40 long) when it is a bare cloud secret. */
function longBase64Run(text: string, s: number, e: number, out: Span[]): void {
  const before = text.charCodeAt(s - 1);
  if (before === 95 || before === 45) return;
  let end = e;
  if (text.charCodeAt(e) === 61 && text.charCodeAt(e + 1) === 61) end = e + 2;
  if (isB64Edge(text.charCodeAt(end))) return;
  const v = text.slice(s, end);
  if (v.length === 40 && bareSecretOk(v))
    out.push({ start: s, end, type: 'AWS_SECRET_ACCESS_KEY', priority: PRIORITY.bareSecret });
  else if (v.length === 88 && v.endsWith('==') && charClasses(v) >= 3 && shannonEntropy(v) >= 4.5)
    out.push({ start: s, end, type: 'AZURE_STORAGE_KEY', priority: PRIORITY.bareSecret });
}

/**
 * Characters of a number run, as bits: 1 any of `[\\d .()+-]`, 2 one that may start a run
 * (`[+(\\d]`), 4 a digit, 8 a dot.
 */
const RUN_CHAR = new Uint8Array(128);
for (const ch of ' )-') RUN_CHAR[ch.charCodeAt(0)] = 1;
RUN_CHAR[46] = 1 | 8;
for (const ch of '+(') RUN_CHAR[ch.charCodeAt(0)] = 1 | 2;
for (const ch of '0123456789') RUN_CHAR[ch.charCodeAt(0)] = 1 | 2 | 4;
const runCharAt = (text: string, i: number): number => {
  if (i >= text.length) return 0;
  const c = text.charCodeAt(i);
  return c < 128 ? RUN_CHAR[c]! : 0;
};
/**
 * Shortest run that can hold a match: `1.2.3.4` (IPv4, strict only); at `standard`, `+` and eight
 * digits (E.164), since every other number detector needs nine digits or more.
 */
const MIN_RUN_STRICT = 7;
const MIN_RUN_STANDARD = 9;

/** What the digit groups of a run allow; each flag is necessary for its detector to match. */
interface RunShape {
  digits: number;
  dots: number;
  plus: boolean;
  /** `ddd-dd-dddd` or with spaces: three groups of 3, 2 and 4+ digits, one uniform separator. */
  ssn: boolean;
  /** A group of exactly 3 digits, one `[ .-]`, then 4 or more digits (exchange and line number). */
  nanp: boolean;
  /**
   * A trunk prefix `0[1-9]`: a group of 3–5 digits then one `[ -]` and 3+ digits, or a group of 2
   * followed by four more groups of 2, each after one `[ .]`.
   */
  national: boolean;
}

function runShape(text: string, from: number, to: number, shape: RunShape): void {
  let digits = 0;
  let dots = 0;
  let plus = false;
  let ssn = false;
  let nanp = false;
  let national = false;
  // lengths of the last two groups; the separator before the last one
  let len1 = 0;
  let len2 = 0;
  let sep1 = 0;
  let sepLen1 = 0;
  let groupStart = -1;
  let trunkOpen = false;
  let pairs = -1;
  let sepStart = from;
  for (let i = from; i <= to; i++) {
    const c = i < to ? text.charCodeAt(i) : -1;
    if (c >= 48 && c <= 57) {
      digits++;
      if (groupStart === -1) groupStart = i;
      continue;
    }
    if (c === 46) dots++;
    else if (c === 43) plus = true;
    if (groupStart === -1) continue;
    const len = i - groupStart;
    const sepLen = groupStart - sepStart;
    const sep = text.charCodeAt(groupStart - 1);
    if (len >= 4 && sepLen === 1) {
      if (len1 === 3 && (sep === 32 || sep === 46 || sep === 45)) nanp = true;
      if (len1 === 2 && len2 === 3 && sepLen1 === 1 && sep === sep1 && (sep === 32 || sep === 45)) ssn = true;
    }
    const single = sepLen === 1;
    if (trunkOpen && len >= 3 && single && (sep === 32 || sep === 45)) national = true;
    // pairs: groups of two after the first `0[1-9]` pair of the current chain of pairs
    if (len === 2 && len1 === 2 && single && (sep === 32 || sep === 46)) {
      if (pairs >= 0 && ++pairs >= 4) national = true;
    } else pairs = -1;
    const trunk = text.charCodeAt(groupStart) === 48 && text.charCodeAt(groupStart + 1) !== 48;
    if (pairs === -1 && len === 2 && trunk) pairs = 0;
    trunkOpen = len >= 3 && len <= 5 && trunk;
    len2 = len1;
    len1 = len;
    sep1 = sep;
    sepLen1 = sepLen;
    groupStart = -1;
    sepStart = i;
  }
  shape.digits = digits;
  shape.dots = dots;
  shape.plus = plus;
  shape.ssn = ssn;
  shape.nanp = nanp;
  shape.national = national;
}

function hasPlus(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 43) return true;
  return false;
}

/**
 * Number-shaped detectors (cards, SSNs, phones, IPv4) behind one pass: every match of theirs lies
 * inside a run of digits and `+ .()-` starting with `[+(\d]` and at least seven (strict) or nine
 * (standard) characters long, so each runs only on those runs (plus a few characters of context
 * for its guards) and only when the run's digit groups can hold its shape. Runs are found by
 * probing every seventh or ninth character: a run that long cannot fit between two probes.
 */
function digitGroup(members: Detector[]): Detector {
  const shape: RunShape = { digits: 0, dots: 0, plus: false, ssn: false, nanp: false, national: false };
  const wanted = (name: string): boolean => {
    switch (name) {
      case 'card':
        return shape.digits >= 12;
      case 'us-ssn':
        return shape.digits >= 9 && shape.ssn;
      case 'phone-e164':
      case 'phone-international':
        return shape.digits >= 8 && shape.plus;
      case 'phone-nanp':
        return shape.digits >= 10 && shape.nanp;
      case 'phone-national':
        return shape.digits >= 10 && shape.national;
      case 'ipv4':
        return shape.digits >= 4 && shape.dots >= 3;
      default:
        throw new TypeError(`unknown number detector ${name}`);
    }
  };
  const tmp: Span[] = [];
  /** Runs the detectors the run `[a, b)` (maximal, holding `digits` digits) can hold. */
  const examine = (
    text: string,
    a: number,
    b: number,
    digits: number,
    out: Span[],
    ctx: ScanContext,
  ): void => {
    const strict = ctx.level === 'strict';
    const minRun = strict ? MIN_RUN_STRICT : MIN_RUN_STANDARD;
    let f = a;
    while (f < b && (runCharAt(text, f) & 2) === 0) f++;
    if (b - f < minRun) return;
    // only digits and fewer than a card's twelve: every other shape needs a separator or `+`
    if (digits === b - f && digits < 12) return;
    // fewer than nine digits (dates): at standard only a `+` phone can match
    if (digits < 9 && !strict && !hasPlus(text, f, b)) return;
    runShape(text, f, b, shape);
    if (shape.digits < 8 && shape.dots < 3) return;
    let sub: string | undefined;
    const from = Math.max(0, f - 6);
    for (const d of members) {
      if ((d.level === 'strict' && !strict) || !wanted(d.name)) continue;
      sub ??= text.slice(from, Math.min(text.length, b + 2));
      d.scan(sub, tmp, ctx);
    }
    for (const sp of tmp)
      out.push({ start: sp.start + from, end: sp.end + from, type: sp.type, priority: sp.priority });
    tmp.length = 0;
  };
  return {
    name: 'numbers',
    level: 'standard',
    scan(text: string, out: Span[], ctx: ScanContext): void {
      const runs = prescan(text);
      if (runs !== undefined) {
        // the pre-scan lists every maximal run of 7 or more with eight digits or three dots
        const r = runs.num;
        for (let k = 0; k < 3 * runs.numCount; k += 3) examine(text, r[k]!, r[k + 1]!, r[k + 2]!, out, ctx);
        return;
      }
      const strict = ctx.level === 'strict';
      const n = text.length;
      const minRun = strict ? MIN_RUN_STRICT : MIN_RUN_STANDARD;
      let i = minRun - 1;
      while (i < n) {
        if (runCharAt(text, i) === 0) {
          i += minRun;
          continue;
        }
        // digits and dots counted while expanding, to drop most runs before reading them again
        let k = runCharAt(text, i);
        let digits = (k >> 2) & 1;
        let dots = k >> 3;
        let a = i;
        while (a > 0 && (k = runCharAt(text, a - 1)) !== 0) {
          digits += (k >> 2) & 1;
          dots += k >> 3;
          a--;
        }
        let b = i + 1;
        while (b < n && (k = runCharAt(text, b)) !== 0) {
          digits += (k >> 2) & 1;
          dots += k >> 3;
          b++;
        }
        i = b + minRun;
        if (digits < 8 && dots < 3) continue;
        examine(text, a, b, digits, out, ctx);
      }
    },
  };
}

const HEX_SEP = new Uint8Array(128);
for (let c = 0; c < 128; c++) if (isHex(c) || c === 58 || c === 45 || c === 46) HEX_SEP[c] = 1;
const isHexSepAt = (text: string, i: number): boolean => {
  if (i >= text.length) return false;
  const c = text.charCodeAt(i);
  return c < 128 && HEX_SEP[c] === 1;
};

/**
 * IPv6 and MAC detectors behind one cheap pass: each of their matches holds at least two `:` or
 * `-` inside a run of hex digits and `:.-`, so only such runs around a separator are examined.
 */
function hexGroup(members: Detector[]): Detector {
  return {
    name: 'hex-addresses',
    level: 'strict',
    scan(text: string, out: Span[], ctx: ScanContext): void {
      const n = text.length;
      let covered = 0;
      let colon = text.indexOf(':');
      let dash = text.indexOf('-');
      const tmp: Span[] = [];
      while (colon !== -1 || dash !== -1) {
        const p = colon === -1 ? dash : dash === -1 ? colon : Math.min(colon, dash);
        if (p >= covered) {
          let st = p;
          while (st > 0 && isHexSepAt(text, st - 1)) st--;
          let e = p + 1;
          while (e < n && isHexSepAt(text, e)) e++;
          covered = e;
          let colons = 0;
          let dashes = 0;
          let double = false;
          for (let i = st; i < e; i++) {
            const c = text.charCodeAt(i);
            if (c === 58) {
              colons++;
              if (text.charCodeAt(i + 1) === 58) double = true;
            } else if (c === 45) dashes++;
          }
          // an IPv6 address has `::` or at least six colons, a MAC five separators; times have two
          if (e - st >= 7 && (double || colons >= 5 || dashes >= 5)) {
            const from = Math.max(0, st - 2);
            const sub = text.slice(from, Math.min(n, e + 2));
            for (const d of members) d.scan(sub, tmp, ctx);
            for (const sp of tmp)
              out.push({ start: sp.start + from, end: sp.end + from, type: sp.type, priority: sp.priority });
            tmp.length = 0;
          }
        }
        if (p === colon) colon = text.indexOf(':', Math.max(p + 1, covered));
        if (p === dash) dash = text.indexOf('-', Math.max(p + 1, covered));
      }
    },
  };
}

/** The built-in value detectors, in no particular order (overlaps are resolved afterwards). */
export function builtinDetectors(): Detector[] {
  return [
    vendorDetector(
      'vendor-upper',
      [
        [
          'AWS_ACCESS_KEY_ID',
          '(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}(?![A-Za-z0-9])',
          isAlnum,
        ],
        ['GOOGLE_API_KEY', 'AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])', isAlnum],
        ['GOOGLE_CLIENT_SECRET', 'GOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])', isAlnum],
        ['SENDGRID_API_KEY', 'SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])', isAlnum],
      ],
      undefined,
      (runs) => runs.upperVendor,
    ),
    vendorDetector(
      'vendor-lower',
      [
        [
          'GITHUB_TOKEN',
          '(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,247})(?![A-Za-z0-9_])',
          isAlnum,
        ],
        ['SLACK_TOKEN', '(?:xox(?:[abposer]|a-2)-|xapp-\\d-)[A-Za-z0-9-]{10,250}', isAlnum],
        [
          'SLACK_WEBHOOK',
          'https:\\/\\/hooks\\.slack\\.com\\/(?:services|workflows|triggers)\\/[A-Za-z0-9_/-]{8,250}',
          isAlnum,
        ],
        [
          'STRIPE_KEY',
          '(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9+/]{24,128})',
          isAlnum,
        ],
        ['ANTHROPIC_API_KEY', 'sk-ant-(?:api|admin)\\d{2}-[A-Za-z0-9_-]{32,250}', isTokenChar],
        [
          'OPENAI_API_KEY',
          'sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,250}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{32,64})(?![A-Za-z0-9_-])',
          isTokenChar,
        ],
        ['NPM_TOKEN', 'npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])', isAlnum],
      ],
      [
        new Literal('gh'),
        new Literal('github_pat_', 7),
        new Literal('xox'),
        new Literal('xapp-'),
        new Literal('https://hooks.', 8),
        new Literal('sk_', 1),
        new Literal('rk_', 1),
        new Literal('whsec_'),
        new Literal('sk-', 1),
        new Literal('npm_', 1),
      ],
      (runs) => runs.lowerVendor,
    ),
    vendorDetector(
      'glovebox',
      [
        ['GLOVEBOX_API_TOKEN', 'gbx_t_[A-Za-z0-9_-]{20,512}', isAlnum],
        ['GLOVEBOX_SESSION_TOKEN', 'gbx_s_[A-Za-z0-9_-]{20,512}', isAlnum],
        ['GLOVEBOX_AGENT_CREDENTIAL', 'gbx_a_[A-Za-z0-9_-]{20,512}', isAlnum],
        // kinds minted later (one or two lower-case letters) are credentials too
        ['GLOVEBOX_TOKEN', 'gbx_[a-z]{1,2}_[A-Za-z0-9_-]{20,512}', isAlnum],
      ],
      [new Literal('gbx_', 1)],
    ),
    { name: 'long-base64', level: 'standard', scan: scanLongBase64 },
    regexDetector({
      name: 'azure-connection-key',
      type: 'AZURE_STORAGE_KEY',
      priority: PRIORITY.vendorToken,
      triggers: [new Literal('AccountKey=', 7), new Literal('SharedAccessKey=', 12)],
      re: /(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{20,100}={0,2})/dg,
      group: 1,
    }),
    regexDetector({
      name: 'azure-sas-signature',
      type: 'AZURE_SAS_TOKEN',
      priority: PRIORITY.vendorToken,
      triggers: [new Literal('?sig='), new Literal('&sig=')],
      re: /[?&]sig=([A-Za-z0-9%+/=]{20,200})/dg,
      group: 1,
    }),
    regexDetector({
      name: 'jwt',
      type: 'JWT',
      priority: PRIORITY.vendorToken,
      triggers: [new Literal('eyJ', 1)],
      re: /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)?/g,
      badBefore: isTokenChar,
      validate: jwtHeaderOk,
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
      re: /--(?:password|passwd|pass|pwd|secret|token|api-key|apikey|access-token|client-secret|auth-token)[ \t]+('[^'\r\n]*'|"[^"\r\n]*"|[^\s'"-][^\s'"]*)/dg,
      badBefore: (c) => c !== 32 && c !== 9,
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
    {
      name: 'private-key',
      level: 'standard',
      triggers: [PEM_BEGIN.value],
      scan: (text, out) => {
        if (PEM_BEGIN.find(text, 0) !== -1) scanPem(text, 0, text.length, false, out);
      },
    },
    { name: 'email', level: 'standard', triggers: ['@', '%40'], scan: scanEmails },
    digitGroup([
      regexDetector({
        name: 'card',
        type: 'CREDIT_CARD',
        priority: PRIORITY.financial,
        re: /\d(?:[ -]?\d){11,22}/g,
        badBefore: (c) => isAlnum(c) || c === 46 || c === 43 || c === 95 || c === 45 || c === 47,
        validate: validateCard,
      }),
      regexDetector({
        name: 'us-ssn',
        type: 'US_SSN',
        priority: PRIORITY.financial,
        re: /(\d{3})([- ])(\d{2})\2(\d{4})(?![0-9A-Za-z_]|[-.]\d)/g,
        badBefore: (c) => isAlnum(c) || c === 45 || c === 46 || c === 95 || c === 47 || c === 43,
        validate: (m) => ssnValid(m[1] ?? '', m[3] ?? '', m[4] ?? ''),
      }),
      regexDetector({
        name: 'phone-e164',
        type: 'PHONE',
        priority: PRIORITY.phone,
        re: /\+[1-9]\d{7,14}(?!\d)/g,
        badBefore: phoneBadBefore,
        validate: (m, text) => phoneEndOk(text, m.index + m[0].length),
      }),
      regexDetector({
        name: 'phone-international',
        type: 'PHONE',
        priority: PRIORITY.phone,
        re: /\+[1-9]\d{0,3}(?:[ .-]?\(\d{1,5}\)[ .-]?\d{1,8}|[ .-]\d{1,8}){1,6}/g,
        badBefore: phoneBadBefore,
        validate: (m, text) => {
          const n = countDigits(m[0]);
          return n >= 8 && n <= 15 && phoneEndOk(text, m.index + m[0].length);
        },
      }),
      regexDetector({
        name: 'phone-nanp',
        type: 'PHONE',
        priority: PRIORITY.phone,
        re: /(?:\+?1[ .-]?)?(?:\(([2-9]\d{2})\)[ .-]?|([2-9]\d{2})[ .-])([2-9]\d{2})[ .-]\d{4}/g,
        badBefore: phoneBadBefore,
        validate: (m, text) => phoneEndOk(text, m.index + m[0].length),
      }),
      regexDetector({
        name: 'phone-national',
        type: 'PHONE',
        priority: PRIORITY.phone,
        re: /0[1-9]\d{1,3}[ -]\d{3,4}[ -]?\d{3,4}|0[1-9](?:[ .]\d{2}){4}/g,
        badBefore: phoneBadBefore,
        validate: (m, text) => {
          const n = countDigits(m[0]);
          return (
            n >= 10 &&
            n <= 11 &&
            phoneEndOk(text, m.index + m[0].length) &&
            !continuesGroupedCode(text, m.index)
          );
        },
      }),
      regexDetector({
        name: 'ipv4',
        type: 'IPV4',
        priority: PRIORITY.network,
        level: 'strict',
        re: /(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}/g,
        badBefore: (c) => isAlnum(c) || c === 46 || c === 95,
        validate: validateIpv4,
      }),
    ]),
    regexDetector({
      name: 'iban',
      type: 'IBAN',
      priority: PRIORITY.financial,
      re: /[A-Z]{2}\d{2}[ ]?[A-Z0-9]{4}/g,
      candidates: (runs) => runs.iban,
      badBefore: (c) => isAlnum(c) || c === 95,
      validate: validateIban,
    }),
    hexGroup([
      regexDetector({
        name: 'ipv6',
        type: 'IPV6',
        priority: PRIORITY.network,
        level: 'strict',
        re: /[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}/g,
        badBefore: (c) => isAlnum(c) || c === 58 || c === 46 || c === 95,
        validate: (m, text) => {
          const after = text.charCodeAt(m.index + m[0].length);
          if (isAlnum(after) || after === 95 || after === 58) return false;
          return ipv6Valid(m[0]);
        },
      }),
      regexDetector({
        name: 'mac',
        type: 'MAC_ADDRESS',
        priority: PRIORITY.network,
        level: 'strict',
        re: /[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![0-9A-Za-z_:-])/g,
        badBefore: (c) => isAlnum(c) || c === 58 || c === 45 || c === 46 || c === 95,
        validate: (m) =>
          !/^(?:0+|f+)$/i.test(m[0].replace(/[:.-]/g, '')) && /[A-Fa-f]/.test(m[0]) === /[A-Fa-f]/.test(m[0]),
      }),
    ]),
    { name: 'key-value', level: 'standard', scan: scanKeyValues },
  ];
}

// ---------------------------------------------------------------------------------------------
// Private keys (PEM), on one line (also JSON-escaped) or, inside a PEM segment, across lines.

const PEM_LIMIT = 32768;

/** Scans `[from, to)` for PEM private keys; `multiLine` lets the body continue over real line breaks. */
export function scanPem(text: string, from: number, to: number, multiLine: boolean, out: Span[]): void {
  // next line break at or after the current key; -1 once there is none, so each is searched once
  let nl = -2;
  let cr = -2;
  let i = PEM_BEGIN.find(text, from);
  while (i !== -1 && i < to) {
    const labelEnd = text.indexOf('-----', i + 10);
    if (labelEnd === -1 || labelEnd - i > 80 || labelEnd >= to) {
      i = PEM_BEGIN.find(text, i + 10);
      continue;
    }
    const label = text.slice(i + 10, labelEnd);
    if (!/^ [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?$/.test(label)) {
      i = PEM_BEGIN.find(text, labelEnd);
      continue;
    }
    const bodyStart = labelEnd + 5;
    let lineLimit = to;
    if (!multiLine) {
      if (nl !== -1 && nl < bodyStart) nl = text.indexOf('\n', bodyStart);
      if (cr !== -1 && cr < bodyStart) cr = text.indexOf('\r', bodyStart);
      if (nl !== -1 && nl < lineLimit) lineLimit = nl;
      if (cr !== -1 && cr < lineLimit) lineLimit = cr;
    }
    lineLimit = Math.min(lineLimit, bodyStart + PEM_LIMIT);
    const endMarker = PEM_END.find(text, bodyStart);
    let end: number;
    if (endMarker !== -1 && endMarker < lineLimit) {
      const close = text.indexOf('-----', endMarker + 8);
      end = close !== -1 && close - endMarker < 80 && close + 5 <= lineLimit ? close + 5 : lineLimit;
    } else {
      end = pemBodyEnd(text, bodyStart, lineLimit);
    }
    out.push({ start: i, end, type: 'PRIVATE_KEY', priority: PRIORITY.privateKey });
    i = PEM_BEGIN.find(text, Math.max(end, i + 10));
  }
}

/** End of a truncated PEM body: base64 runs joined by (possibly escaped) line breaks, plus headers. */
function pemBodyEnd(text: string, start: number, limit: number): number {
  let pos = start;
  let end = start;
  let first = true;
  while (pos < limit) {
    // separators: real breaks, JSON-escaped breaks, spaces before a long base64 run
    let p = pos;
    let sawBreak = false;
    for (;;) {
      const c = text.charCodeAt(p);
      if (p >= limit) break;
      if (c === 10 || c === 13) {
        p++;
        sawBreak = true;
      } else if (c === 92 && (text.charCodeAt(p + 1) === 110 || text.charCodeAt(p + 1) === 114)) {
        p += 2;
        sawBreak = true;
      } else if (c === 32 || c === 9) p++;
      else break;
    }
    let q = p;
    while (q < limit && (isB64Char(text.charCodeAt(q)) || text.charCodeAt(q) === 61)) q++;
    const run = q - p;
    if (run === 0) {
      // "Proc-Type: 4,ENCRYPTED" style headers directly after the BEGIN line
      if (first) {
        const m = /^[A-Za-z-]+: [^\r\n\\]*/.exec(text.slice(p, Math.min(limit, p + 200)));
        if (m !== null) {
          pos = p + m[0].length;
          end = pos;
          continue;
        }
      }
      break;
    }
    if (!sawBreak && !first && run < 16) break;
    const after = text.charCodeAt(q);
    // a body line is base64 from break to break; `next: words` after a cut-off key is not
    if (
      q < limit &&
      !first &&
      after !== 10 &&
      after !== 13 &&
      after !== 92 &&
      after !== 34 &&
      after !== 39 &&
      after !== 32 &&
      after !== 9
    )
      break;
    if (text.charCodeAt(q) === 58 && first) {
      const m = /^[A-Za-z-]+: [^\r\n\\]*/.exec(text.slice(p, Math.min(limit, p + 200)));
      if (m !== null) {
        pos = p + m[0].length;
        end = pos;
        continue;
      }
    }
    first = false;
    pos = q;
    end = q;
  }
  return end;
}

// ---------------------------------------------------------------------------------------------
// E-mail addresses, plain and URL-encoded (`%40`).

const CODE_EXTENSIONS = new Set([
  'js',
  'ts',
  'mjs',
  'cjs',
  'jsx',
  'tsx',
  'json',
  'py',
  'rb',
  'go',
  'java',
  'kt',
  'rs',
  'map',
  'css',
  'html',
  'txt',
  'log',
  'yaml',
  'yml',
  'toml',
  'lock',
  'png',
  'jpg',
  'svg',
  'php',
  'c',
  'h',
  'cpp',
  'vue',
]);

const isLocalChar = (c: number): boolean =>
  isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || c === 39;

function scanEmails(text: string, out: Span[]): void {
  scanEmailsAt(text, '@', out);
  if (text.includes('%40')) scanEmailsAt(text, '%40', out);
}

function scanEmailsAt(text: string, at: string, out: Span[]): void {
  let i = text.indexOf(at);
  while (i !== -1) {
    const span = emailAround(text, i, at.length);
    if (span !== undefined) {
      out.push({ start: span[0], end: span[1], type: 'EMAIL', priority: PRIORITY.email });
      i = text.indexOf(at, span[1]);
    } else i = text.indexOf(at, i + 1);
  }
}

/** True when `at` lies in the `user:password@` part of a URL, which is not an address. */
function inUrlUserinfo(text: string, at: number): boolean {
  const from = Math.max(0, at - 300);
  // Bounded backwards search: `lastIndexOf` would scan to the start of the text for every `@`,
  // which made texts with many addresses and no URL quadratic.
  let scheme = -1;
  for (let i = at - 3; i >= from; i--) {
    if (text.charCodeAt(i) === 58 && text.charCodeAt(i + 1) === 47 && text.charCodeAt(i + 2) === 47) {
      scheme = i;
      break;
    }
  }
  if (scheme < 0) return false;
  for (let i = scheme + 3; i < at; i++) {
    const c = text.charCodeAt(i);
    if (
      c === 47 ||
      c === 32 ||
      c === 9 ||
      c === 10 ||
      c === 13 ||
      c === 34 ||
      c === 39 ||
      c === 60 ||
      c === 62
    )
      return false;
  }
  return true;
}

function emailAround(text: string, at: number, atLen: number): [number, number] | undefined {
  let s = at;
  while (s > 0 && at - s < 64 && isLocalChar(text.charCodeAt(s - 1))) s--;
  // URL-encoded separators (`%20`, `%3D`, `%3A`) and quotes are not part of the local part
  while (s < at) {
    const c = text.charCodeAt(s);
    if (c === 46 || c === 39) s++;
    else if (
      c === 37 &&
      at - s >= 3 &&
      /^%(?:[0-9A-Fa-f]{2})/.test(text.slice(s, s + 3)) &&
      text.slice(s, s + 3).toUpperCase() !== '%2B'
    )
      s += 3;
    else break;
  }
  if (s === at) return undefined;
  const before = text.charCodeAt(s - 1);
  if (inUrlUserinfo(text, s)) return undefined;
  if (before === 64) return undefined;
  let e = at + atLen;
  const domainStart = e;
  let lastDot = -1;
  let labelLen = 0;
  while (e < text.length && e - domainStart < 253) {
    const c = text.charCodeAt(e);
    if (isAlnum(c) || c === 45) {
      labelLen++;
      e++;
    } else if (c === 46 && labelLen > 0 && isAlnum(text.charCodeAt(e + 1))) {
      lastDot = e;
      labelLen = 0;
      e++;
    } else break;
  }
  while (e > domainStart && text.charCodeAt(e - 1) === 45) e--;
  if (lastDot === -1 || lastDot <= domainStart) return undefined;
  const tld = text.slice(lastDot + 1, e);
  if (tld.length < 2 || tld.length > 24 || !/^(?:[A-Za-z]+|xn--[a-z0-9-]+)$/.test(tld)) return undefined;
  if (CODE_EXTENSIONS.has(tld.toLowerCase())) return undefined;
  if (text.charCodeAt(e) === 64) return undefined;
  let localEnd = at;
  while (localEnd > s && text.charCodeAt(localEnd - 1) === 46) localEnd--;
  if (localEnd === s) return undefined;
  return [s, e];
}

// ---------------------------------------------------------------------------------------------
// Values under sensitive names: `password=…`, `"token": "…"`, `Authorization: Bearer …`, cookies.

const isKeyChar = (c: number): boolean =>
  isAlnum(c) || c === 95 || c === 45 || c === 46 || c === 91 || c === 93;
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

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * An alternation of words factored by common prefixes (`s(?:e(?:cret|ss|ed)|id|…)`), so the regex
 * engine tests each position against one branch per first letter instead of every word. No word
 * is a prefix of another, so the match at each position is the same as the plain alternation's.
 * `between` (a regex source) may stand between any two letters of a word.
 */
export function prefixTrieSource(words: readonly string[], between = ''): string {
  const byFirst = new Map<string, string[]>();
  let empty = false;
  for (const w of words) {
    if (w === '') {
      empty = true;
      continue;
    }
    const rest = byFirst.get(w[0]!) ?? [];
    rest.push(w.slice(1));
    byFirst.set(w[0]!, rest);
  }
  const branches = [...byFirst].map(([first, rest]) => {
    const tail = prefixTrieSource(rest, between);
    return escapeRegex(first) + (tail === '' ? '' : between + tail);
  });
  if (branches.length === 0) return '';
  if (branches.length === 1 && !empty) return branches[0]!;
  return `(?:${branches.join('|')})${empty ? '?' : ''}`;
}

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

function keyValueAt(text: string, d: number, out: Span[], ctx: ScanContext): void {
  const dc = text.charCodeAt(d);
  const next = text.charCodeAt(d + 1);
  let v = d + 1;
  if (dc === 61) {
    const prev = text.charCodeAt(d - 1);
    if (next === 61 || prev === 61 || prev === 33 || prev === 60 || prev === 62 || prev === 58) return;
    if (next === 62) v = d + 2;
  } else {
    if (next === 58 || (next === 47 && text.charCodeAt(d + 2) === 47)) return;
    if (text.charCodeAt(d - 1) === 58) return;
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
  if (verdict === undefined) return;
  // value, forwards
  while (v < text.length && (text.charCodeAt(v) === 32 || text.charCodeAt(v) === 9)) v++;
  let vs = v;
  let ve: number;
  let c = text.charCodeAt(v);
  let escapedQuote = false;
  if (c === 92 && (text.charCodeAt(v + 1) === 34 || text.charCodeAt(v + 1) === 39)) {
    escapedQuote = true;
    v++;
    c = text.charCodeAt(v);
  }
  const lineEnd = findLineEnd(text, v, 8192);
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
      if (
        x === 32 ||
        x === 9 ||
        x === 44 ||
        x === 59 ||
        x === 38 ||
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
  if (isTrivialValue(value)) return;
  if (verdict.mode === 'entropy' && !looksSecret(value)) return;
  out.push({ start: vs, end: ve, type: verdict.type, priority: PRIORITY.keyValue });
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
