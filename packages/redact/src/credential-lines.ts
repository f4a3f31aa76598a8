/**
 * Credentials in the line formats of tools that carry them without a `key=value` shape: MySQL's
 * `SET PASSWORD … = '…'` and `IDENTIFIED WITH plugin BY '…'` (as SHOW PROCESSLIST and the general
 * log print them), `.pgpass` lines, `.netrc` entries, SMTP `AUTH` exchanges, redis-cli's raw replies,
 * passwords given to tools on their command line, haproxy's users, and (key-lines.ts) the private
 * lines of keys. Each pattern is
 * tried only on lines holding its cheap marker, and each is anchored or bounded.
 */
import { codeAt, decodeBase64 } from './detectors/chars.js';
import { PRIORITY } from './span.js';
import type { Span } from './span.js';
import { isTrivialValue } from './trivial.js';
import { keyLine, newKeyLineState, HEX_BYTES_LINE } from './key-lines.js';
import type { KeyLineState } from './key-lines.js';

/**
 * What the previous lines opened: a `.netrc` entry, an SMTP `334` prompt awaiting its answer, a
 * Redis setting's value, or the private lines of a key still to come.
 */
export interface CredentialLineState {
  netrc: boolean;
  sasl: 'PASSWORD' | 'SECRET' | undefined;
  /** After `requirepass` alone on a line (redis-cli's raw `CONFIG GET`): its value is the next line. */
  redisValue: boolean;
  keys: KeyLineState;
}

export function newCredentialLineState(): CredentialLineState {
  return { netrc: false, sasl: undefined, redisValue: false, keys: newKeyLineState() };
}

const SET_PASSWORD =
  /\bSET[ \t]+PASSWORD\b(?:[ \t]+FOR[ \t]+[^=\r\n]{1,256}?)?[ \t]*=[ \t]*(?:PASSWORD[ \t]*\([ \t]*)?'((?:[^'\r\n]|''){1,512})'/dgi;
const IDENTIFIED_WITH =
  /\bIDENTIFIED[ \t]+WITH[ \t]+['"`]?[\w-]{1,64}['"`]?[ \t]+(?:BY|AS)[ \t]+'((?:[^'\r\n]|''){1,512})'/dgi;

/** `hostname:port:database:username:password`, `\:` and `\\` escaped, `*` wildcards. */
const PGPASS =
  /^[ \t]*((?:[^:\\\s]|\\.){1,253}):(?:\*|\d{1,5}):(?:\*|[A-Za-z_][\w.$@-]{0,127}):(?:\*|[A-Za-z_][\w.$@-]{0,127}):((?:[^:\\\r\n]|\\.){1,512})\r?$/d;
/** A `.pgpass` host: the wildcard, a name holding a letter, or an IPv4 address (not a time of day). */
const PGPASS_HOST = /^(?:\*|.*[A-Za-z].*|\d{1,3}(?:\.\d{1,3}){3})$/;

const NETRC_TOKEN = String.raw`(?:(?:machine|login|password|account|port|macdef)[ \t]+\S+|default)`;
/** A line made only of `.netrc` tokens. */
const NETRC_LINE = new RegExp(String.raw`^[ \t]*${NETRC_TOKEN}(?:[ \t]+${NETRC_TOKEN})*[ \t]*\r?$`);
const NETRC_OPENS = /^[ \t]*(?:machine|default)\b/;
const NETRC_SECRET = /(?:^|[ \t])(?:password|account)[ \t]+(\S+)/dg;

/** Transcript prefixes: RFC `C:`/`S:`, swaks's arrows, `<<<`/`>>>`. */
const PREFIX = String.raw`^[ \t]*(?:[CS]:|<-|->|<<<|>>>|[<>])?[ \t]*`;
const B64 = String.raw`([A-Za-z0-9+/]{4,}={0,2})[ \t]*\r?$`;
const AUTH_LINE = new RegExp(
  String.raw`${PREFIX}AUTH[ \t]+(?:PLAIN|LOGIN|XOAUTH2|OAUTHBEARER|CRAM-MD5|DIGEST-MD5|SCRAM-SHA-\d{1,3}(?:-PLUS)?)[ \t]+${B64}`,
  'di',
);
const SASL_PROMPT = new RegExp(String.raw`${PREFIX}334(?:[ \t]+([A-Za-z0-9+/]*={0,2}))?[ \t]*\r?$`);
const SASL_ANSWER = new RegExp(PREFIX + B64, 'd');

/** Base64 as SASL sends it: padded to a multiple of 4, decoding to text (PLAIN's NULs allowed). */
function saslBase64(value: string): boolean {
  if (value.length % 4 !== 0) return false;
  const decoded = decodeBase64(value);
  if (decoded === undefined || decoded.length === 0) return false;
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if (c !== 0 && (c < 32 || c > 126)) return false;
  }
  return true;
}

