import { PRIORITY } from '../span.js';
import type { Detector, Span } from '../span.js';
import { isAlnum } from './chars.js';

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

/** E-mail addresses, plain and URL-encoded (`%40`). */
export function emailDetector(): Detector {
  return { name: 'email', level: 'standard', triggers: ['@', '%40'], scan: scanEmails };
}
