/**
 * Tables across lines: a header names what its columns hold, and the cells under a sensitive name
 * are masked in the rows below it (`|`, tab, comma or semicolon delimited, or space-aligned), as
 * are the values of psql's expanded records (`-[ RECORD 1 ]-`). Box-drawn tables (psql
 * `linestyle=unicode`, node's `console.table`) are read as their ASCII shape: `│`, `┃`, `║` as `|`,
 * `─`, `━`, `═` as `-` and corners and junctions as `+`, one character for one, so offsets hold.
 */
import { PRIORITY } from './span.js';
import type { ScanContext, Span } from './span.js';
import { isTrivialValue, looksSecret } from './trivial.js';
import type { KeyVerdict } from './keys.js';

/**
 * A table: its delimiter and each column's verdict; a space-aligned table (`kubectl`, `docker`) has
 * no delimiter but the offset where each column starts. A table of settings (one name and value
 * per row) says which column names the row and which holds its value.
 */
interface Table {
  delimiter: string;
  columns: Array<KeyVerdict | undefined>;
  cells: number;
  starts?: number[];
  keyed?: Keyed | undefined;
}

/** The column naming each row of a settings table, and the column holding its value. */
interface Keyed {
  name: number;
  value: number;
}

/** What the lines read so far say about a table. */
export interface TableState {
  /** Cells of the last line, when it could be a table header. */
  candidate: { delimiter: string; cells: string[] } | undefined;
  /** The current table. */
  table: Table | undefined;
  /** Inside a psql expanded record (`-[ RECORD 1 ]---`): each line is `column | value`. */
  expanded: boolean;
  /** The last line, when it could head a table ruled by dash runs (`psql -P border=0`, SQL*Plus). */
  previous: string | undefined;
}

/**
 * Box-drawing rules, bars and the corners and junctions between them (U+2500–U+2503,
 * U+250C–U+254B, U+2550–U+2570); dashed and half lines are left as they are.
 */
const BOX = /[\u2500-\u2503\u250c-\u254b\u2550-\u2570]/;
const BOX_ALL = /[\u2500-\u2503\u250c-\u254b\u2550-\u2570]/g;

/** One box-drawing character's ASCII shape: a vertical bar, a horizontal rule, or a junction. */
function asciiBox(c: string): string {
  switch (c) {
    case '\u2502': // │
    case '\u2503': // ┃
    case '\u2551': // ║
      return '|';
    case '\u2500': // ─
    case '\u2501': // ━
    case '\u2550': // ═
      return '-';
    default:
      return '+';
  }
}

/** The line with box-drawing characters in their ASCII shape (`│ a │` as `| a |`, `├─┼─┤` as `+-+-+`). */
export function tableShape(line: string): string {
  return BOX.test(line) ? line.replace(BOX_ALL, asciiBox) : line;
}

const SEPARATOR_LINE = /^[\s|+]*-{2,}[-+|\s]*$/;
const MAX_CELLS = 64;

function splitCells(line: string, delimiter: string): string[] {
  let body = line;
  if (delimiter === '|' && /^\s*\|/.test(body)) body = body.replace(/^\s*\|/, '').replace(/\|\s*$/, '');
  return body.split(delimiter);
}