/** Masks group 1 of `m` (a match in a line starting at `from`). */
function push(out: Span[], from: number, m: RegExpExecArray, type: string): void {
  const [a, b] = m.indices![1]!;
  out.push({ start: from + a, end: from + b, type, priority: PRIORITY.keyValue });
}

function sqlPasswords(from: number, line: string, out: Span[]): void {
  const marks = line.includes('=') && (line.includes('ASSWORD') || line.includes('assword'));
  const res = marks ? [SET_PASSWORD] : [];
  if (line.includes('DENTIFIED') || line.includes('dentified')) res.push(IDENTIFIED_WITH);
  for (const re of res) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line)) !== null) {
      if (!isTrivialValue(m[1]!)) push(out, from, m, 'PASSWORD');
    }
  }
}

/**
 * The cheap shape of a `.pgpass` line's start: a host without blanks, a port (digits or `*`), and a
 * database opening with a letter, `_` or `*` (a time of day fails at the port or the database).
 */
function pgpassStart(line: string): boolean {
  const colon = line.indexOf(':');
  if (colon <= 0 || line.length > 1100) return false;
  let i = 0;
  while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  for (; i < colon; i++) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) return false;
  }
  let j = colon + 1;
  if (codeAt(line, j) === 42) j++;
  else while (j < line.length && j - colon <= 5 && isDigit(line.charCodeAt(j))) j++;
  if (j === colon + 1 || codeAt(line, j) !== 58) return false;
  const d = codeAt(line, j + 1);
  return d === 42 || d === 95 || (d >= 65 && d <= 90) || (d >= 97 && d <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function pgpass(from: number, line: string, out: Span[]): void {
  // `    4f:51:b4:d5:d9`, the last bytes of a key printed by openssl, has a .pgpass line's shape
  if (!pgpassStart(line) || HEX_BYTES_LINE.test(line)) return;
  const m = PGPASS.exec(line);
  if (m === null || !PGPASS_HOST.test(m[1]!) || isTrivialValue(m[2]!)) return;
  const [a, b] = m.indices![2]!;
  out.push({ start: from + a, end: from + b, type: 'PASSWORD', priority: PRIORITY.keyValue });
}

function netrc(from: number, line: string, state: CredentialLineState, out: Span[]): void {
  if (!state.netrc && !NETRC_OPENS.test(line)) return;
  state.netrc = NETRC_LINE.test(line);
  if (!state.netrc) return;
  NETRC_SECRET.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = NETRC_SECRET.exec(line)) !== null) {
    if (!isTrivialValue(m[1]!)) push(out, from, m, 'PASSWORD');
  }
}

function smtp(from: number, line: string, state: CredentialLineState, out: Span[]): void {
  const awaited = state.sasl;
  state.sasl = undefined;
  if (awaited !== undefined) {
    const answer = SASL_ANSWER.exec(line);
    if (answer !== null && saslBase64(answer[1]!)) {
      push(out, from, answer, awaited);
      return;
    }
  }
  if (line.includes('334')) {
    const prompt = SASL_PROMPT.exec(line);
    if (prompt !== null) {
      const asked = decodeBase64(prompt[1] ?? '') ?? '';
      state.sasl = /password/i.test(asked) ? 'PASSWORD' : 'SECRET';
      return;
    }
  }
  const auth = AUTH_LINE.exec(line);
  if (auth !== null && saslBase64(auth[1]!)) push(out, from, auth, 'SECRET');
}

