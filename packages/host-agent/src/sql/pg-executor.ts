import pg from 'pg';
import type { ClientBase, Connection, Submittable } from 'pg';

/** One result column: its name and PostgreSQL type name. */
export interface ResultColumn {
  name: string;
  type: string;
}

/** A statement's raw (unmasked) result, capped at the row limit. */
export interface RawResult {
  columns: ResultColumn[];
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
}

interface FieldDescription {
  name: string;
  dataTypeID: number;
}

const TYPE_NAMES: Readonly<Record<number, string>> = {
  16: 'bool',
  17: 'bytea',
  18: 'char',
  19: 'name',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  26: 'oid',
  114: 'json',
  142: 'xml',
  650: 'cidr',
  700: 'float4',
  701: 'float8',
  869: 'inet',
  829: 'macaddr',
  1042: 'bpchar',
  1043: 'varchar',
  1082: 'date',
  1083: 'time',
  1114: 'timestamp',
  1184: 'timestamptz',
  1186: 'interval',
  1266: 'timetz',
  1700: 'numeric',
  2950: 'uuid',
  3802: 'jsonb',
  1000: '_bool',
  1005: '_int2',
  1007: '_int4',
  1016: '_int8',
  1009: '_text',
  1015: '_varchar',
  1021: '_float4',
  1022: '_float8',
  2951: '_uuid',
  3807: '_jsonb',
};

/** Name of a type OID: built-in names, else `oid:N` (user types are not looked up to save a round trip). */
export function typeName(oid: number): string {
  return TYPE_NAMES[oid] ?? `oid:${oid}`;
}

function finiteOrText(text: string): number | string {
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

// Values stay JSON-safe and exact: numbers only where no precision is lost, dates and numerics as text.
function parseValue(oid: number, text: string): unknown {
  switch (oid) {
    case 16:
      return text === 't';
    case 21:
    case 23:
    case 26:
    case 700:
    case 701:
      return finiteOrText(text);
    case 114:
    case 3802:
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/**
 * One statement through the extended query protocol, fetching at most `maxRows` rows. The protocol
 * itself enforces a single statement (the server refuses several in one Parse), and Execute with a row
 * count makes the server stop producing rows at the limit, for any statement, without rewriting the SQL.
 */
class LimitedQuery implements Submittable {
  readonly text: string;
  readonly name = undefined;
  readonly #maxRows: number;
  #fields: FieldDescription[] = [];
  readonly #rows: unknown[][] = [];
  #suspended = false;
  #commandTag: string | null = null;
  #copyRows = false;
  #settled = false;
  readonly promise: Promise<{
    fields: FieldDescription[];
    rows: unknown[][];
    suspended: boolean;
    tag: string | null;
  }>;
  #resolve!: (value: {
    fields: FieldDescription[];
    rows: unknown[][];
    suspended: boolean;
    tag: string | null;
  }) => void;
  #reject!: (error: unknown) => void;

  constructor(text: string, maxRows: number) {
    this.text = text;
    this.#maxRows = maxRows;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  submit(connection: Connection): void {
    connection.parse({ text: this.text, name: '', types: [] }, true);
    connection.bind({ portal: '', statement: '', values: [] }, true);
    connection.describe({ type: 'P', name: '' }, true);
    // @types/pg declares rows as a string; the protocol (and pg's serializer) take a row count.
    connection.execute({ portal: '', rows: this.#maxRows as unknown as string }, true);
    connection.sync();
  }

  handleRowDescription(message: { fields: FieldDescription[] }): void {
    this.#fields = message.fields;
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    this.#rows.push(
      message.fields.map((value, i) =>
        value === null ? null : parseValue(this.#fields[i]?.dataTypeID ?? 25, value),
      ),
    );
  }

  handlePortalSuspended(): void {
    this.#suspended = true;
  }

  handleCommandComplete(message: { text: string }): void {
    this.#commandTag = message.text;
  }

  handleEmptyQuery(): void {}

  handleCopyInResponse(connection: Connection): void {
    (connection as unknown as { sendCopyFail(message: string): void }).sendCopyFail(
      'COPY FROM STDIN is not supported',
    );
  }

  handleCopyData(message: { chunk: Buffer }): void {
    if (!this.#copyRows) {
      this.#copyRows = true;
      this.#fields = [{ name: 'copy', dataTypeID: 25 }];
    }
    if (this.#rows.length >= this.#maxRows) {
      this.#suspended = true;
      return;
    }
    this.#rows.push([message.chunk.toString('utf8').replace(/\n$/, '')]);
  }

  handleError(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }

  handleReadyForQuery(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve({
      fields: this.#fields,
      rows: this.#rows,
      suspended: this.#suspended,
      tag: this.#commandTag,
    });
  }
}

function checkLimits(options: ExecuteOptions): void {
  if (!Number.isSafeInteger(options.statementTimeoutMs) || options.statementTimeoutMs < 1)
    throw new TypeError('statementTimeoutMs must be a positive integer');
  if (!Number.isSafeInteger(options.rowLimit) || options.rowLimit < 1)
    throw new TypeError('rowLimit must be a positive integer');
}

/**
 * Runs one SQL statement on a connected client inside its own transaction: `BEGIN READ ONLY` (then
 * rolled back) when `readOnly`, so the database refuses writes whatever the classifier decided; a local
 * statement and lock timeout; at most `rowLimit` rows fetched. Does no classification and no masking:
 * callers must have done both. Database errors are thrown as they come (see the module for sanitizing).
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
    await client.query(`SET LOCAL statement_timeout = ${timeout}; SET LOCAL lock_timeout = ${timeout}`);
    const query = new LimitedQuery(sql, options.rowLimit + 1);
    void client.query(query);
    const outcome = await query.promise;
    await client.query(options.readOnly ? 'ROLLBACK' : 'COMMIT');
    const truncated = outcome.suspended || outcome.rows.length > options.rowLimit;
    const rows = outcome.rows.slice(0, options.rowLimit);
    const tag = outcome.tag?.split(' ') ?? [];
    const command = tag[0] ?? null;
    const affected = Number(tag.at(-1));
    const rowCount = outcome.fields.length === 0 && Number.isSafeInteger(affected) ? affected : rows.length;
    return {
      columns: outcome.fields.map((f) => ({ name: f.name, type: typeName(f.dataTypeID) })),
      rows,
      rowCount,
      truncated,
      command,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The pg module's default export, re-exported for the module (keeps one import style). */
export const { Pool, Client } = pg;
