/**
 * Context that spans lines: the header of a table names what its columns hold, and a `name:` line
 * names the `value:` on the next one. The state is carried from line to line in the stream's
 * cursor, so a table split across chunks is read exactly as in the whole text.
 */
import { PRIORITY } from './span.js';
import type { ScanContext, Span } from './span.js';
import { listLine } from './context-lists.js';
import type { OpenList } from './context-lists.js';
import { isTrivialValue } from './trivial.js';
import type { KeyVerdict } from './keys.js';
import { maskCell, recordLine, tableLine, tableShape, verdictOf } from './tables.js';
import type { TableState } from './tables.js';
import { QuoteHints, credentialLine, newCredentialLineState } from './credential-lines.js';
import type { CredentialLineState } from './credential-lines.js';

/** What the lines read so far say about the next one: the table being read, and the lines below. */
export interface LineContext extends TableState {
  /**
   * The verdict of a `name: X` line, for a `value:` line right after it or after at most `left`
   * more members of the same JSON object (`"Name"`, `"Type"`, `"Value"` of `aws ssm`).
   */
  pendingName: { verdict: KeyVerdict; left: number } | undefined;
  /** Inside a YAML block scalar (`password: |`) of a sensitive key: lines indented deeper are its value. */
  block: { indent: number; verdict: KeyVerdict } | undefined;
  /** Inside a `.netrc` entry, after an SMTP `334` prompt, or before a key's private lines. */
  credentials: CredentialLineState;
  /**
   * After a line that is only a key path naming a secret (`/config/orders/db/password`): the
   * value is the next line, as `etcdctl get --prefix` prints them.
   */
  pathValue: KeyVerdict | undefined;
  /** Inside a list of a sensitive key opened at its line's end (`"passwords": [`): one element a line. */
  list: OpenList | undefined;
}

export function newLineContext(): LineContext {
  return {
    candidate: undefined,
    table: undefined,
    pendingName: undefined,
    expanded: false,
    previous: undefined,
    block: undefined,
    credentials: newCredentialLineState(),
    pathValue: undefined,
    list: undefined,
  };
}

/** A line that is only a key path: `/config/orders/db/password` (etcd, Consul, SSM names). */
const KEY_PATH_LINE = /^\/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+){1,31}\r?$/;

/**
 * The line after a key path naming a secret is its value, unless it is another key path (a
 * listing of keys). Only names that always hold a secret count (`mask`), not those that may.
 * True when the line was the value.
 */
function pathLine(
  text: string,
  from: number,
  line: string,
  state: LineContext,
  ctx: ScanContext,
  out: Span[],
): boolean {
  const pending = state.pathValue;
  state.pathValue = undefined;
  if (pending !== undefined && line.trim() !== '' && !line.startsWith('/')) {
    maskCell(text, from, from + line.replace(/\r$/, '').length, pending, out);
    return true;
  }
  if (!KEY_PATH_LINE.test(line)) return false;
  const verdict = verdictOf(ctx, line.trim());
  if (verdict?.mode === 'mask') state.pathValue = verdict;
  return false;
}

/**
 * The line after a `name: X` line: its `value:` is masked by X's verdict; another scalar member of
 * the same JSON object keeps the name waiting (a few lines at most). True when the line was read.
 */
function pendingValue(text: string, from: number, line: string, state: LineContext, out: Span[]): boolean {
  const pending = state.pendingName!;
  state.pendingName = undefined;
  const v = VALUE_LINE.exec(line) ?? REPLY_VALUE_LINE.exec(line);
  if (v !== null) {
    const at = from + v[1]!.length;
    maskCell(text, at, at + v[2]!.length, pending.verdict, out);
    return true;
  }
  if (pending.left > 0 && !NAME_LINE.test(line) && MEMBER_LINE.test(line)) {
    state.pendingName = { verdict: pending.verdict, left: pending.left - 1 };
    return true;
  }
  return false;
}

