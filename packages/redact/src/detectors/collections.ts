/**
 * Collections under a sensitive name, as programs print them on one line: `passwords: [ 'a', 'b' ]`
 * (node's `util.inspect`, JSON, Python), a tuple `('a',)`, `secrets: Set(2) { 'x', 'y' }`,
 * `apiKeys: Map(1) { 'k' => 'v' }`, `token: <Buffer 42 75 …>`, a dict of secrets under a plural
 * name. Each scalar element is masked as the name's own value would be; brackets, separators and
 * node's type tags are kept. A collection is read to its closing bracket or the line's end.
 */
import { namesCollection } from '../keys.js';
import type { KeyVerdict } from '../keys.js';
import { PRIORITY } from '../span.js';
import type { Span } from '../span.js';
import { isTrivialValue, looksSecret } from '../trivial.js';

/** Node's tag before a collection: `Set(2) {`, `Map(1) {`, `Uint8Array(3) [`. */
const TAG = /^(?:Set|Map|[A-Z][A-Za-z0-9]{0,15}Array)\(\d{1,9}\) ?(?=[[{])/;
/** Node's `<Buffer 42 75 … 12 more bytes>`: the bytes are the value. */
const BUFFER = /^<Buffer((?: [0-9a-f]{2})+)(?: \.\.\. \d{1,9} more bytes)?>/;
/** Node's `... 95 more items` at the end of a long array. */
const MORE_ITEMS = /^\.\.\. \d{1,9} more items?/;

const CLOSER: Record<number, number> = { 91: 93, 40: 41, 123: 125 };
const isBlank = (c: number): boolean => c === 32 || c === 9;
const isQuote = (c: number): boolean => c === 34 || c === 39;
const isBracket = (c: number): boolean =>
  c === 91 || c === 93 || c === 40 || c === 41 || c === 123 || c === 125;

/** `apiKeys`, `tokens`: a Map under such a name may be keyed by the keys themselves. */
const keyedBySecrets = (verdict: KeyVerdict): boolean =>
  verdict.type === 'API_KEY' || verdict.type === 'TOKEN';

interface Walk {
  readonly text: string;
  readonly end: number;
  readonly verdict: KeyVerdict;
  readonly out: Span[];
}

function mask(w: Walk, from: number, to: number, gate: 'verdict' | 'entropy'): void {
  if (to <= from) return;
  const value = w.text.slice(from, to);
  if (isTrivialValue(value)) return;
  if ((gate === 'entropy' || w.verdict.mode === 'entropy') && !looksSecret(value)) return;
  w.out.push({ start: from, end: to, type: w.verdict.type, priority: PRIORITY.keyValue });
}

/** Past a string opening at `q` (on its quote) and its closing quote, or the end. */
function stringEnd(w: Walk, q: number): number {
  const quote = w.text.charCodeAt(q);
  let p = q + 1;
  while (p < w.end) {
    const c = w.text.charCodeAt(p);
    if (c === 92) p += 2;
    else if (c === quote) return p;
    else p++;
  }
  return w.end;
}

/** Past the bracketed group opening at `p`, strings and nested groups included, or the end. */
function groupEnd(w: Walk, p: number): number {
  const closers = [CLOSER[w.text.charCodeAt(p)]!];
  for (p++; p < w.end; p++) {
    const c = w.text.charCodeAt(p);
    if (isQuote(c)) p = stringEnd(w, p);
    else if (c === 91 || c === 40 || c === 123) closers.push(CLOSER[c]!);
    else if (c === closers[closers.length - 1]) {
      closers.pop();
      if (closers.length === 0) return p + 1;
    }
  }
  return w.end;
}

/** At `p`, a string literal's quote, past a Python bytes prefix (`b'…'`): its quote, or -1. */
function quoteAt(text: string, p: number): number {
  const c = text.charCodeAt(p);
  if (isQuote(c)) return p;
  if ((c === 98 || c === 66) && isQuote(text.charCodeAt(p + 1))) return p + 1;
  return -1;
}

/**
 * Whether the `[` or `(` at `p` opens a list or tuple of values: it is empty, its first element is
 * a string, or it has a comma of its own. `[Object]`, `[Getter]`, `[REDACTED:X]` and `(2048 bit)`
 * are labels, not collections.
 */
function opensList(w: Walk, p: number): boolean {
  let q = p + 1;
  while (q < w.end && isBlank(w.text.charCodeAt(q))) q++;
  const c = w.text.charCodeAt(q);
  if (c === CLOSER[w.text.charCodeAt(p)] || quoteAt(w.text, q) !== -1) return true;
  if (w.text.charCodeAt(p) === 40) return false;
  for (; q < w.end; q++) {
    const x = w.text.charCodeAt(q);
    if (x === 44) return true;
    if (isQuote(x) || isBracket(x)) return false;
  }
  return false;
}

/** After blanks from `p`: the `:` of a dict member or the `=>` of a Map entry (its length), or 0. */
function memberSeparator(text: string, p: number, end: number): number {
  while (p < end && isBlank(text.charCodeAt(p))) p++;
  const c = text.charCodeAt(p);
  if (c === 58 && text.charCodeAt(p + 1) !== 58) return 1;
  if (c === 61 && text.charCodeAt(p + 1) === 62) return 2;
  return 0;
}

/**
 * Masks the elements of the collection whose bracket is at `open`. In a plain object (`{ a: 1 }`)
 * only a dict of secrets (`objects`) masks its members; nested elsewhere, an object's members
 * have their own names, which decide. A Map's keys are masked when they look random and
 * `mapKeys` says the map is keyed by its secrets.
 */
function walk(w: Walk, open: number, objects: boolean, mapKeys: boolean): number {
  const { text, end } = w;
  const closer = CLOSER[text.charCodeAt(open)]!;
  let p = open + 1;
  while (p < end) {
    const c = text.charCodeAt(p);
    if (isBlank(c) || c === 44) {
      p++;
      continue;
    }
    if (c === closer) return p + 1;
    if (c === 93 || c === 41 || c === 125) return p;
    const tag = TAG.exec(text.slice(p, p + 40));
    if (tag !== null) {
      p += tag[0].length;
      p = walk(w, p, objects, tag[0].startsWith('Map') && keyedBySecrets(w.verdict));
      continue;
    }
    if (c === 123) {
      p = objects ? walk(w, p, true, false) : groupEnd(w, p);
      continue;
    }
    if (c === 91 || c === 40) {
      p = opensList(w, p) ? walk(w, p, objects, false) : groupEnd(w, p);
      continue;
    }
    if (c === 60 && text.startsWith('<Buffer', p)) {
      p = buffer(w, p);
      continue;
    }
    const rest = text.slice(p, p + 24);
    if (MORE_ITEMS.test(rest)) {
      p += MORE_ITEMS.exec(rest)![0].length;
      continue;
    }
    // a scalar: a string, a bytes literal, or a bare token up to a separator
    let from: number;
    let to: number;
    const q = quoteAt(text, p);
    if (q !== -1) {
      from = q + 1;
      to = stringEnd(w, q);
      p = Math.min(to + 1, end);
    } else {
      from = p;
      while (p < end) {
        const x = text.charCodeAt(p);
        if (x === 44 || isBracket(x) || isQuote(x)) break;
        if (isBlank(x) || x === 58 || x === 61) {
          let q = p;
          while (q < end && isBlank(text.charCodeAt(q))) q++;
          if (q === end || memberSeparator(text, q, end) !== 0) break;
          p = q === p ? p + 1 : q;
          continue;
        }
        p++;
      }
      to = p;
      while (to > from && isBlank(text.charCodeAt(to - 1))) to--;
      if (to === from) {
        p++;
        continue;
      }
    }
    const sep = memberSeparator(text, p, end);
    if (sep === 0) mask(w, from, to, 'verdict');
    else {
      // a member's name: kept, but for a Map keyed by its secrets
      if (sep === 2 && mapKeys) mask(w, from, to, 'entropy');
      while (isBlank(text.charCodeAt(p))) p++;
      p += sep;
    }
  }
  return end;
}

/** Masks the bytes of node's `<Buffer …>` at `p`; past it. */
function buffer(w: Walk, p: number): number {
  const m = BUFFER.exec(w.text.slice(p, Math.min(w.end, p + 8 + 3 * 50 + 24)));
  if (m === null) return p + 1;
  const from = p + 8;
  const to = from + m[1]!.length - 1;
  const bytes = Buffer.from(m[1]!.replace(/ /g, ''), 'hex').toString('latin1');
  if (w.verdict.mode === 'mask' || looksSecret(bytes))
    w.out.push({ start: from, end: to, type: w.verdict.type, priority: PRIORITY.keyValue });
  return p + m[0].length;
}

/** A Python bytes literal at `v`, `b'…'`: its text, from the quote, is the value. */
export const opensBytes = (text: string, v: number): boolean =>
  text.charCodeAt(v) === 98 && isQuote(text.charCodeAt(v + 1));

/**
 * When the value at `v` (up to `lineEnd`) under `key` is a collection, masks its elements and
 * answers true; false leaves the value to be read as a scalar.
 */
export function collectionValue(
  text: string,
  v: number,
  lineEnd: number,
  key: string,
  verdict: KeyVerdict,
  out: Span[],
): boolean {
  if (verdict.type === 'AUTHORIZATION' || verdict.type === 'COOKIE') return false;
  const c = text.charCodeAt(v);
  if (c !== 91 && c !== 40 && c !== 123 && c !== 60 && !(c >= 65 && c <= 90)) return false;
  const w: Walk = { text, end: lineEnd, verdict, out };
  if (c === 60) {
    if (!text.startsWith('<Buffer', v)) return false;
    buffer(w, v);
    return true;
  }
  if (c >= 65 && c <= 90) {
    const tag = TAG.exec(text.slice(v, v + 40));
    if (tag === null) return false;
    walk(w, v + tag[0].length, false, tag[0].startsWith('Map') && keyedBySecrets(verdict));
    return true;
  }
  if (c === 123) {
    if (!namesCollection(key)) return false;
    walk(w, v, true, false);
    return true;
  }
  if (opensList(w, v)) {
    walk(w, v, false, false);
    return true;
  }
  // `(protected)`, `(not set)`: a placeholder the program printed, kept whole
  if (c === 40) {
    const close = text.indexOf(')', v);
    return close !== -1 && close < lineEnd && isTrivialValue(text.slice(v, close + 1));
  }
  return false;
}