/** Redis settings holding a password, as `CONFIG GET` names them. */
const REDIS_SECRET_SETTINGS = new Set([
  'requirepass',
  'masterauth',
  'tls-key-file-pass',
  'tls-client-key-file-pass',
]);
/** redis-cli `--csv`: `"requirepass","value"`. */
const REDIS_CSV =
  /^"(?:requirepass|masterauth|tls-(?:client-)?key-file-pass)","((?:[^"\\\r\n]|\\.){1,512})"\r?$/d;

/**
 * redis-cli's `CONFIG GET` when its output is not a terminal (raw: the name on one line, the value
 * on the next) and with `--csv`. The line after a name is its value unless it is another name.
 */
function redisReply(from: number, line: string, state: CredentialLineState, out: Span[]): void {
  const name = !state.redisValue && line.length > 26 ? '' : line.replace(/\r$/, '');
  const expected = state.redisValue;
  state.redisValue = REDIS_SECRET_SETTINGS.has(name);
  if (expected && !state.redisValue && name !== '' && !isTrivialValue(name))
    out.push({ start: from, end: from + name.length, type: 'PASSWORD', priority: PRIORITY.keyValue });
  if (line.charCodeAt(0) === 34) {
    const m = REDIS_CSV.exec(line);
    if (m !== null && !isTrivialValue(m[1]!)) push(out, from, m, 'PASSWORD');
  }
}

/**
 * Passwords given to tools as arguments, as `ps` or a shell history shows them: each entry is the
 * tool (a word of the line), then the pattern whose group 1 is the password.
 */
const TOOL_PASSWORDS: Array<[RegExp, RegExp]> = [
  [/\bsshpass\b/, /(?:^|\s)-p[ \t]*([^\s-]\S*)/dg],
  [/\bopenssl\b/, /(?:^|\s)-(?:k|K|hmac)[ \t]+([^\s-]\S*)/dg],
  [/\bssh-keygen\b/, /(?:^|\s)-[PN][ \t]+(?:'([^'\s]+)'|"([^"\s]+)"|([^\s'"-]\S*))/dg],
  [/\bgpg2?\b/, /(?:^|\s)--passphrase(?:=|[ \t]+)([^\s-]\S*)/dg],
  [
    /\bhtpasswd\b/,
    /\bhtpasswd(?=(?:[ \t]+-[a-zA-Z]+)*?[ \t]+-[a-zA-Z]*b)(?:[ \t]+-[a-zA-Z]+)+[ \t]+(?:(?!-)\S+[ \t]+){1,2}(?!-)(\S+)/dg,
  ],
];

/** Any of the tools above, to skip the line at once when it names none. */
const ANY_TOOL = /\b(?:sshpass|openssl|ssh-keygen|gpg2?|htpasswd)\b/;

function toolPasswords(from: number, line: string, out: Span[]): void {
  if (!ANY_TOOL.test(line)) return;
  for (const [tool, re] of TOOL_PASSWORDS) {
    if (!tool.test(line)) continue;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line)) !== null) {
      const g = m[1] !== undefined ? 1 : m[2] !== undefined ? 2 : 3;
      const value = m[g];
      if (value === undefined || isTrivialValue(value)) continue;
      const [a, b] = m.indices![g]!;
      out.push({ start: from + a, end: from + b, type: 'PASSWORD', priority: PRIORITY.keyValue });
    }
  }
}

/** haproxy: a userlist's `user NAME password HASH` / `insecure-password PW`, and `stats auth USER:PW`. */
const HAPROXY_USER = /^[ \t]*user[ \t]+\S+[ \t]+(?:insecure-)?password[ \t]+(\S+)/d;
const HAPROXY_STATS_AUTH = /^[ \t]*stats[ \t]+auth[ \t]+[^\s:]+:(\S+)/d;

function haproxy(from: number, line: string, out: Span[]): void {
  const m = HAPROXY_USER.exec(line) ?? HAPROXY_STATS_AUTH.exec(line);
  if (m !== null && !isTrivialValue(m[1]!)) push(out, from, m, 'PASSWORD');
}

