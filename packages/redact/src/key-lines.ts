/**
 * The private lines of keys printed in the text formats of the tools that hold them, where no
 * `-----BEGIN … PRIVATE KEY-----` frame says so: a PuTTY `.ppk` file's `Private-Lines`, the parts
 * `openssl rsa|ec|pkey|dh -text` prints, `puttygen -O text`, a gpg-agent key file
 * (`private-keys-v1.d/*.key`, an S-expression), and a key in DER printed as base64 or hex. Each is masked line by line, with what the previous
 * lines opened carried in {@link KeyLineState}, so streamed output equals whole output.
 */
import { PRIORITY } from './span.js';
import type { Span } from './span.js';

/** What the previous lines opened. */
export interface KeyLineState {
  /** Private base64 lines of a PuTTY key file still to come. */
  ppkLines: number;
  /** After a private part's name in `openssl … -text` output: its hex lines follow. */
  opensslPart: boolean;
  /** Inside a gpg-agent key's `(private-key …` (its continuation lines open with a blank). */
  gpgKey: boolean;
  /** In that key, a private part's `#hex#` is open (`hex`) or its name ended the last line (`await`). */
  gpgPart: 'await' | 'hex' | undefined;
  /** Inside a private key in DER printed as base64 or hex lines (`… -outform DER | base64`). */
  derLines: 'base64' | 'hex' | undefined;
}

export function newKeyLineState(): KeyLineState {
  return { ppkLines: 0, opensslPart: false, gpgKey: false, gpgPart: undefined, derLines: undefined };
}

/** A PuTTY `.ppk` file's `Private-Lines: N` (its N base64 lines follow; PuTTY manual, appendix C). */
const PPK_PRIVATE_LINES = /^[ \t]*Private-Lines:[ \t]*(\d{1,3})[ \t]*\r?$/;
const PPK_MAX_LINES = 128;
const BASE64_LINE = /^[ \t]*[A-Za-z0-9+/]{1,4096}={0,2}[ \t]*\r?$/;

/**
 * The name of a private part of a key as `openssl rsa|ec|pkey|dh -text` prints it, alone on its
 * line (RSA's `privateExponent`, `prime1`…, `coefficient`; EC, EdDSA and X25519's `priv`; DH's
 * `private-key`); its bytes follow as hex lines. `modulus`, `pub` and `public-key` are public.
 */
const OPENSSL_PRIVATE_PART =
  /^[ \t]*(?:privateExponent|prime\d|exponent\d|coefficient\d?|priv|private-key):[ \t]*\r?$/;
/** One line of those bytes: `    00:a6:56:…:45:`. */
export const HEX_BYTES_LINE = /^[ \t]+[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){0,63}:?[ \t]*\r?$/;

/** `puttygen -O text`: `private_exponent=0x…`, `private_p=0x…`, `private_inverse_q_mod_p=0x…`. */
const PUTTYGEN_PRIVATE = /^[ \t]*private_[a-z_]{1,32}=(0x[0-9a-fA-F]{2,8192})[ \t]*\r?$/d;

