import type { PoolClient, Pool as PgPool } from 'pg';
import { z } from 'zod';
import { GloveboxError } from '@glovebox/core';
import type { ActionContext, ActionModule, ActionOutcome } from '@glovebox/agent';
import type { PostgresTargetConfig } from '../config.js';
import { resolveSecret } from '../secrets.js';
import {
  addCounts,
  defaultRedactorFactory,
  type HostRedactor,
  type RedactionCounts,
  type RedactorFactory,
} from '../redactor.js';
import { executeStatement, Client, Pool, type RawResult, type ResultColumn } from './pg-executor.js';
import {
  classifySql,
  redactSqlLiterals,
  sqlClassExceeds,
  SQL_CLASSES,
  type SqlClassification,
} from '@glovebox/sql';

/** The result of the `query` action, already masked. */
export interface QueryResult {
  columns: ResultColumn[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
}

/** Options for {@link createPostgresModule}. */
export interface PostgresModuleOptions {
  redactorFor?: RedactorFactory;
  /** Where connection strings are read from when a target names an environment variable. */
  env?: NodeJS.ProcessEnv;
}

const queryParamsSchema = z.strictObject({
  sql: z.string().min(1).max(1_000_000),
  readOnly: z.boolean(),
  authorizedClass: z.enum(SQL_CLASSES),
});

// How long past the statement timeout the agent waits for the server before dropping the connection.
const CLIENT_GRACE_MS = 2000;

interface TargetState {
  config: PostgresTargetConfig;
  pool: PgPool;
  connectionString: string;
  /** Strings that must never appear in anything the agent returns or logs. */
  secrets: string[];
}

interface Active {
  sessionId: string;
  abort(): void;
  done: Promise<unknown>;
}

function secretsOf(connectionString: string): string[] {
  const secrets = [connectionString];
  try {
    const url = new URL(connectionString);
    if (url.password) secrets.push(url.password, decodeURIComponent(url.password));
  } catch {
    const password = /password\s*=\s*'?([^'\s]+)/i.exec(connectionString)?.[1];
    if (password) secrets.push(password);
  }
  return secrets.filter((s) => s.length >= 3);
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

interface PgErrorShape {
  code?: unknown;
  message?: unknown;
  severity?: unknown;
}

/**
 * Turns anything pg throws into a coded error whose message is safe: the credential is scrubbed, values
 * quoted by the server are redacted, and connection-level failures say only that the database is
 * unreachable (their text can carry hosts, users or a whole connection string).
 */
function sanitizeError(
  error: unknown,
  state: TargetState,
  redactor: HostRedactor,
  timedOut: boolean,
): GloveboxError {
  if (error instanceof GloveboxError) return error;
  if (timedOut)
    return new GloveboxError(
      'GBX_SQL_TIMEOUT',
      `the statement ran longer than ${state.config.statementTimeoutMs}ms`,
    );
  const shape = (typeof error === 'object' && error !== null ? error : {}) as PgErrorShape;
  const sqlstate = typeof shape.code === 'string' && /^[0-9A-Z]{5}$/.test(shape.code) ? shape.code : null;
  if (sqlstate === null || typeof shape.severity !== 'string')
    return new GloveboxError('GBX_SQL_UNAVAILABLE', `database ${state.config.name} is unreachable`);
  if (sqlstate === '57014')
    return new GloveboxError(
      'GBX_SQL_TIMEOUT',
      `the statement ran longer than ${state.config.statementTimeoutMs}ms`,
      {
        details: { sqlstate },
      },
    );
  const sqlClass = sqlstate.slice(0, 2);
  if (['08', '28', '3D', '53', '57'].includes(sqlClass))
    return new GloveboxError(
      'GBX_SQL_UNAVAILABLE',
      `database ${state.config.name} is unavailable (${sqlstate})`,
      {
        details: { sqlstate },
      },
    );
  const message = redactor
    .redactText(scrub(typeof shape.message === 'string' ? shape.message : '', state.secrets))
    .text.slice(0, 500);
  return new GloveboxError('GBX_SQL_FAILED', `${sqlstate}: ${message}`, { details: { sqlstate } });
}

