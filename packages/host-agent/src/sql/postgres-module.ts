import type { PoolClient, Pool as PgPool } from 'pg';
import { z } from 'zod';
import { GloveboxError } from '@glovebox/core';
import type { ActionContext, ActionModule, ActionOutcome } from '@glovebox/agent';
import { classifySql, redactSqlLiterals, SQL_CLASSES, type SqlClassification } from '@glovebox/sql';
import type { PostgresTargetConfig } from '../config.js';
import { resolveSecret } from '../secrets.js';
import { addCounts, defaultRedactorFactory, type RedactorFactory } from '../redactor.js';
import { executeStatement, Client, Pool, type RawResult, type ResultColumn } from './pg-executor.js';
import { columnMaskKeys, maskRows } from './row-masks.js';
import { sanitizeError, scrub } from './sql-errors.js';
import { checkStatementShape, resolveAgainstCatalog, type CatalogVerdict } from './sql-guardrail.js';

export { maskRows } from './row-masks.js';

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

/** A postgres module plus the classification it applies, for the agent's guardrail context. */
export interface PostgresModule extends ActionModule {
  /** Classifies without running: the same function the `query` action applies. */
  classify(sql: string): SqlClassification;
}

/** What every call of one postgres module shares. */
interface Pg {
  states: ReadonlyMap<string, TargetState>;
  redactorFor: RedactorFactory;
  active: Set<Active>;
}

/** One pool per target, its connection string resolved now (it appears in nothing returned). */
function openTargets(
  targets: readonly PostgresTargetConfig[],
  options: PostgresModuleOptions,
): Map<string, TargetState> {
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
  return states;
}

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

/** Runs the statement on a pooled connection, cut on timeout or abort. */
async function runOnConnection(
  active: Set<Active>,
  state: TargetState,
  sql: string,
  readOnly: boolean,
  ctx: ActionContext,
  inspect: (client: PoolClient) => Promise<void>,
  onError: (error: unknown, timedOut: boolean) => GloveboxError,
): Promise<RawResult> {
  let client: PoolClient;
  try {
    client = await state.pool.connect();
  } catch (error) {
    throw onError(error, false);
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
    inspect: () => inspect(client),
  });
  const entry: Active = { sessionId: ctx.sessionId, abort: onAbort, done: run.catch(() => undefined) };
  active.add(entry);
  try {
    return await run;
  } catch (error) {
    broken = true;
    if (aborted)
      throw new GloveboxError('GBX_SQL_FAILED', 'the query was cancelled (session ended or call cancelled)');
    throw onError(error, timedOut);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
    active.delete(entry);
    client.removeListener('error', onClientError);
    // Connections that wrote, failed or were cut are not reused: no session state can leak to the next call.
    client.release(broken || !readOnly);
  }
}

async function query(pg: Pg, params: unknown, ctx: ActionContext): Promise<ActionOutcome> {
  const parsed = queryParamsSchema.safeParse(params);
  if (!parsed.success)
    throw new GloveboxError(
      'GBX_REQUEST_INVALID',
      'query expects { sql: string, readOnly: boolean, authorizedClass }',
    );
  const state = pg.states.get(ctx.target);
  if (!state) throw new GloveboxError('GBX_NOT_FOUND', 'no postgres target of that name on this agent');
  const { sql, authorizedClass } = parsed.data;
  const redactor = pg.redactorFor(ctx.masking);
  const statement = redactor.redactText(scrub(redactSqlLiterals(sql), state.secrets));
  const verdict = checkStatementShape(sql, authorizedClass, state.config);
  const readOnly =
    parsed.data.readOnly || verdict.grant === 'read' || verdict.classification.class === 'read';
  if (ctx.signal.aborted)
    throw new GloveboxError('GBX_SQL_FAILED', 'the query was cancelled before it started');
  const isSensitive = (name: string): boolean => redactor.isSensitiveKey(name);
  let catalog: CatalogVerdict | undefined;
  const raw = await runOnConnection(
    pg.active,
    state,
    sql,
    readOnly,
    ctx,
    async (client) => {
      catalog = await resolveAgainstCatalog(client, verdict, state.config, isSensitive);
    },
    (error, timedOut) =>
      sanitizeError(error, {
        config: state.config,
        secrets: state.secrets,
        redactor,
        // Before the catalog answered, any column may be masked: mask every quoted span.
        maskedColumns: catalog?.maskedColumns ?? ['*'],
        timedOut,
      }),
  );
  if (catalog === undefined) throw new GloveboxError('GBX_SQL_UNRESOLVED', 'the statement was not resolved');
  const keys = columnMaskKeys(raw.columns, raw.sources, catalog.columns, catalog.maskedColumns, isSensitive);
  const masked = maskRows(raw.columns, raw.rows, redactor, keys);
  const redactions = addCounts(addCounts({}, statement.counts), masked.counts);
  const result: QueryResult = {
    columns: raw.columns,
    rows: masked.rows,
    rowCount: raw.rowCount,
    truncated: raw.truncated,
  };
  const { classification } = verdict;
  return {
    result,
    accessed: {
      statement: statement.text,
      class: catalog.resolution.class,
      kinds: classification.kinds,
      tables: classification.tables,
      functions: classification.functions,
      resolvedFunctions: catalog.resolution.functions.map((f) => `${f.name}:${f.class}`),
      maskedColumns: catalog.maskedColumns,
      columns: raw.columns.map((c) => c.name),
      rows: raw.rows.length,
      rowCount: raw.rowCount,
      truncated: raw.truncated,
      readOnly,
    },
    redactions,
  };
}

/**
 * Creates the `query` action for PostgreSQL targets. The agent holds the connection strings (read from
 * the environment or files when the module is created; they appear in no result, error or log). Each
 * query is re-classified with the real parser, then every function it can reach is resolved against
 * the catalog in its own transaction; it is refused when more dangerous than `authorizedClass` capped by
 * the target's `maxClass`. It runs alone in that transaction (READ ONLY when `readOnly` or the grant is
 * `read`), with the target's statement timeout and row limit; result columns and error texts are masked
 * by column name and value.
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
  const pg: Pg = {
    states: openTargets(targets, options),
    redactorFor: options.redactorFor ?? defaultRedactorFactory(),
    active: new Set<Active>(),
  };
  const { states, active } = pg;

  async function stop(filter: (entry: Active) => boolean): Promise<void> {
    const victims = [...active].filter(filter);
    for (const entry of victims) entry.abort();
    await Promise.allSettled(victims.map((entry) => entry.done));
  }

  return {
    classify: classifySql,
    actions: { query: (params, ctx) => query(pg, params, ctx) },
    endSession: (sessionId) => stop((entry) => entry.sessionId === sessionId),
    close: async () => {
      await stop(() => true);
      await Promise.allSettled([...states.values()].map((s) => s.pool.end()));
    },
  };
}