/** The private parts of a gpg-agent key: RSA's d, p, q, u; ECC's d; DSA and Elgamal's x. */
const GPG_PRIVATE_PART = /^\(([dpqux])(?=[\s#]|$)/;

/**
 * How a private key in DER opens, in base64: PKCS#8 (`MIIEvQIBADAN…`; Ed25519, X25519, Ed448 and
 * X448; EC), PKCS#1 RSA (`MIIEpAIBAAKC…`) and SEC1 EC (`MHcCAQEE…`); each is a structure's version
 * number followed by what only a private key holds.
 */
const DER_PRIVATE_BASE64 =
  /^[ \t]*(?:MII[A-Za-z0-9+/]{2}[AQgw]IBA(?:DAN|A[JK])|MC4CAQAwBQYDK2V[wu]|ME[cY]CAQAwBQYDK2V[xv]|MI[GH][A-Za-z0-9+/]AgEAMB[AM]GByqGSM49AgE|MI[GH][A-Za-z0-9+/]AgEBB|MH[cQ]CAQEE)[A-Za-z0-9+/]*={0,2}[ \t]*\r?$/;
/** The same in hex (`xxd -p`): `3082…020100300d06092a864886f70d0101010500…`, `302e020100300506032b6570…`. */
const DER_PRIVATE_HEX =
  /^[ \t]*30(?:82[0-9a-f]{4}|81[0-9a-f]{2}|[0-9a-f]{2})(?:020100(?:300d06092a864886f70d010101|300506032b65|30(?:13|10)06072a8648ce3d0201)|0201000282|020101042)[0-9a-f]*[ \t]*\r?$/;
const HEX_LINE = /^[ \t]*[0-9a-f]{2,4096}[ \t]*\r?$/;

/** A key in DER as base64 or hex lines: the line that opens like one and the lines after it. */
function derKey(from: number, line: string, state: KeyLineState, out: Span[]): void {
  if (state.derLines !== undefined) {
    if ((state.derLines === 'base64' ? BASE64_LINE : HEX_LINE).test(line)) {
      mask(out, from + line.search(/\S/), from + line.trimEnd().length);
      return;
    }
    state.derLines = undefined;
  }
  state.derLines = DER_PRIVATE_BASE64.test(line) ? 'base64' : DER_PRIVATE_HEX.test(line) ? 'hex' : undefined;
  if (state.derLines !== undefined) mask(out, from + line.search(/\S/), from + line.trimEnd().length);
}

function mask(out: Span[], start: number, end: number): void {
  if (end > start) out.push({ start, end, type: 'PRIVATE_KEY', priority: PRIORITY.keyValue });
}

/** The base64 lines after `Private-Lines: N` in a PuTTY key file, masked whole. */
function puttyKey(from: number, line: string, state: KeyLineState, out: Span[]): void {
  if (state.ppkLines > 0) {
    if (BASE64_LINE.test(line)) {
      state.ppkLines--;
      mask(out, from, from + line.replace(/\r$/, '').length);
      return;
    }
    state.ppkLines = 0;
  }
  const m = PPK_PRIVATE_LINES.exec(line);
  if (m !== null) state.ppkLines = Math.min(Number(m[1]), PPK_MAX_LINES);
}

/** The hex lines after a private part's name in `openssl … -text` output, each masked whole. */
function opensslPart(from: number, line: string, state: KeyLineState, out: Span[]): void {
  if (state.opensslPart) {
    if (HEX_BYTES_LINE.test(line)) {
      mask(out, from + line.search(/\S/), from + line.trimEnd().length);
      return;
    }
    state.opensslPart = false;
  }
  state.opensslPart = OPENSSL_PRIVATE_PART.test(line);
  if (state.opensslPart) return;
  const m = PUTTYGEN_PRIVATE.exec(line);
  if (m !== null) mask(out, from + m.indices![1]![0], from + m.indices![1]![1]);
}

/**
 * A line of a gpg-agent key file: inside `(private-key …` every `#hex#` of a private part is masked,
 * also where it runs over several lines or its name ends the line before.
 */
function gpgKey(from: number, line: string, state: KeyLineState, out: Span[]): void {
  if (line.includes('(private-key')) state.gpgKey = true;
  else if (state.gpgKey && !(line.startsWith(' ') || line.startsWith('\t'))) {
    state.gpgKey = false;
    state.gpgPart = undefined;
  }
  if (!state.gpgKey) return;
  const end = line.trimEnd().length;
  let i = 0;
  if (state.gpgPart === 'await') {
    while (line[i] === ' ' || line[i] === '\t') i++;
    state.gpgPart = line[i] === '#' ? 'hex' : undefined;
    if (state.gpgPart === 'hex') i++;
  }
  while (i < end) {
    if (state.gpgPart === 'hex') {
      const close = line.indexOf('#', i);
      const stop = close === -1 ? end : close;
      while (i < stop && (line[i] === ' ' || line[i] === '\t')) i++;
      mask(out, from + i, from + stop);
      if (close === -1) return;
      state.gpgPart = undefined;
      i = close + 1;
      continue;
    }
    const open = line.indexOf('(', i);
    if (open === -1) return;
    const part = GPG_PRIVATE_PART.exec(line.slice(open, open + 3));
    i = open + 1;
    if (part === null) continue;
    let j = open + 2;
    while (j < end && (line[j] === ' ' || line[j] === '\t')) j++;
    if (j >= end) state.gpgPart = 'await';
    else if (line[j] === '#') {
      state.gpgPart = 'hex';
      i = j + 1;
    }
  }
}

/** Masks the private key lines of one line; `c` is its first character after blanks and prefixes. */
export function keyLine(from: number, line: string, c: number, state: KeyLineState, out: Span[]): void {
  if (state.ppkLines > 0 || c === 80) puttyKey(from, line, state, out);
  // `priv…`, `prime…`, `private-key`, `private_…=`, `exponent…`, `coefficient…` and the lines after
  if (state.opensslPart || c === 112 || c === 101 || c === 99) opensslPart(from, line, state, out);
  if (state.gpgKey || ((c === 75 || c === 40) && line.includes('(private-key')))
    gpgKey(from, line, state, out);
  // `M…` (base64) and `30…` (hex) and the lines after them
  if (state.derLines !== undefined || c === 77 || c === 51) derKey(from, line, state, out);
}
