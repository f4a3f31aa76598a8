import { loadModule, parseSync, scanSync } from 'libpg-query';
import { GloveboxError } from '@glovebox/core';

// The parser is WebAssembly; loading it once here keeps classifySql synchronous for every caller.
await loadModule();

/** Statement classes, least to most dangerous. Policy sees the class of a whole query. */
export const SQL_CLASSES = ['read', 'write', 'ddl', 'admin'] as const;
export type SqlClass = (typeof SQL_CLASSES)[number];

/** True when `a` is more dangerous than `b`. */
export function sqlClassExceeds(a: SqlClass, b: SqlClass): boolean {
  return SQL_CLASSES.indexOf(a) > SQL_CLASSES.indexOf(b);
}

function maxClass(a: SqlClass, b: SqlClass): SqlClass {
  return sqlClassExceeds(b, a) ? b : a;
}

/** Guardrail facts about a query that policies can test one by one. */
export interface SqlFlags {
  multiStatement: boolean;
  deleteWithoutWhere: boolean;
  updateWithoutWhere: boolean;
  copyProgram: boolean;
  copyFile: boolean;
  setRole: boolean;
  /** A data-modifying statement inside WITH (`WITH d AS (DELETE …) SELECT …`). */
  cteWrite: boolean;
  /** SELECT … FOR UPDATE / FOR SHARE (row locks). */
  selectForUpdate: boolean;
  /** SELECT … INTO (creates a table). */
  selectInto: boolean;
  transactionControl: boolean;
  /** EXPLAIN ANALYZE, which runs the statement it explains. */
  explainAnalyze: boolean;
}

/** What the real PostgreSQL parser says a query does. Names only, never literal values. */
export interface SqlClassification {
  /** The most dangerous class of anything in the query. */
  class: SqlClass;
  statementCount: number;
  /** Each top-level statement's node kind (`SelectStmt`, `DeleteStmt`, …) and class. */
  statements: { kind: string; class: SqlClass }[];
  /** Every statement kind found at any depth (CTEs, EXPLAIN, COPY (query), …), sorted. */
  kinds: string[];
  /** Tables, views and other relations named, as written (schema-qualified when the query qualifies them). */
  tables: string[];
  /** Functions called, lower-case, qualified when written qualified. */
  functions: string[];
  /** Called functions with effects beyond reading (terminating backends, files, dblink, settings, sleep). */
  sideEffectFunctions: string[];
  flags: SqlFlags;
  /** Why the class is what it is, for error messages and the audit trail. */
  reasons: string[];
}

const STATEMENT_CLASS: Readonly<Record<string, SqlClass>> = {
  SelectStmt: 'read',
  VariableShowStmt: 'read',
  ExplainStmt: 'read',
  DeclareCursorStmt: 'read',
  FetchStmt: 'read',
  ClosePortalStmt: 'read',
  // Raised below when it reads or writes files, runs a program or loads rows.
  CopyStmt: 'read',

  InsertStmt: 'write',
  UpdateStmt: 'write',
  DeleteStmt: 'write',
  MergeStmt: 'write',
  LockStmt: 'write',
  RefreshMatViewStmt: 'write',
  NotifyStmt: 'write',
  ListenStmt: 'write',
  UnlistenStmt: 'write',

  CreateStmt: 'ddl',
  CreateTableAsStmt: 'ddl',
  CreateForeignTableStmt: 'ddl',
  AlterTableStmt: 'ddl',
  AlterTableMoveAllStmt: 'ddl',
  DropStmt: 'ddl',
  TruncateStmt: 'ddl',
  IndexStmt: 'ddl',
  ViewStmt: 'ddl',
  CreateSeqStmt: 'ddl',
  AlterSeqStmt: 'ddl',
  CreateFunctionStmt: 'ddl',
  AlterFunctionStmt: 'ddl',
  RenameStmt: 'ddl',
  CommentStmt: 'ddl',
  CreateSchemaStmt: 'ddl',
  CompositeTypeStmt: 'ddl',
  CreateEnumStmt: 'ddl',
  AlterEnumStmt: 'ddl',
  CreateRangeStmt: 'ddl',
  CreateDomainStmt: 'ddl',
  AlterDomainStmt: 'ddl',
  AlterTypeStmt: 'ddl',
  DefineStmt: 'ddl',
  RuleStmt: 'ddl',
  CreateTrigStmt: 'ddl',
  CreatePolicyStmt: 'ddl',
  AlterPolicyStmt: 'ddl',
  CreateStatsStmt: 'ddl',
  AlterStatsStmt: 'ddl',
  AlterObjectSchemaStmt: 'ddl',
  AlterObjectDependsStmt: 'ddl',
  CreateCastStmt: 'ddl',
  CreateConversionStmt: 'ddl',
  CreateOpClassStmt: 'ddl',
  CreateOpFamilyStmt: 'ddl',
  AlterOpFamilyStmt: 'ddl',
  AlterOperatorStmt: 'ddl',
  CreateTransformStmt: 'ddl',
  AlterCollationStmt: 'ddl',
  AlterTSDictionaryStmt: 'ddl',
  AlterTSConfigurationStmt: 'ddl',
  DropOwnedStmt: 'ddl',
  ReassignOwnedStmt: 'ddl',
  SecLabelStmt: 'ddl',
};