/** redis-cli `ACL LIST`: `user NAME on #<sha256> >password ~* +@all`; the hashes and passwords. */
const REDIS_ACL_USER = /^user[ \t]+\S+[ \t]+(?:on|off)\b/;
const REDIS_ACL_SECRET = /[ \t](?:#([0-9a-f]{64})|>(\S+))(?=[ \t]|\r?$)/dg;

function redisAcl(from: number, line: string, out: Span[]): void {
  if (!REDIS_ACL_USER.test(line)) return;
  REDIS_ACL_SECRET.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = REDIS_ACL_SECRET.exec(line)) !== null) {
    const g = m[1] !== undefined ? 1 : 2;
    const [a, b] = m.indices![g]!;
    out.push({
      start: from + a,
      end: from + b,
      type: g === 1 ? 'PASSWORD_HASH' : 'PASSWORD',
      priority: PRIORITY.keyValue,
    });
  }
}

/**
 * A TLS key log line (`SSLKEYLOGFILE`, `openssl s_client -keylogfile`): a label, the public client
 * random, and the secret that decrypts the captured session.
 */
const TLS_KEYLOG =
  /^(?:CLIENT_RANDOM|CLIENT_EARLY_TRAFFIC_SECRET|CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_\d{1,3}|SERVER_TRAFFIC_SECRET_\d{1,3}|EARLY_EXPORTER_SECRET|EXPORTER_SECRET)[ \t]+[0-9a-fA-F]{64}[ \t]+([0-9a-fA-F]{32,128})[ \t]*\r?$/d;

function tlsKeyLog(from: number, line: string, out: Span[]): void {
  const m = TLS_KEYLOG.exec(line);
  if (m !== null) push(out, from, m, 'TLS_SECRET');
}

/** Offset of the first character after blanks and a transcript prefix (`C:`, `S:`, `->`, `<-`, …). */
function afterPrefix(line: string): number {
  let i = 0;
  while (codeAt(line, i) === 32 || codeAt(line, i) === 9) i++;
  const c = codeAt(line, i);
  const d = codeAt(line, i + 1);
  if ((c === 67 || c === 83) && d === 58) i += 2;
  else if ((c === 60 && d === 45) || (c === 45 && d === 62)) i += 2;
  else if (c === 60 || c === 62) while (codeAt(line, i) === c) i++;
  while (codeAt(line, i) === 32 || codeAt(line, i) === 9) i++;
  return i;
}

/**
 * Where the next `'` of a text is (every SQL statement masked here quotes its password), found with
 * one search over the whole text: a search per line costs more than the rest of the line's reading.
 */
export class QuoteHints {
  private next = -1;

  constructor(private readonly text: string) {}

  /** True when a `'` is in `[from, to)`; calls come in ascending `from`. */
  inLine(from: number, to: number): boolean {
    if (this.next === Infinity) return false;
    if (this.next < from) {
      const at = this.text.indexOf("'", from);
      this.next = at === -1 ? Infinity : at;
    }
    return this.next < to;
  }
}

/**
 * Masks the credentials of one line (`line` starts at `from` in the scanned text); `quoted` says
 * whether the line holds a `'`.
 */
export function credentialLine(
  from: number,
  line: string,
  quoted: boolean,
  state: CredentialLineState,
  out: Span[],
): void {
  if (quoted) sqlPasswords(from, line, out);
  pgpass(from, line, out);
  const start = afterPrefix(line);
  const c = codeAt(line, start);
  // `machine`, `default`, `login`, `password`, … open every line of a .netrc entry
  if (state.netrc || c === 109 || c === 100) netrc(from, line, state, out);
  // `334 …`, `AUTH …` and the base64 answer after a prompt
  if (state.sasl !== undefined || c === 51 || c === 65 || c === 97) smtp(from, line, state, out);
  keyLine(from, line, c, state.keys, out);
  // `requirepass` and the line after it, `"requirepass",…`
  if (state.redisValue || c === 114 || c === 109 || c === 116 || c === 34) redisReply(from, line, state, out);
  if (line.includes(' -')) toolPasswords(from, line, out);
  // haproxy's `user …` and `stats auth …`, Redis's `user … on|off …`
  if (c === 117 || c === 115) haproxy(from, line, out);
  if (c === 117) redisAcl(from, line, out);
  // `CLIENT_…`, `SERVER_…`, `EXPORTER_SECRET`, `EARLY_EXPORTER_SECRET`
  if (c === 67 || c === 83 || c === 69) tlsKeyLog(from, line, out);
}
