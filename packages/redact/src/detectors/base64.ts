import { prescan } from '../prescan.js';
import { PRIORITY } from '../span.js';
import type { Detector, ScanContext, Span } from '../span.js';
import { constants, gunzipSync } from 'node:zlib';
import { charClasses, shannonEntropy } from '../validators.js';
import { codeAt, isB64Char, isDigit, isHex } from './chars.js';

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
function scanLongBase64(text: string, out: Span[], ctx: ScanContext): void {
  const runs = prescan(text);
  if (runs !== undefined) {
    const r = runs.b64;
    for (let k = 0; k < 2 * runs.b64Count; k += 2) longBase64Run(text, r[k]!, r[k + 1]!, out, ctx);
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
    if (e - s >= 40) longBase64Run(text, s, e, out, ctx);
  }
}

/**
 * Masks the base64 run `[s, e)` (maximal, at least 40 long) when it is a bare cloud secret, or
 * when it decodes (base64 or hex, perhaps gzipped) to text that holds a secret: the encoded run is
 * masked, typed by what it hides.
 */
function longBase64Run(text: string, s: number, e: number, out: Span[], ctx: ScanContext): void {
  const hidden = decodedSecret(text, s, e, ctx);
  if (hidden !== undefined) {
    let end = e;
    while (end < text.length && end - e < 2 && text.charCodeAt(end) === 61) end++;
    out.push({ start: s, end, type: hidden, priority: PRIORITY.encoded });
    return;
  }
  const before = codeAt(text, s - 1);
  if (before === 95 || before === 45) return;
  let end = e;
  if (codeAt(text, e) === 61 && codeAt(text, e + 1) === 61) end = e + 2;
  if (isB64Edge(codeAt(text, end))) return;
  const v = text.slice(s, end);
  // `…IDAQAB` closes an RSA public key (exponent 65537): the last line of `RSA PUBLIC KEY` is 40 long
  if (v.length === 40 && bareSecretOk(v) && !v.endsWith('IDAQAB'))
    out.push({ start: s, end, type: 'AWS_SECRET_ACCESS_KEY', priority: PRIORITY.bareSecret });
  else if (v.length === 88 && v.endsWith('==') && charClasses(v) >= 3 && shannonEntropy(v) >= 4.5)
    out.push({ start: s, end, type: 'AZURE_STORAGE_KEY', priority: PRIORITY.bareSecret });
}

/** Longest run decoded (the decoded text stays within what a nested scan takes). */
const MAX_DECODED_RUN = 1368;
const MAX_DECODED = 1024;

/** True when the bytes read as text: tabs, line breaks, printable ASCII or UTF-8 sequences. */
function readsAsText(bytes: Uint8Array): boolean {
  let bad = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 32 && b !== 9 && b !== 10 && b !== 13) bad++;
    else if (b === 127) bad++;
    if (i === 7 && bad > 0) return false;
  }
  return bad * 20 <= bytes.length;
}

/** The type of a secret inside the run `[s, e)` once decoded as hex or base64 (then gunzipped). */
function decodedSecret(text: string, s: number, e: number, ctx: ScanContext): string | undefined {
  if (e - s > MAX_DECODED_RUN) return undefined;
  let hex = (e - s) % 2 === 0;
  for (let i = s; hex && i < e; i++) hex = isHex(text.charCodeAt(i));
  let bytes: Uint8Array = Buffer.from(text.slice(s, e), hex ? 'hex' : 'base64');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: MAX_DECODED });
    } catch {
      return undefined;
    }
  }
  if (bytes.length === 0 || !readsAsText(bytes)) return undefined;
  return ctx.secretIn(Buffer.from(bytes).toString('utf8').slice(0, MAX_DECODED));
}

/** Bare AWS secret access keys and Azure storage account keys. */
export function longBase64Detector(): Detector {
  return { name: 'long-base64', level: 'standard', scan: scanLongBase64 };
}