/**
 * Functions whose call is more than a read, with the class it raises the query to. Matched on the last
 * part of the name whatever the schema, so a look-alike in another schema is treated the same.
 */
const SIDE_EFFECT_FUNCTIONS: Readonly<Record<string, SqlClass>> = {
  pg_sleep: 'read',
  pg_sleep_for: 'read',
  pg_sleep_until: 'read',
  nextval: 'write',
  setval: 'write',
  pg_notify: 'write',
  pg_advisory_lock: 'write',
  pg_advisory_lock_shared: 'write',
  pg_advisory_xact_lock: 'write',
  pg_advisory_xact_lock_shared: 'write',
  pg_try_advisory_lock: 'write',
  pg_try_advisory_lock_shared: 'write',
  pg_try_advisory_xact_lock: 'write',
  pg_try_advisory_xact_lock_shared: 'write',
  pg_advisory_unlock: 'write',
  pg_advisory_unlock_all: 'write',
  pg_advisory_unlock_shared: 'write',
  brin_summarize_new_values: 'write',
  brin_summarize_range: 'write',
  brin_desummarize_range: 'write',
  gin_clean_pending_list: 'write',
  pg_terminate_backend: 'admin',
  pg_cancel_backend: 'admin',
  pg_reload_conf: 'admin',
  pg_rotate_logfile: 'admin',
  pg_log_backend_memory_contexts: 'admin',
  pg_switch_wal: 'admin',
  pg_create_restore_point: 'admin',
  pg_backup_start: 'admin',
  pg_backup_stop: 'admin',
  pg_start_backup: 'admin',
  pg_stop_backup: 'admin',
  pg_promote: 'admin',
  pg_wal_replay_pause: 'admin',
  pg_wal_replay_resume: 'admin',
  pg_create_physical_replication_slot: 'admin',
  pg_create_logical_replication_slot: 'admin',
  pg_copy_physical_replication_slot: 'admin',
  pg_copy_logical_replication_slot: 'admin',
  pg_drop_replication_slot: 'admin',
  pg_replication_slot_advance: 'admin',
  pg_logical_emit_message: 'admin',
  pg_logical_slot_get_changes: 'admin',
  pg_logical_slot_peek_changes: 'admin',
  pg_read_file: 'admin',
  pg_read_binary_file: 'admin',
  pg_ls_dir: 'admin',
  pg_ls_logdir: 'admin',
  pg_ls_waldir: 'admin',
  pg_ls_tmpdir: 'admin',
  pg_ls_archive_statusdir: 'admin',
  pg_stat_file: 'admin',
  pg_file_write: 'admin',
  pg_file_sync: 'admin',
  pg_file_rename: 'admin',
  pg_file_unlink: 'admin',
  pg_logdir_ls: 'admin',
  set_config: 'admin',
  pg_stat_reset: 'admin',
  pg_stat_reset_shared: 'admin',
  pg_stat_reset_single_table_counters: 'admin',
  pg_stat_reset_single_function_counters: 'admin',
  pg_stat_reset_slru: 'admin',
  pg_stat_reset_replication_slot: 'admin',
  pg_stat_reset_subscription_stats: 'admin',
  pg_stat_statements_reset: 'admin',
  pg_import_system_collations: 'admin',
  // These run a query given as a string, which the parser cannot see into.
  query_to_xml: 'admin',
  query_to_xmlschema: 'admin',
  query_to_xml_and_xmlschema: 'admin',
  cursor_to_xml: 'admin',
  cursor_to_xmlschema: 'admin',
  ts_stat: 'admin',
};

