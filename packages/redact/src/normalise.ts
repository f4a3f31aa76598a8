/**
 * Normalisation before detection: a line holding terminal escapes, zero-width or bidi controls,
 * compatibility characters (full-width letters), HTML entities, `\u`/`\x` escapes or URL encoding
 * is also read as the text it displays or decodes to, and what the detectors find there is mapped
 * back to the original characters. One pass per such line, no recursion: each layer is linear.
 */
import { codeAt } from './detectors/chars.js';

/** A normalised line and, for each of its characters, the original range it came from. */
export interface NormalisedText {
  text: string;
  starts: number[];
  ends: number[];
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  colon: ':',
  sol: '/',
  commat: '@',
  period: '.',
  equals: '=',
  lowbar: '_',
  hyphen: '-',
  plus: '+',
};

const isHexCode = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** Characters that render as nothing: zero-width, bidi controls, soft hyphen, BOM. */
function invisible(c: number): boolean {
  return (
    c === 0xad ||
    (c >= 0x200b && c <= 0x200f) ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2060 && c <= 0x2069) ||
    c === 0xfeff ||
    c === 0x180e
  );
}

/** The ASCII text a compatibility character stands for (full-width `Ａ`, `＠`), or undefined. */
function compatible(ch: string): string | undefined {
  const n = ch.normalize('NFKC');
  if (n === ch || n.length === 0 || n.length > 4) return undefined;
  for (let i = 0; i < n.length; i++) if (n.charCodeAt(i) > 126 || n.charCodeAt(i) < 32) return undefined;
  return n;
}

/** Where `code` first occurs in `[from, to)`, or -1: a bounded search, never to the end of the text. */
function charWithin(text: string, code: number, from: number, to: number): number {
  for (let k = from; k < to; k++) if (text.charCodeAt(k) === code) return k;
  return -1;
}

