import { PEM_BEGIN, PEM_END } from '../literal.js';
import { PRIORITY } from '../span.js';
import type { Detector, Span } from '../span.js';
import { isB64Char } from './chars.js';

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

/** PEM private keys on one line (also JSON-escaped); multi-line keys are scanned per PEM segment. */
export function privateKeyDetector(): Detector {
  return {
    name: 'private-key',
    level: 'standard',
    triggers: [PEM_BEGIN.value],
    scan: (text, out) => {
      if (PEM_BEGIN.find(text, 0) !== -1) scanPem(text, 0, text.length, false, out);
    },
  };
}