function sideEffectClass(baseName: string): SqlClass | undefined {
  if (Object.hasOwn(SIDE_EFFECT_FUNCTIONS, baseName)) return SIDE_EFFECT_FUNCTIONS[baseName];
  if (baseName.startsWith('dblink')) return 'admin';
  if (baseName.startsWith('lo_') || baseName === 'lowrite' || baseName === 'loread') return 'admin';
  if (baseName.startsWith('pg_replication_origin')) return 'admin';
  if (baseName.startsWith('binary_upgrade_')) return 'admin';
  return undefined;
}

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringsOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const item of list) {
    const sval = isNode(item) && isNode(item['String']) ? item['String']['sval'] : undefined;
    if (typeof sval === 'string') out.push(sval);
  }
  return out;
}

function containsKey(root: unknown, key: string): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...(value as unknown[]));
    else if (isNode(value)) {
      if (Object.hasOwn(value, key)) return true;
      stack.push(...Object.values(value));
    }
  }
  return false;
}

// A WHERE that references no column at all (`WHERE true`, `WHERE 1 = 1`) filters nothing row by row.
function hasRealWhere(statement: Node): boolean {
  const where = statement['whereClause'];
  return where !== undefined && containsKey(where, 'ColumnRef');
}

// EXPLAIN runs its statement only with ANALYZE; anything but an explicit false counts as ANALYZE.
function explainAnalyzes(statement: Node): boolean {
  const options = Array.isArray(statement['options']) ? (statement['options'] as unknown[]) : [];
  return options.some((option) => {
    const def = isNode(option) && isNode(option['DefElem']) ? option['DefElem'] : undefined;
    if (!def || String(def['defname']).toLowerCase() !== 'analyze') return false;
    const arg = def['arg'];
    if (arg === undefined) return true;
    if (!isNode(arg)) return true;
    if (isNode(arg['Boolean'])) return arg['Boolean']['boolval'] === true;
    if (isNode(arg['String']))
      return !['false', 'off', '0', 'no'].includes(String(arg['String']['sval']).toLowerCase());
    if (isNode(arg['Integer'])) return (arg['Integer']['ival'] ?? 0) !== 0;
    return true;
  });
}

interface Accumulator {
  class: SqlClass;
  kinds: Set<string>;
  tables: Set<string>;
  cteNames: Set<string>;
  functions: Set<string>;
  sideEffects: Set<string>;
  flags: SqlFlags;
  reasons: string[];
}

function raise(acc: Accumulator, cls: SqlClass, reason: string): void {
  if (cls !== 'read' && !acc.reasons.includes(reason)) acc.reasons.push(reason);
  acc.class = maxClass(acc.class, cls);
}

function relationName(node: Node): string | null {
  if (typeof node['relname'] !== 'string') return null;
  return [node['catalogname'], node['schemaname'], node['relname']]
    .filter((part): part is string => typeof part === 'string' && part.length > 0)
    .join('.');
}

