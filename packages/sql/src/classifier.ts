import { sideEffectClass } from './function-table.js';
import { isNode, parseStatements, stringsOf, type Node } from './parser.js';
import { maxSqlClass, type SqlClass } from './sql-class.js';
import { STATEMENT_CLASS } from './statement-classes.js';

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
  acc.class = maxSqlClass(acc.class, cls);
}

function relationName(node: Node): string | null {
  if (typeof node['relname'] !== 'string') return null;
  return [node['catalogname'], node['schemaname'], node['relname']]
    .filter((part): part is string => typeof part === 'string' && part.length > 0)
    .join('.');
}

function noteFunction(acc: Accumulator, parts: string[], planOnly: boolean, how: string): void {
  const lower = parts.map((p) => p.toLowerCase());
  const name = lower.join('.');
  const base = lower.at(-1);
  if (name) acc.functions.add(name);
  const effect = base === undefined ? undefined : sideEffectClass(base);
  if (effect === undefined) return;
  acc.sideEffects.add(name);
  if (!planOnly) raise(acc, effect, `function ${name} has side effects${how}`);
}

// Calls written as calls, and the attribute-call forms PostgreSQL also resolves to functions:
// `(pid).pg_terminate_backend` and `t.f` (functional notation on a row). The latter are reported only
// when they name a function with effects: otherwise they are ordinary column references.
function noteFunctionReferences(key: string, child: Node, acc: Accumulator, planOnly: boolean): void {
  if (key === 'FuncCall') noteFunction(acc, stringsOf(child['funcname']), planOnly, '');
  const attributes =
    key === 'A_Indirection'
      ? stringsOf(child['indirection'])
      : key === 'ColumnRef'
        ? stringsOf(child['fields']).slice(1)
        : [];
  for (const name of attributes)
    if (sideEffectClass(name.toLowerCase()) !== undefined)
      noteFunction(acc, [name], planOnly, ' (called with attribute syntax)');
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
      if (isNode(child)) noteFunctionReferences(key, child, acc, planOnly);
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
  const stmts = parseStatements(sql);
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
  for (const stmt of stmts) {
    const kind = Object.keys(stmt)[0] ?? 'Unknown';
    const before = acc.class;
    acc.class = 'read';
    walkStatement(stmt, acc);
    statements.push({ kind, class: acc.class });
    acc.class = maxSqlClass(before, acc.class);
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
