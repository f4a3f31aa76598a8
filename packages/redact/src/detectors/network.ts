import { PRIORITY } from '../span.js';
import type { Detector, ScanContext, Span } from '../span.js';
import { isAlnum, isHex } from './chars.js';
import { regexDetector } from './regex-detector.js';

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

/** IPv6 and MAC addresses (strict), behind the hex-run pass. */
export function networkDetector(): Detector {
  return hexGroup([
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
  ]);
}