/** Visits one statement's tree without recursion (parse trees of hostile input can be very deep). */
function walkStatement(root: Node, acc: Accumulator): void {
  const stack: { value: unknown; planOnly: boolean; inCte: boolean }[] = [
    { value: root, planOnly: false, inCte: false },
  ];
  const relations: string[] = [];
  while (stack.length > 0) {
    const item = stack.pop();
    if (!item) break;
    const { value, inCte, planOnly } = item;
    if (Array.isArray(value)) {
      for (const child of value as unknown[]) stack.push({ value: child, planOnly, inCte });
      continue;
    }
    if (!isNode(value)) continue;
    const relation = relationName(value);
    if (relation !== null) relations.push(relation);
    for (const [key, child] of Object.entries(value)) {
      let childPlanOnly = planOnly;
      let childInCte = inCte || key === 'ctequery';
      if (key === 'CommonTableExpr' && isNode(child) && typeof child['ctename'] === 'string')
        acc.cteNames.add(child['ctename']);
      if (key === 'intoClause' && child !== undefined && !planOnly) {
        acc.flags.selectInto = true;
        raise(acc, 'ddl', 'SELECT INTO creates a table');
      }
      if (key === 'lockingClause' && Array.isArray(child) && child.length > 0 && !planOnly) {
        acc.flags.selectForUpdate = true;
        raise(acc, 'write', 'SELECT … FOR UPDATE/SHARE locks rows');
      }
      if (key === 'FuncCall' && isNode(child)) {
        const parts = stringsOf(child['funcname']).map((p) => p.toLowerCase());
        const name = parts.join('.');
        const base = parts.at(-1);
        if (name) acc.functions.add(name);
        const effect = base === undefined ? undefined : sideEffectClass(base);
        if (effect !== undefined) {
          acc.sideEffects.add(name);
          if (!planOnly) raise(acc, effect, `function ${name} has side effects`);
        }
      }
      if (/^[A-Z]/.test(key) && key.endsWith('Stmt') && isNode(child)) {
        acc.kinds.add(key);
        if (!planOnly) {
          const known = STATEMENT_CLASS[key];
          raise(acc, known ?? 'admin', known ? `${key} is ${known}` : `${key} is administrative`);
          switch (key) {
            case 'DeleteStmt':
            case 'UpdateStmt':
              if (!hasRealWhere(child)) {
                if (key === 'DeleteStmt') acc.flags.deleteWithoutWhere = true;
                else acc.flags.updateWithoutWhere = true;
              }
              break;
            case 'CopyStmt':
              if (child['is_program'] === true) {
                acc.flags.copyProgram = true;
                raise(acc, 'admin', 'COPY … PROGRAM runs a program on the database server');
              } else if (typeof child['filename'] === 'string') {
                acc.flags.copyFile = true;
                raise(acc, 'admin', 'COPY to or from a server file');
              } else if (child['is_from'] === true) raise(acc, 'write', 'COPY … FROM loads rows');
              else raise(acc, 'read', 'COPY … TO STDOUT');
              break;
            case 'VariableSetStmt': {
              const name = typeof child['name'] === 'string' ? child['name'].toLowerCase() : '';
              if (name === 'role' || name === 'session_authorization') acc.flags.setRole = true;
              break;
            }
            case 'TransactionStmt':
              acc.flags.transactionControl = true;
              break;
            case 'ExplainStmt':
              if (explainAnalyzes(child)) acc.flags.explainAnalyze = true;
              else childPlanOnly = true;
              break;
            default:
              break;
          }
          if (inCte && ['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'].includes(key)) {
            acc.flags.cteWrite = true;
            raise(acc, 'write', 'a WITH clause modifies data');
          }
        }
        if (key === 'ExplainStmt') {
          stack.push({ value: child, planOnly: childPlanOnly, inCte: childInCte });
          continue;
        }
        // A statement nested in another (a CTE's query, EXPLAIN's, COPY's) is no longer "in" the CTE unless
        // it is itself the CTE body.
        childInCte = key === 'SelectStmt' ? false : childInCte;
      }
      if (key === 'DropStmt' && isNode(child) && Array.isArray(child['objects']))
        for (const object of child['objects'] as unknown[]) {
          const parts = isNode(object) && isNode(object['List']) ? stringsOf(object['List']['items']) : [];
          if (parts.length > 0) relations.push(parts.join('.'));
        }
      stack.push({ value: child, planOnly: childPlanOnly, inCte: childInCte });
    }
  }
  for (const name of relations) if (name.includes('.') || !acc.cteNames.has(name)) acc.tables.add(name);
}

const MAX_SQL_LENGTH = 1_000_000;

/**
 * Classifies a query with the real PostgreSQL parser (libpg-query): its class (the most dangerous of
 * read, write, DDL, administrative anywhere in it, including CTEs, EXPLAIN ANALYZE and side-effecting
 * functions), statement kinds and count, tables, functions and guardrail flags.
 *
 * @example
 * classifySql('WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d').class; // 'write'
 * @throws GloveboxError GBX_SQL_PARSE_FAILED when the text is not valid SQL (the message never repeats it).
 */