/**
 * Masks result rows with the redaction engine: each row is redacted as an object keyed by column name, so
 * sensitive column names (`password`, `api_key`, …) are masked as well as sensitive values anywhere.
 */
export function maskRows(
  columns: readonly ResultColumn[],
  rows: readonly (readonly unknown[])[],
  redactor: HostRedactor,
): { rows: unknown[][]; counts: RedactionCounts } {
  const counts: RedactionCounts = {};
  const names = columns.map((c) => c.name);
  const unique = new Set(names).size === names.length && !names.includes('__proto__');
  const out: unknown[][] = [];
  for (const row of rows) {
    if (unique) {
      const { value, counts: c } = redactor.redactValue(Object.fromEntries(names.map((n, i) => [n, row[i]])));
      addCounts(counts, c);
      const masked = value as Record<string, unknown>;
      out.push(names.map((n) => masked[n] ?? null));
    } else {
      out.push(
        names.map((n, i) => {
          const { value, counts: c } = redactor.redactValue({ [n]: row[i] });
          addCounts(counts, c);
          return (value as Record<string, unknown>)[n] ?? null;
        }),
      );
    }
  }
  return { rows: out, counts };
}

/** A postgres module plus the classification it applies, for the agent's guardrail context. */
export interface PostgresModule extends ActionModule {
  /** Classifies without running: the same function the `query` action applies. */
  classify(sql: string): SqlClassification;
}

/**
 * Creates the `query` action for PostgreSQL targets. The agent holds the connection strings (read from
 * the environment or files when the module is created; they appear in no result, error or log). Each
 * query is re-classified with the real parser and refused when more dangerous than `authorizedClass`;
 * it runs alone in its own transaction (READ ONLY when `readOnly` or the grant is `read`), with the
 * target's statement timeout and row limit; result columns are masked by name and value.
 *
 * @example
 * const sql = createPostgresModule(config.targets.filter((t) => t.type === 'postgres'));
 * await sql.actions.query({ sql: 'SELECT 1', readOnly: true, authorizedClass: 'read' }, ctx);
 * @throws GloveboxError GBX_CONFIG_INVALID when a connection string is missing.
 */
