import { codeAt, isTokenChar } from './chars.js';
import { prescan } from '../prescan.js';
import type { Detector, ScanContext, Span } from '../span.js';

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
    // read only where it counts (a one-character separator): at a run starting the text, reading
    // before it would be out of range, which V8 answers by deoptimising this function
    const sep = sepLen === 1 ? text.charCodeAt(groupStart - 1) : -1;
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
/**
 * Where the text a run's detectors read starts: six characters before it, or, after a `/`, before
 * the word the slash ends (a product token such as `Chrome/`, up to 64 characters) and the
 * character ahead of that word, so a version after it can be told from an address.
 */
function windowStart(text: string, f: number): number {
  if (codeAt(text, f - 1) !== 47) return Math.max(0, f - 6);
  let k = f - 2;
  while (k >= 0 && f - k <= 66 && isTokenChar(text.charCodeAt(k))) k--;
  return Math.max(0, Math.min(k, f - 6));
}

export function digitGroup(members: Detector[]): Detector {
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
    const from = windowStart(text, f);
    for (const d of members) {
      if ((d.level === 'strict' && !strict) || !wanted(d.name)) continue;
      // six characters after the run too: a hex group beside it says it is a dump (numbers.ts)
      sub ??= text.slice(from, Math.min(text.length, b + 6));
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
