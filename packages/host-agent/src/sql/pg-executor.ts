import pg from 'pg';
import type { ClientBase, Connection, FieldDef, QueryResult } from 'pg';
import Cursor from 'pg-cursor';
import types from 'pg-types';
import { GloveboxError } from '@glovebox/core';

/** One result column: its name and PostgreSQL type name. */
export interface ResultColumn {
  name: string;
  type: string;
}

/** Where a result column comes from: a column of a table (`table` 0 for computed values). */
export interface ColumnSource {
  table: number;
  column: number;
}

/** A statement's raw (unmasked) result, capped at the row limit. */
export interface RawResult {
  columns: ResultColumn[];
  /** Per column, the table column it is a plain reference to, as the server describes it. */
  sources: ColumnSource[];
  rows: unknown[][];
  /** Rows returned, or rows affected for INSERT/UPDATE/DELETE/MERGE without RETURNING. */
  rowCount: number;
  /** True when the statement produced more rows than the limit; the rest were never fetched. */
  truncated: boolean;
  /** The command tag's verb (`SELECT`, `DELETE`, …). */
  command: string | null;
}

/** Limits applied by {@link executeStatement}. */
export interface ExecuteOptions {
  /** Run inside `BEGIN READ ONLY` and roll back: the database itself refuses any write. */
  readOnly: boolean;
  statementTimeoutMs: number;
  rowLimit: number;
  /**
   * Runs in the statement's own transaction, after its limits are set and before it runs (the catalog
   * resolution): throwing refuses the statement, which then never reaches the server.
   */
  inspect?: (client: ClientBase) => Promise<void>;
}

const { builtins } = types;
const BUILTIN_NAMES = new Map<number, string>(
  Object.entries(builtins).map(([name, oid]) => [oid, name.toLowerCase()]),
);

