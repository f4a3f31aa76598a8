import { PRIORITY } from '../span.js';
import type { Detector } from '../span.js';
import { cardBrand, ibanLength, ibanValid, luhnValid, ssnValid } from '../validators.js';
import { codeAt, countDigits, isAlnum, isAlpha, isDigit, isTokenChar } from './chars.js';
import { digitGroup } from './number-runs.js';
import { regexDetector } from './regex-detector.js';

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

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** True when a group of `width` hex digits stands alone, one or two blanks away from `[start, end)`. */
function hexGroupBeside(text: string, start: number, end: number, width: number): boolean {
  const group = (a: number): boolean => {
    for (let i = a; i < a + width; i++) if (!isHex(codeAt(text, i))) return false;
    return !isAlnum(codeAt(text, a - 1)) && !isAlnum(codeAt(text, a + width));
  };
  let a = end;
  while (a < end + 2 && codeAt(text, a) === 32) a++;
  if (a > end && group(a)) return true;
  let b = start;
  while (b > start - 2 && codeAt(text, b - 1) === 32) b--;
  return b < start && group(b - width);
}

/**
 * True when the match `[start, end)` of digit groups is part of a longer run of hex groups of the
 * same width: bytes in `hexdump -C` or `od -tx1` (`02 00 00 00 00`), words in `xxd` (`2600 0000 …`).
 */
function inHexDump(text: string, start: number, end: number, width: number): boolean {
  return hexGroupBeside(text, start, end, width);
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
      if (sep === ' ' && inHexDump(text, m.index, m.index + len, 4)) return false;
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

function phoneEndOk(text: string, end: number): boolean {
  const c = text.charCodeAt(end);
  if (isAlnum(c) || c === 95) return false;
  if ((c === 45 || c === 46 || c === 47 || c === 58) && isDigit(text.charCodeAt(end + 1))) return false;
  return true;
}

const phoneBadBefore = (c: number): boolean =>
  isAlnum(c) || c === 43 || c === 95 || c === 46 || c === 45 || c === 47 || c === 58;

/**
 * True when `slash` ends a product token opening a word (`Chrome/` in a User-Agent, RFC 9110
 * product = token "/" version): what follows is the product's version, not an address.
 */
function afterProductToken(text: string, slash: number): boolean {
  let k = slash - 1;
  while (k >= 0 && slash - k <= 64 && isTokenChar(text.charCodeAt(k))) k--;
  if (k === slash - 1 || !isAlpha(text.charCodeAt(k + 1))) return false;
  // a blank, `(`, `;`, `"` or `,` before the word (not the start of what was read: it may be cut)
  const b = codeAt(text, k);
  return b === 32 || b === 9 || b === 10 || b === 40 || b === 59 || b === 34 || b === 44;
}

function validateIpv4(m: RegExpExecArray, text: string): boolean {
  // only Chromium's reduced versions (`Chrome/131.0.0.0`) are valid quads; `backend/10.1.2.3` is a host
  if (m[0].endsWith('.0.0') && codeAt(text, m.index - 1) === 47 && afterProductToken(text, m.index - 1))
    return false;
  const end = m.index + m[0].length;
  const c = text.charCodeAt(end);
  if (isAlnum(c) || c === 95) return false;
  if (c === 46 && isDigit(text.charCodeAt(end + 1))) return false;
  const v = m[0];
  if (v === '0.0.0.0' || v === '255.255.255.255' || v.startsWith('127.')) return false;
  return true;
}

/** Cards, US SSNs, phone numbers and (strict) IPv4 addresses, behind the number-run pass. */
export function numberDetector(): Detector {
  return digitGroup([
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
          !continuesGroupedCode(text, m.index) &&
          !(m[0].length === 14 && inHexDump(text, m.index, m.index + 14, 2))
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
  ]);
}

/** IBANs with their country length and mod-97 checksum. */
export function ibanDetector(): Detector {
  return regexDetector({
    name: 'iban',
    type: 'IBAN',
    priority: PRIORITY.financial,
    re: /[A-Z]{2}\d{2}[ ]?[A-Z0-9]{4}/g,
    candidates: (runs) => runs.iban,
    badBefore: (c) => isAlnum(c) || c === 95,
    validate: validateIban,
  });
}