/** `key: |`, `- key: >-`, `key: !!binary |`: a YAML block scalar whose value is on the lines below. */
const BLOCK_SCALAR =
  /^( *)(?:- +)?["']?([A-Za-z_][A-Za-z0-9_.-]{0,127})["']?[ \t]*:[ \t]+(?:![!\w/.-]*[ \t]+)?[|>][+-]?\d?[ \t]*(?:#.*)?\r?$/;
const INDENT = /^ */;

/**
 * Lines of a sensitive YAML block scalar: each line indented deeper than its key is masked (blank
 * lines inside it kept); the first line that is not ends the block. True when the line was one.
 */
function blockLine(text: string, from: number, line: string, state: LineContext, out: Span[]): boolean {
  const block = state.block!;
  if (line.trim() === '') return true;
  const indent = INDENT.exec(line)![0].length;
  if (indent <= block.indent) {
    state.block = undefined;
    return false;
  }
  maskCell(text, from + indent, from + line.length, block.verdict, out);
  return true;
}

/** `name: X`, `"Name": "X",`; X may be a parameter path (`/prod/orders/db_password`). */
const NAME_LINE = /^\s*-?\s*"?name"?\s*[:=]\s*"?([A-Za-z_/][A-Za-z0-9_./-]{0,255})"?\s*,?\s*$/i;
const VALUE_LINE = /^(\s*"?value"?\s*[:=]\s*)(.*?)\s*,?\s*$/i;
/** A scalar member of a JSON object, which may stand between its name and value members. */
const MEMBER_LINE = /^\s*"[A-Za-z_][\w-]{0,63}"\s*:\s*(?:"[^"\\]{0,256}"|[\w.+-]{1,64})\s*,?\s*$/;
const MEMBERS_BETWEEN = 4;
/** redis-cli's numbered replies: a field name on one line, its value on the next (`CONFIG GET`, `HGETALL`). */
const REPLY_NAME_LINE = /^\s*\d{1,9}\) "([A-Za-z_][A-Za-z0-9_.-]{0,127})"\s*$/;
const REPLY_VALUE_LINE = /^(\s*\d{1,9}\) ")(.*)"\s*$/;
const PAIR = /\[\s*["']([A-Za-z_][A-Za-z0-9_.-]{0,127})["']\s*,\s*(["'])((?:(?!\2).){1,512})\2\s*\]/g;
const NAME_VALUE =
  /"name"\s*:\s*"([A-Za-z_][A-Za-z0-9_.-]{0,127})"\s*,\s*"value"\s*:\s*"((?:[^"\\]|\\.){1,512})"/g;

const KEY_VALUE_OBJECT =
  /"([A-Za-z_][A-Za-z0-9_.-]{0,127})"\s*:\s*\{\s*"value"\s*:\s*"((?:[^"\\]|\\.){1,512})"/g;

/**
 * `[name, value]` pairs, `{"name": …, "value": …}` objects and `"NAME": {"value": …}` (property
 * listings such as Spring Boot's `/env`) on one line.
 */
function pairs(text: string, from: number, line: string, ctx: ScanContext, out: Span[]): void {
  for (const re of [PAIR, NAME_VALUE, KEY_VALUE_OBJECT]) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line)) !== null) {
      const verdict = verdictOf(ctx, m[1]!);
      if (verdict === undefined) continue;
      const value = re === PAIR ? m[3]! : m[2]!;
      const at = from + m.index + m[0].lastIndexOf(value);
      maskCell(text, at, at + value.length, verdict, out);
    }
  }
}

/**
 * Reads the lines of `text` in order, updating `state`: table headers (a line of names followed by
 * a `---+---` rule, or a delimited line naming a sensitive column) mask the cells of sensitive
 * columns in the rows that follow; a `name:` line masks the `value:` line after it.
 */
export function scanLineContext(text: string, state: LineContext, ctx: ScanContext, out: Span[]): void {
  let from = 0;
  const quotes = new QuoteHints(text);
  while (from < text.length) {
    let to = text.indexOf('\n', from);
    if (to === -1) to = text.length;
    const line = text.slice(from, to);
    credentialLine(from, line, quotes.inLine(from, to), state.credentials, out);
    readLine(text, from, to, line, state, ctx, out);
    from = to + 1;
  }
}