/** The delimiter of a line that could be a header: `|`, tab, comma or semicolon, at least once. */
function headerDelimiter(line: string): string | undefined {
  for (const d of ['|', '\t', ',', ';']) {
    if (!line.includes(d)) continue;
    const cells = splitCells(line, d).map((c) => c.trim());
    if (cells.length < 2 || cells.length > MAX_CELLS) continue;
    // header cells are names: short, no quotes or `=`/`:` inside
    if (cells.every((c) => c.length > 0 && c.length <= 48 && !/["'=:@/\\]/.test(c))) return d;
  }
  return undefined;
}

export const verdictOf = (ctx: ScanContext, name: string): KeyVerdict | undefined =>
  ctx.classifyKey(name.trim().replace(/\s+/g, '_'));

/** Masks the cell `[a, b)` of `line` (at `offset` in the text) when its column's verdict says so. */
export function maskCell(text: string, a: number, b: number, verdict: KeyVerdict, out: Span[]): void {
  while (a < b && (text.charCodeAt(a) === 32 || text.charCodeAt(a) === 9)) a++;
  while (
    b > a &&
    (text.charCodeAt(b - 1) === 32 || text.charCodeAt(b - 1) === 9 || text.charCodeAt(b - 1) === 13)
  )
    b--;
  let s = a;
  let e = b;
  if (e - s >= 2 && (text[s] === '"' || text[s] === "'") && text[e - 1] === text[s]) {
    s++;
    e--;
  }
  const value = text.slice(s, e);
  if (value === '' || isTrivialValue(value) || /^null$/i.test(value)) return;
  if (verdict.mode === 'entropy' && !looksSecret(value)) return;
  out.push({ start: s, end: e, type: verdict.type, priority: PRIORITY.keyValue });
}

/** Header cells of space-aligned output: upper-case names two or more blanks apart. */
const ALIGNED_CELL = /\S+(?: \S+)*/g;
const ALIGNED_NAME = /^[A-Z][A-Z0-9_.%-]*(?: [A-Z0-9_.%-]+)*$/;
/** Any-case names, for the header of a settings table (Vault's `Key  Value`). */
const SETTINGS_NAME = /^[A-Za-z][A-Za-z0-9_.%-]*(?: [A-Za-z0-9_.%-]+)*$/;
const SETTINGS_HINT = /\b(?:value|setting)\b/i;

/** Header names of the column naming each row of a settings table, and of its value column. */
const NAME_HEADERS = new Set(['key', 'name', 'variable_name', 'variable', 'field', 'parameter', 'property']);
const VALUE_HEADERS = new Set(['value', 'setting', 'current_value']);

/**
 * The name and value columns of a header whose rows are settings (`vault kv get`, mysql
 * `SHOW VARIABLES`, psql `SELECT name, setting FROM pg_settings`), or undefined.
 */
function keyedColumns(names: string[]): Keyed | undefined {
  let name = -1;
  for (let k = 0; k < names.length && k < MAX_CELLS; k++) {
    const n = names[k]!.trim();
    // the longest header names are 13 characters; most cells are ruled out without a copy
    if (n.length < 3 || n.length > 13) continue;
    const lower = n.toLowerCase().replace(/\s+/g, '_');
    if (name === -1 && NAME_HEADERS.has(lower)) name = k;
    else if (name !== -1 && VALUE_HEADERS.has(lower)) return { name, value: k };
  }
  return undefined;
}

/** The names of a space-aligned header line and where each starts, or undefined. */
function alignedCells(
  line: string,
  nameShape = ALIGNED_NAME,
): { starts: number[]; names: string[] } | undefined {
  if (!line.includes('  ')) return undefined;
  const starts: number[] = [];
  const names: string[] = [];
  for (const m of line.trimEnd().matchAll(ALIGNED_CELL)) {
    if (m[0].length > 48 || !nameShape.test(m[0])) return undefined;
    starts.push(m.index);
    names.push(m[0]);
  }
  return starts.length >= 2 && starts.length <= MAX_CELLS ? { starts, names } : undefined;
}

/**
 * A header of space-aligned columns (`kubectl get -o wide` and `-o custom-columns`, `docker ps`):
 * the columns' verdicts and where each starts, when one of them is sensitive.
 */
function alignedHeader(ctx: ScanContext, line: string): Table | undefined {
  const header = alignedCells(line);
  if (header !== undefined) return positionedTable(ctx, header.names, header.starts);
  const settings =
    line.includes('  ') && SETTINGS_HINT.test(line) ? alignedCells(line, SETTINGS_NAME) : undefined;
  const keyed = settings === undefined ? undefined : keyedColumns(settings.names);
  if (settings === undefined || keyed === undefined) return undefined;
  const columns = settings.names.map(() => undefined);
  return { delimiter: '', columns, cells: columns.length, starts: settings.starts, keyed };
}

/**
 * A table whose columns start at `starts` and are named `names`, when one of them is sensitive or
 * the rows are settings (a name column and a value column).
 */
function positionedTable(ctx: ScanContext, names: string[], starts: number[]): Table | undefined {
  const columns = names.map((name) => verdictOf(ctx, name));
  const keyed = keyedColumns(names);
  if (!columns.some((v) => v !== undefined && v.mode === 'mask') && keyed === undefined) return undefined;
  return { delimiter: '', columns, cells: columns.length, starts, keyed };
}

/** A column's verdict in a row: its header's, or the row's own name in a settings table's value column. */
function cellVerdict(
  ctx: ScanContext,
  table: Table,
  k: number,
  rowName: () => string,
): KeyVerdict | undefined {
  const column = table.columns[k];
  if (column !== undefined || table.keyed === undefined || k !== table.keyed.value) return column;
  return verdictOf(ctx, rowName());
}

/**
 * A row of a space-aligned table: each sensitive column's cell runs from where its header starts
 * to where the next one does (the last to the end of the line). A blank line, the header of
 * another table, or a row whose cells do not start after a blank at those offsets ends the table.
 */
function alignedRow(
  text: string,
  from: number,
  to: number,
  starts: number[],
  state: TableState,
  ctx: ScanContext,
  out: Span[],
): boolean {
  const table = state.table!;
  const line = text.slice(from, to);
  if (line.trim() === '' || alignedCells(line) !== undefined) return false;
  for (let k = 1; k < starts.length; k++) {
    const at = from + starts[k]!;
    if (at < to && text.charCodeAt(at - 1) !== 32) return false;
  }
  const cellEnd = (k: number): number => Math.min(to, k + 1 < starts.length ? from + starts[k + 1]! : to);
  for (let k = 0; k < starts.length; k++) {
    const a = from + starts[k]!;
    if (a >= to) continue;
    const name = table.keyed?.name ?? 0;
    const verdict = cellVerdict(ctx, table, k, () => text.slice(from + starts[name]!, cellEnd(name)));
    if (verdict !== undefined) maskCell(text, a, cellEnd(k), verdict, out);
  }
  return true;
}

/** Cells of a table row under sensitive columns. */
function tableRow(
  text: string,
  from: number,
  to: number,
  shape: string,
  state: TableState,
  ctx: ScanContext,
  out: Span[],
): boolean {
  const table = state.table!;
  if (table.starts !== undefined) return alignedRow(text, from, to, table.starts, state, ctx, out);
  let body = 0;
  let bodyEnd = shape.length;
  // a boxed row (`| a | b |`) has outer bars; a psql row may end in an empty cell (`a | `)
  if (table.delimiter === '|' && /^\s*\|/.test(shape)) {
    body = shape.indexOf('|') + 1;
    const trail = /\|\s*$/.exec(shape);
    if (trail !== null) bodyEnd = trail.index;
  }
  const cells = shape.slice(body, bodyEnd).split(table.delimiter);
  if (cells.length !== table.cells) return false;
  let pos = from + body;
  for (let k = 0; k < cells.length; k++) {
    const end = pos + cells[k]!.length;
    const verdict = cellVerdict(ctx, table, k, () => cells[table.keyed?.name ?? 0]!);
    if (verdict !== undefined) maskCell(text, pos, end, verdict, out);
    pos = end + table.delimiter.length;
  }
  return true;
}

/** A record's heading, border 1 or 2: `-[ RECORD 1 ]-+---`, `+-[ RECORD 2 ]--+---+`. */
const RECORD_LINE = /^\+?-\[ RECORD \d+ \]-*\+?-*\+?\s*$/;
const EXPANDED_LINE = /^([A-Za-z_][A-Za-z0-9_ ]{0,62}?)\s*\| ?(.*)$/;
/** The outer bars of a record line at border 2: `| name | value |`. */
const BOXED_START = /^\|\s*/;
const BOXED_END = /\s*\|\s*$/;

/**
 * psql's expanded records: a `-[ RECORD N ]-` line opens one, and each `column | value` line after
 * it masks the value by the column's name (at border 2, inside outer bars). True when the line was
 * read as a record's heading or line; any other line ends the record.
 */
export function recordLine(
  text: string,
  from: number,
  shape: string,
  state: TableState,
  ctx: ScanContext,
  out: Span[],
): boolean {
  if (RECORD_LINE.test(shape)) {
    state.expanded = true;
    state.table = undefined;
    state.candidate = undefined;
    return true;
  }
  if (!state.expanded) return false;
  let start = 0;
  let body = shape;
  const open = BOXED_START.exec(shape);
  if (open !== null) {
    const close = BOXED_END.exec(shape);
    start = open[0].length;
    body = shape.slice(start, close === null || close.index < start ? shape.length : close.index);
  }
  const m = EXPANDED_LINE.exec(body);
  if (m === null) {
    state.expanded = false;
    return false;
  }
  const verdict = verdictOf(ctx, m[1]!);
  const at = from + start + m[0].length - m[2]!.length;
  if (verdict !== undefined) maskCell(text, at, at + m[2]!.length, verdict, out);
  return true;
}

/**
 * A line of a table: a `---+---` rule under a header opens a table of its columns; a row of the
 * open table masks its sensitive cells; any other line ends it and may be the next header (a
 * delimited line naming a sensitive column opens a CSV or TSV table by itself).
 */
/** A rule of dash runs one blank apart: its runs are the columns of the header above it. */
const DASH_RULE = /^-+(?: -+)+[ \t]*\r?$/;
/** psql's row count under a table. */
const ROW_COUNT = /^\s*\(\d+ rows?\)\s*$/;
const MAX_HEADER = 4096;

/**
 * A table whose header's columns are where the dash runs of the rule under it are (`psql -P
 * border=0`, SQL*Plus, sqlcmd): each column is named by the header text above its run.
 */
function ruledTable(ctx: ScanContext, header: string, rule: string): Table | undefined {
  const starts: number[] = [];
  const names: string[] = [];
  for (const m of rule.matchAll(/-+/g)) {
    starts.push(m.index);
    names.push(header.slice(m.index, m.index + m[0].length).trim());
  }
  if (names.some((n) => n === '' || n.length > 48) || starts.length > MAX_CELLS) return undefined;
  return positionedTable(ctx, names, starts);
}

export function tableLine(
  text: string,
  from: number,
  to: number,
  shape: string,
  state: TableState,
  ctx: ScanContext,
  out: Span[],
): void {
  const previous = state.previous;
  state.previous = undefined;
  if (ROW_COUNT.test(shape)) {
    state.table = undefined;
    state.candidate = undefined;
    return;
  }
  if (SEPARATOR_LINE.test(shape)) {
    if (state.candidate === undefined && state.table === undefined && previous !== undefined)
      if (DASH_RULE.test(shape)) state.table = ruledTable(ctx, previous, shape);
    const c = state.candidate;
    if (c !== undefined && state.table === undefined) {
      const columns = c.cells.map((cell) => verdictOf(ctx, cell));
      const keyed = keyedColumns(c.cells);
      state.table =
        columns.some((v) => v !== undefined) || keyed !== undefined
          ? { delimiter: c.delimiter, columns, cells: c.cells.length, keyed }
          : undefined;
    }
    state.candidate = undefined;
    return;
  }
  if (state.table !== undefined) {
    if (tableRow(text, from, to, shape, state, ctx, out)) return;
    state.table = undefined;
  }
  const delimiter = shape.trim() === '' ? undefined : headerDelimiter(shape);
  if (delimiter === undefined) {
    state.candidate = undefined;
    state.table = alignedHeader(ctx, shape);
    if (state.table === undefined && shape.length <= MAX_HEADER) state.previous = shape;
    return;
  }
  const cells = splitCells(shape, delimiter).map((c) => c.trim());
  state.candidate = { delimiter, cells };
  // CSV and TSV have no rule under the header: a sensitive column name is enough
  if (delimiter !== '|') {
    const columns = cells.map((cell) => verdictOf(ctx, cell));
    const keyed = keyedColumns(cells);
    if (columns.some((v) => v !== undefined && v.mode === 'mask') || keyed !== undefined)
      state.table = { delimiter, columns, cells: cells.length, keyed };
  }
}
