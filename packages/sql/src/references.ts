import { isNode, parseStatements, stringsOf, type Node } from './parser.js';

/** A relation as written in the statement: schema-qualified or bare (resolved by the search path). */
export interface RelationRef {
  schema: string | null;
  name: string;
  /** The statement writes it (INSERT, UPDATE, DELETE, MERGE, COPY FROM, TRUNCATE target). */
  written: boolean;
}

/**
 * Every name in a statement that could make PostgreSQL run a function, for resolution against the
 * catalog. Deliberately wider than what the statement calls: every identifier is a candidate function
 * name, because attribute-call syntax (`(pid).pg_terminate_backend`), functional notation on a row
 * (`t.f`), table-sampling methods and type names all reach functions without a `FuncCall` node.
 */
export interface SqlReferences {
  /** Every identifier, as the parser folded it (unquoted names lower-cased). */
  identifiers: string[];
  /** Operator names written, plus the comparison operators that sorting, grouping, IN and CASE use. */
  operators: string[];
  relations: RelationRef[];
  /** The last part of every column reference (`secret` in `t.secret`), as written. */
  columns: string[];
  /** `*`, `t.*` or a reference that may be a whole row (`t`, `row_to_json(t)`): any column may be read. */
  wholeRows: boolean;
}

/** Operators PostgreSQL applies without their name being written (ORDER BY, DISTINCT, IN, CASE, LIKE…). */
const IMPLICIT_OPERATORS = [
  '=',
  '<>',
  '<',
  '>',
  '<=',
  '>=',
  '~~',
  '~~*',
  '!~~',
  '!~~*',
  '~',
  '~*',
  '!~',
  '!~*',
];

const OPERATOR_NAME = /^[+\-*/<>=~!@#%^&|`?]+$/;

function writtenRelation(kind: string, statement: Node): unknown[] {
  switch (kind) {
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      return [statement['relation']];
    case 'CopyStmt':
      return statement['is_from'] === true ? [statement['relation']] : [];
    case 'TruncateStmt':
      return Array.isArray(statement['relations']) ? (statement['relations'] as unknown[]) : [];
    default:
      return [];
  }
}

function relationOf(value: unknown): { schema: string | null; name: string } | null {
  const node = isNode(value) && isNode(value['RangeVar']) ? value['RangeVar'] : value;
  if (!isNode(node) || typeof node['relname'] !== 'string') return null;
  const schema =
    typeof node['schemaname'] === 'string' && node['schemaname'] !== '' ? node['schemaname'] : null;
  return { schema, name: node['relname'] };
}

function noteColumnRef(ref: Node, out: { columns: Set<string>; wholeRows: boolean }): boolean {
  const fields = Array.isArray(ref['fields']) ? (ref['fields'] as unknown[]) : [];
  const last = fields.at(-1);
  if (isNode(last) && isNode(last['A_Star'])) return true;
  const names = stringsOf(fields);
  const column = names.at(-1);
  if (column !== undefined) out.columns.add(column);
  return false;
}

/**
 * Collects the references of one or more statements (see {@link SqlReferences}). Walks the tree
 * without recursion, so hostile nesting cannot exhaust the stack.
 *
 * @example
 * collectSqlReferences('SELECT (pid).pg_terminate_backend FROM pg_stat_activity').identifiers;
 * // ['pg_terminate_backend', 'pid']
 * @throws GloveboxError GBX_SQL_PARSE_FAILED when the text is not valid SQL.
 */
export function collectSqlReferences(sql: string): SqlReferences {
  const identifiers = new Set<string>();
  const operators = new Set<string>(IMPLICIT_OPERATORS);
  const relations = new Map<string, RelationRef>();
  const found = { columns: new Set<string>(), wholeRows: false };
  const addRelation = (value: unknown, written: boolean): void => {
    const rel = relationOf(value);
    if (rel === null) return;
    const key = `${rel.schema ?? ''}\u0000${rel.name}`;
    const known = relations.get(key);
    relations.set(key, { ...rel, written: written || (known?.written ?? false) });
  };
  const stack: unknown[] = parseStatements(sql);
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      stack.push(...(value as unknown[]));
      continue;
    }
    if (!isNode(value)) continue;
    addRelation(value, false);
    for (const [key, child] of Object.entries(value)) {
      if (key === 'String' && isNode(child) && typeof child['sval'] === 'string') {
        const name = child['sval'];
        (OPERATOR_NAME.test(name) ? operators : identifiers).add(name);
        continue;
      }
      if (key === 'ColumnRef' && isNode(child) && noteColumnRef(child, found)) found.wholeRows = true;
      if (key === 'A_Star') found.wholeRows = true;
      if (key.endsWith('Stmt') && isNode(child))
        for (const target of writtenRelation(key, child)) addRelation(target, true);
      stack.push(child);
    }
  }
  // A column reference that names no column of any relation is a whole-row reference or a function on
  // a row; the caller decides that with the catalog's column list, so every reference is kept.
  return {
    identifiers: [...identifiers].sort(),
    operators: [...operators].sort(),
    relations: [...relations.values()],
    columns: [...found.columns].sort(),
    wholeRows: found.wholeRows,
  };
}