/**
 * Reads each line of `text` on its own, with nothing carried from one line to the next: for the
 * joined lines of folded runs, each of which is one logical line of the output, so that one run
 * never reads as the table header (or `name:` line) of another.
 */
export function scanLinesAlone(text: string, ctx: ScanContext, out: Span[]): void {
  let from = 0;
  const quotes = new QuoteHints(text);
  while (from < text.length) {
    let to = text.indexOf('\n', from);
    if (to === -1) to = text.length;
    const line = text.slice(from, to);
    const state = newLineContext();
    credentialLine(from, line, quotes.inLine(from, to), state.credentials, out);
    readLine(text, from, to, line, state, ctx, out);
    from = to + 1;
  }
}

const MYSQL = /\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b/;
const SHORT_PASSWORD_FLAG = /(?:^|\s)-p(?:'([^'\n]+)'|"([^"\n]+)"|([^\s'"-][^\s]*))/g;
const REDIS_CLI = /\b(?:redis-cli|valkey-cli|keydb-cli)\b/;
/** redis-cli's `-a <password>` (its `--pass` is a sensitive flag already). */
const REDIS_PASSWORD_FLAG = /(?:^|\s)-a[ \t]+(?:'([^'\n]+)'|"([^"\n]+)"|([^\s'"-][^\s]*))/g;
const USER_COLON_PASSWORD = /(?:^|\s)(?:-u|--user|--proxy-user)(?:[ \t]+|=)['"]?[^\s:'"]+:([^\s'"]+)/g;

/** The password flags of the command on `line`, and `-u user:password` (curl, wget) on any. */
function passwordFlags(line: string): RegExp[] {
  if (MYSQL.test(line)) return [SHORT_PASSWORD_FLAG, USER_COLON_PASSWORD];
  if (REDIS_CLI.test(line)) return [REDIS_PASSWORD_FLAG, USER_COLON_PASSWORD];
  return [USER_COLON_PASSWORD];
}

/** Passwords on command lines: mysql's `-pSECRET`, redis-cli's `-a SECRET`, `-u user:password`. */
function commandLine(text: string, from: number, line: string, out: Span[]): void {
  const res = passwordFlags(line);
  for (const re of res) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line)) !== null) {
      const value = m[1] ?? m[2] ?? m[3]!;
      if (isTrivialValue(value)) continue;
      const at = from + m.index + m[0].lastIndexOf(value);
      out.push({ start: at, end: at + value.length, type: 'PASSWORD', priority: PRIORITY.keyValue });
    }
  }
}

function readLine(
  text: string,
  from: number,
  to: number,
  line: string,
  state: LineContext,
  ctx: ScanContext,
  out: Span[],
): void {
  if (line.includes('[') || line.includes('"name"') || line.includes('"value"'))
    pairs(text, from, line, ctx, out);
  if (line.includes(' -')) commandLine(text, from, line, out);
  if (state.block !== undefined && blockLine(text, from, line, state, out)) return;
  if (listLine(text, from, line, state, ctx, out)) return;
  const scalar = line.includes('|') || line.includes('>') ? BLOCK_SCALAR.exec(line) : null;
  if (scalar !== null) {
    const verdict = verdictOf(ctx, scalar[2]!);
    if (verdict !== undefined) state.block = { indent: scalar[1]!.length, verdict };
  }
  if (state.pendingName !== undefined && pendingValue(text, from, line, state, out)) return;
  if ((state.pathValue !== undefined || line.startsWith('/')) && pathLine(text, from, line, state, ctx, out))
    return;
  const shape = tableShape(line);
  if (recordLine(text, from, shape, state, ctx, out)) return;
  const name = NAME_LINE.exec(line) ?? (line.includes(') "') ? REPLY_NAME_LINE.exec(line) : null);
  if (name !== null) {
    const verdict = verdictOf(ctx, name[1]!);
    state.pendingName = verdict === undefined ? undefined : { verdict, left: MEMBERS_BETWEEN };
    state.table = undefined;
    state.candidate = undefined;
    return;
  }
  tableLine(text, from, to, shape, state, ctx, out);
}