export function classifySql(sql: string): SqlClassification {
  if (typeof sql !== 'string') throw new TypeError('sql must be a string');
  if (sql.length > MAX_SQL_LENGTH)
    throw new GloveboxError(
      'GBX_SQL_PARSE_FAILED',
      `the statement is longer than ${MAX_SQL_LENGTH} characters`,
    );
  let stmts: { stmt?: unknown }[];
  try {
    stmts = parseSync(sql).stmts ?? [];
  } catch (error) {
    const position = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    // The parser's own message quotes the text near the error, which may be a secret literal.
    throw new GloveboxError(
      'GBX_SQL_PARSE_FAILED',
      `the statement does not parse${typeof position === 'number' ? ` (syntax error at character ${position + 1})` : ''}`,
    );
  }
  if (stmts.length === 0) throw new GloveboxError('GBX_SQL_PARSE_FAILED', 'no SQL statement given');
  const acc: Accumulator = {
    class: 'read',
    kinds: new Set(),
    tables: new Set(),
    cteNames: new Set(),
    functions: new Set(),
    sideEffects: new Set(),
    flags: {
      multiStatement: stmts.length > 1,
      deleteWithoutWhere: false,
      updateWithoutWhere: false,
      copyProgram: false,
      copyFile: false,
      setRole: false,
      cteWrite: false,
      selectForUpdate: false,
      selectInto: false,
      transactionControl: false,
      explainAnalyze: false,
    },
    reasons: [],
  };
  const statements: SqlClassification['statements'] = [];
  for (const { stmt } of stmts) {
    if (!isNode(stmt)) throw new GloveboxError('GBX_SQL_PARSE_FAILED', 'the statement does not parse');
    const kind = Object.keys(stmt)[0] ?? 'Unknown';
    const before = acc.class;
    acc.class = 'read';
    walkStatement(stmt, acc);
    statements.push({ kind, class: acc.class });
    acc.class = maxClass(before, acc.class);
  }
  if (acc.flags.multiStatement) acc.reasons.push(`${stmts.length} statements`);
  return {
    class: acc.class,
    statementCount: stmts.length,
    statements,
    kinds: [...acc.kinds].sort(),
    tables: [...acc.tables].sort(),
    functions: [...acc.functions].sort(),
    sideEffectFunctions: [...acc.sideEffects].sort(),
    flags: acc.flags,
    reasons: acc.reasons,
  };
}

const LITERAL_TOKENS = new Set(['SCONST', 'USCONST', 'BCONST', 'XCONST', 'ICONST', 'FCONST']);
const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);

/**
 * Replaces every literal (strings, numbers, bit and hex strings, dollar-quoted bodies) with a `$n`
 * placeholder and drops comments, so a statement can be kept in the audit trail without the values in it.
 * Text the scanner cannot tokenize is withheld entirely.
 *
 * @example
 * redactSqlLiterals("SELECT * FROM users WHERE email = 'a@b.c' -- note"); // 'SELECT * FROM users WHERE email = $1'
 */
export function redactSqlLiterals(sql: string): string {
  if (sql.length > MAX_SQL_LENGTH) return '[statement withheld: too long]';
  const bytes = Buffer.from(sql, 'utf8');
  let tokens: { start: number; end: number; text: string; tokenName: string }[];
  try {
    tokens = scanSync(sql).tokens;
  } catch {
    return '[statement withheld: it could not be tokenized]';
  }
  let next = 1;
  for (const token of tokens)
    if (token.tokenName === 'PARAM') next = Math.max(next, Number(token.text.slice(1)) + 1 || next);
  let out = '';
  let cursor = 0;
  for (const token of tokens) {
    const isLiteral =
      LITERAL_TOKENS.has(token.tokenName) ||
      (token.tokenName === 'UNKNOWN' && /^(?:[bBxXnN]|[uU]&)'/.test(token.text)) ||
      token.text.startsWith("'") ||
      /^\$[^0-9]/.test(token.text);
    const isComment = COMMENT_TOKENS.has(token.tokenName);
    if (!isLiteral && !isComment) continue;
    out += bytes.subarray(cursor, token.start).toString('utf8');
    out += isLiteral ? `$${next++}` : '';
    cursor = token.end;
  }
  out += bytes.subarray(cursor).toString('utf8');
  return out.replace(/[ \t]+\n/g, '\n').trim();
}