/** Length of the escape or entity at `i` and what it decodes to, or undefined. */
function decodeAt(text: string, i: number, end: number): [number, string] | undefined {
  const c = text.charCodeAt(i);
  if (c === 0x1b) {
    const next = codeAt(text, i + 1);
    let j = i + 2;
    if (next === 91) {
      // CSI: parameters and intermediates, then one final byte
      while (j < end && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x3f) j++;
      return [Math.min(j + 1, end) - i, ''];
    }
    if (next === 93) {
      // OSC: up to BEL or ESC \
      while (j < end && text.charCodeAt(j) !== 7 && text.charCodeAt(j) !== 0x1b) j++;
      if (codeAt(text, j) === 0x1b) j++;
      return [Math.min(j + 1, end) - i, ''];
    }
    return [Math.min(2, end - i), ''];
  }
  if (c === 37) {
    if (i + 2 < end && isHexCode(text.charCodeAt(i + 1)) && isHexCode(text.charCodeAt(i + 2))) {
      const code = parseInt(text.slice(i + 1, i + 3), 16);
      if (code >= 32 && code < 127) return [3, String.fromCharCode(code)];
    }
    return undefined;
  }
  if (c === 38) {
    const semi = charWithin(text, 59, i + 2, Math.min(end, i + 11));
    if (semi === -1) return undefined;
    const body = text.slice(i + 1, semi);
    let code = -1;
    if (/^#[0-9]{1,7}$/.test(body)) code = Number(body.slice(1));
    else if (/^#[xX][0-9A-Fa-f]{1,6}$/.test(body)) code = parseInt(body.slice(2), 16);
    else if (Object.hasOwn(ENTITIES, body)) return [semi + 1 - i, ENTITIES[body]!];
    if (code >= 32 && code <= 0x10ffff) return [semi + 1 - i, String.fromCodePoint(code)];
    return undefined;
  }
  if (c === 92) {
    const kind = codeAt(text, i + 1);
    let hex: string | undefined;
    let len = 0;
    if (kind === 117 && codeAt(text, i + 2) === 123) {
      const close = charWithin(text, 125, i + 3, Math.min(end, i + 10));
      if (close !== -1) {
        hex = text.slice(i + 3, close);
        len = close + 1 - i;
      }
    } else if (kind === 117) {
      hex = text.slice(i + 2, i + 6);
      len = 6;
    } else if (kind === 120) {
      hex = text.slice(i + 2, i + 4);
      len = 4;
    }
    if (hex === undefined || i + len > end || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
    const code = parseInt(hex, 16);
    if (code < 32 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    return [len, String.fromCodePoint(code)];
  }
  return undefined;
}

/** True when the character at `i` starts something normalisation changes. */
function changesAt(text: string, i: number, end: number): boolean {
  const c = text.charCodeAt(i);
  if (c === 0x1b || c === 37 || c === 38 || c === 92) return decodeAt(text, i, end) !== undefined;
  if (c < 0x80) return false;
  if (invisible(c)) return true;
  const cp = text.codePointAt(i)!;
  return compatible(String.fromCodePoint(cp)) !== undefined;
}

/**
 * Normalises `[from, to)` (one line); undefined when nothing in it changes. Decoded characters are
 * not decoded again.
 */
export function normaliseLine(text: string, from: number, to: number): NormalisedText | undefined {
  let changed = false;
  let out = '';
  const starts: number[] = [];
  const ends: number[] = [];
  const put = (s: string, a: number, b: number): void => {
    out += s;
    for (let k = 0; k < s.length; k++) {
      starts.push(a);
      ends.push(b);
    }
  };
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 0x1b || c === 37 || c === 38 || c === 92) {
      const d = decodeAt(text, i, to);
      if (d !== undefined) {
        changed = true;
        // a removed sequence still belongs to the span around it
        if (d[1] === '' && ends.length > 0) ends[ends.length - 1] = i + d[0];
        else put(d[1], i, i + d[0]);
        i += d[0];
        continue;
      }
    } else if (c >= 0x80) {
      if (invisible(c)) {
        changed = true;
        if (ends.length > 0) ends[ends.length - 1] = i + 1;
        i++;
        continue;
      }
      const cp = text.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const ascii = compatible(String.fromCodePoint(cp));
      if (ascii !== undefined) {
        changed = true;
        put(ascii, i, i + width);
        i += width;
        continue;
      }
    }
    put(text[i]!, i, i + 1);
    i++;
  }
  return changed ? { text: out, starts, ends } : undefined;
}

const NON_ASCII = /[\u0080-\uffff]/g;
const TRIGGERS = ['\x1b', '%', '&', '\\'];

/**
 * The lines of `text` that normalisation changes, as `[start, end)` pairs without the line break,
 * in order. Cheap on plain ASCII logs: `ESC % & \` are found with `indexOf`, other characters
 * outside ASCII with one regex, and only those positions are looked at.
 */
export function normalisableLines(text: string): Array<[number, number]> {
  const at: number[] = [];
  const lineEnd = (i: number): number => {
    const nl = text.indexOf('\n', i);
    return nl === -1 ? text.length : nl;
  };
  for (const ch of TRIGGERS) {
    for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) {
      const end = lineEnd(i);
      if (!changesAt(text, i, end)) continue;
      at.push(i);
      i = end;
    }
  }
  NON_ASCII.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = NON_ASCII.exec(text)) !== null) {
    const end = lineEnd(m.index);
    if (!changesAt(text, m.index, end)) continue;
    at.push(m.index);
    NON_ASCII.lastIndex = end;
  }
  at.sort((x, y) => x - y);
  const lines: Array<[number, number]> = [];
  for (const i of at) {
    const start = text.lastIndexOf('\n', i - 1) + 1;
    if (lines.length > 0 && lines[lines.length - 1]![0] === start) continue;
    lines.push([start, lineEnd(i)]);
  }
  return lines;
}