function finiteOrText(text: string): number | string {
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

// Values stay JSON-safe and exact: numbers only where no precision is lost, dates and numerics as text.
const PARSED_BY_PG_TYPES: ReadonlySet<number> = new Set([builtins.BOOL, builtins.JSON, builtins.JSONB]);
const SMALL_NUMBERS: ReadonlySet<number> = new Set([
  builtins.INT2,
  builtins.INT4,
  builtins.OID,
  builtins.FLOAT4,
  builtins.FLOAT8,
]);

function jsonSafeParser(oid: number): (text: string) => unknown {
  if (PARSED_BY_PG_TYPES.has(oid)) return types.getTypeParser(oid, 'text') as (text: string) => unknown;
  if (SMALL_NUMBERS.has(oid)) return finiteOrText;
  return (text) => text;
}

const JSON_SAFE_TYPES: pg.CustomTypesConfig = { getTypeParser: jsonSafeParser };

/**
 * pg-cursor: one statement through the extended protocol (the server refuses several in one Parse),
 * Execute with a row count so the server stops producing rows at the limit, for any statement, without
 * rewriting the SQL. pg-cursor does not speak COPY, which a statement may start: `COPY … TO STDOUT`
 * rows are kept (capped) as one text column, and `COPY … FROM STDIN` is refused to the server.
 */
class RowCappedCursor extends Cursor<unknown[]> {
  copyRows: string[] | null = null;
  copyTruncated = false;
  copyInRefused = false;
  readonly #cap: number;

  constructor(text: string, cap: number) {
    super(text, [], { rowMode: 'array', types: JSON_SAFE_TYPES });
    this.#cap = cap;
  }

  handleCopyInResponse(connection: Connection & { sendCopyFail(message: string): void }): void {
    this.copyInRefused = true;
    connection.sendCopyFail('COPY FROM STDIN is not supported');
  }

  handleCopyData(message: { chunk: Buffer }): void {
    this.copyRows ??= [];
    if (this.copyRows.length >= this.#cap) this.copyTruncated = true;
    else this.copyRows.push(message.chunk.toString('utf8').replace(/\n$/, ''));
  }
}

function readOnce(
  cursor: RowCappedCursor,
  rows: number,
): Promise<{ rows: unknown[][]; result: QueryResult }> {
  return new Promise((resolve, reject) => {
    cursor.read(rows, (error, got, result) => (error ? reject(error) : resolve({ rows: got, result })));
  });
}

function checkLimits(options: ExecuteOptions): void {
  if (!Number.isSafeInteger(options.statementTimeoutMs) || options.statementTimeoutMs < 1)
    throw new TypeError('statementTimeoutMs must be a positive integer');
  if (!Number.isSafeInteger(options.rowLimit) || options.rowLimit < 1)
    throw new TypeError('rowLimit must be a positive integer');
}

// Type names from pg-types' built-in list; the rest (arrays, enums, domains, user types) from the catalog,
// in the same transaction, only when a result has such a column.
async function typeNames(client: ClientBase, fields: readonly FieldDef[]): Promise<Map<number, string>> {
  const names = new Map(BUILTIN_NAMES);
  const unknown = [...new Set(fields.map((f) => f.dataTypeID).filter((oid) => !names.has(oid)))];
  if (unknown.length === 0) return names;
  const found = await client.query<{ oid: string; name: string }>(
    'SELECT oid::int8 AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid = ANY ($1::oid[])',
    [unknown],
  );
  for (const row of found.rows) names.set(Number(row.oid), row.name);
  return names;
}

async function runCapped(client: ClientBase, sql: string, rowLimit: number) {
  const cursor = new RowCappedCursor(sql, rowLimit + 1);
  void client.query(cursor);
  const { rows, result } = await readOnce(cursor, rowLimit + 1).catch((error: unknown) => {
    // PostgreSQL reports the refused copy as a cancelled query (57014), which is no timeout.
    if (cursor.copyInRefused)
      throw new GloveboxError(
        'GBX_SQL_FAILED',
        'COPY … FROM STDIN is not supported: the agent sends no data',
      );
    throw error;
  });
  await cursor.close();
  const copy = cursor.copyRows;
  if (copy !== null)
    return {
      fields: [{ name: 'copy', dataTypeID: builtins.TEXT, tableID: 0, columnID: 0 }] as FieldDef[],
      rows: copy.map((line) => [line]),
      truncated: cursor.copyTruncated || copy.length > rowLimit,
      result,
    };
  return { fields: result.fields, rows, truncated: rows.length > rowLimit, result };
}

/**
 * Runs one SQL statement on a connected client inside its own transaction: `BEGIN READ ONLY` (then
 * rolled back) when `readOnly`, so the database refuses writes whatever the classifier decided; a local
 * statement and lock timeout; `inspect` before the statement; at most `rowLimit` rows fetched. Does no
 * classification and no masking: callers must have done both. Database errors are thrown as they come
 * (see the module for sanitizing).
 */
export async function executeStatement(
  client: ClientBase,
  sql: string,
  options: ExecuteOptions,
): Promise<RawResult> {
  checkLimits(options);
  const timeout = String(options.statementTimeoutMs);
  await client.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
  try {
    await client.query(
      `SET LOCAL statement_timeout = ${timeout}; SET LOCAL lock_timeout = ${timeout}; SET LOCAL plan_cache_mode = force_generic_plan`,
    );
    if (options.inspect) await options.inspect(client);
    const outcome = await runCapped(client, sql, options.rowLimit);
    const names = await typeNames(client, outcome.fields);
    await client.query(options.readOnly ? 'ROLLBACK' : 'COMMIT');
    const rows = outcome.rows.slice(0, options.rowLimit);
    const command = outcome.result.command ?? null;
    const affected = outcome.result.rowCount;
    const rowCount =
      outcome.fields.length === 0 && typeof affected === 'number' && Number.isSafeInteger(affected)
        ? affected
        : rows.length;
    return {
      columns: outcome.fields.map((f) => ({
        name: f.name,
        type: names.get(f.dataTypeID) ?? `oid:${f.dataTypeID}`,
      })),
      sources: outcome.fields.map((f) => ({ table: f.tableID, column: f.columnID })),
      rows,
      rowCount,
      truncated: outcome.truncated,
      command,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The pg module's default export, re-exported for the module (keeps one import style). */
export const { Pool, Client } = pg;