export function createPostgresModule(
  targets: readonly PostgresTargetConfig[],
  options: PostgresModuleOptions = {},
): PostgresModule {
  const redactorFor = options.redactorFor ?? defaultRedactorFactory();
  const states = new Map<string, TargetState>();
  for (const config of targets) {
    const connectionString = resolveSecret(config.connection, options.env);
    const pool = new Pool({
      connectionString,
      max: config.maxConnections,
      connectionTimeoutMillis: config.connectTimeoutMs,
      idleTimeoutMillis: 10_000,
      application_name: 'glovebox-agent',
      keepAlive: true,
    });
    // An idle connection dropped by the server must not crash the agent; the pool replaces it.
    pool.on('error', () => undefined);
    states.set(config.name, { config, pool, connectionString, secrets: secretsOf(connectionString) });
  }
  const active = new Set<Active>();

  async function terminateBackend(state: TargetState, pid: number): Promise<void> {
    const killer = new Client({
      connectionString: state.connectionString,
      connectionTimeoutMillis: state.config.connectTimeoutMs,
      application_name: 'glovebox-agent-cancel',
    });
    killer.on('error', () => undefined);
    try {
      await killer.connect();
      await killer.query('SELECT pg_terminate_backend($1)', [pid]);
    } catch {
      // The connection is destroyed as well; the server's statement timeout is the last bound.
    } finally {
      await killer.end().catch(() => undefined);
    }
  }

  async function query(params: unknown, ctx: ActionContext): Promise<ActionOutcome> {
    const parsed = queryParamsSchema.safeParse(params);
    if (!parsed.success)
      throw new GloveboxError(
        'GBX_REQUEST_INVALID',
        'query expects { sql: string, readOnly: boolean, authorizedClass }',
      );
    const state = states.get(ctx.target);
    if (!state) throw new GloveboxError('GBX_NOT_FOUND', 'no postgres target of that name on this agent');
    const { sql, authorizedClass } = parsed.data;
    const readOnly = parsed.data.readOnly || authorizedClass === 'read';
    const redactor = redactorFor(ctx.masking);
    const classification = classifySql(sql);
    const statement = redactor.redactText(scrub(redactSqlLiterals(sql), state.secrets));
    if (classification.statementCount > 1)
      throw new GloveboxError('GBX_SQL_MULTI_STATEMENT', 'send one statement per query', {
        details: { classification },
      });
    if (sqlClassExceeds(classification.class, authorizedClass))
      throw new GloveboxError(
        'GBX_SQL_NOT_AUTHORIZED',
        `the statement is ${classification.class} but the grant allows ${authorizedClass} (${classification.reasons.join('; ')})`,
        { details: { classification } },
      );
    if (ctx.signal.aborted)
      throw new GloveboxError('GBX_SQL_FAILED', 'the query was cancelled before it started');

    let client: PoolClient;
    try {
      client = await state.pool.connect();
    } catch (error) {
      throw sanitizeError(error, state, redactor, false);
    }
    const onClientError = (): void => undefined;
    client.on('error', onClientError);
    const pid = (client as unknown as { processID?: number }).processID;
    let broken = false;
    let timedOut = false;
    let aborted = false;
    const dropConnection = (): void => {
      broken = true;
      if (typeof pid === 'number') void terminateBackend(state, pid);
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      dropConnection();
    }, state.config.statementTimeoutMs + CLIENT_GRACE_MS);
    const onAbort = (): void => {
      aborted = true;
      dropConnection();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const run = executeStatement(client, sql, {
      readOnly,
      statementTimeoutMs: state.config.statementTimeoutMs,
      rowLimit: state.config.rowLimit,
    });
    const entry: Active = { sessionId: ctx.sessionId, abort: onAbort, done: run.catch(() => undefined) };
    active.add(entry);
    let raw: RawResult;
    try {
      raw = await run;
    } catch (error) {
      broken = true;
      if (aborted)
        throw new GloveboxError(
          'GBX_SQL_FAILED',
          'the query was cancelled (session ended or call cancelled)',
        );
      throw sanitizeError(error, state, redactor, timedOut);
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      active.delete(entry);
      client.removeListener('error', onClientError);
      // Connections that wrote, failed or were cut are not reused: no session state can leak to the next call.
      client.release(broken || !readOnly);
    }

    const masked = maskRows(raw.columns, raw.rows, redactor);
    const redactions = addCounts(addCounts({}, statement.counts), masked.counts);
    const result: QueryResult = {
      columns: raw.columns,
      rows: masked.rows,
      rowCount: raw.rowCount,
      truncated: raw.truncated,
    };
    return {
      result,
      accessed: {
        statement: statement.text,
        class: classification.class,
        kinds: classification.kinds,
        tables: classification.tables,
        functions: classification.functions,
        columns: raw.columns.map((c) => c.name),
        rows: raw.rows.length,
        rowCount: raw.rowCount,
        truncated: raw.truncated,
        readOnly,
      },
      redactions,
    };
  }

  async function stop(filter: (entry: Active) => boolean): Promise<void> {
    const victims = [...active].filter(filter);
    for (const entry of victims) entry.abort();
    await Promise.allSettled(victims.map((entry) => entry.done));
  }

  return {
    classify: classifySql,
    actions: { query },
    endSession: (sessionId) => stop((entry) => entry.sessionId === sessionId),
    close: async () => {
      await stop(() => true);
      await Promise.allSettled([...states.values()].map((s) => s.pool.end()));
    },
  };
}
