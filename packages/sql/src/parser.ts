import { loadModule, parseSync } from 'libpg-query';
import { GloveboxError } from '@glovebox/core';

// The parser is WebAssembly; loading it once here keeps parsing synchronous for every caller.
await loadModule();

/** Longest statement text the package parses or scans. */
export const MAX_SQL_LENGTH = 1_000_000;

/** A parse-tree node as libpg-query returns it: `{ KindName: { …fields } }` or the fields themselves. */
export type Node = Record<string, unknown>;

export function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `sval`s of a list of `String` nodes (names as the parser split them). */
export function stringsOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const item of list) {
    const sval = isNode(item) && isNode(item['String']) ? item['String']['sval'] : undefined;
    if (typeof sval === 'string') out.push(sval);
  }
  return out;
}

/**
 * Parses SQL with the real PostgreSQL parser into its top-level statements (`{ SelectStmt: … }`, …).
 *
 * @throws GloveboxError GBX_SQL_PARSE_FAILED when the text does not parse, is empty or too long. The
 * message gives the position only: the parser's own message quotes the text, which may hold a secret.
 */
export function parseStatements(sql: string): Node[] {
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
    throw new GloveboxError(
      'GBX_SQL_PARSE_FAILED',
      `the statement does not parse${typeof position === 'number' ? ` (syntax error at character ${position + 1})` : ''}`,
    );
  }
  if (stmts.length === 0) throw new GloveboxError('GBX_SQL_PARSE_FAILED', 'no SQL statement given');
  return stmts.map(({ stmt }) => {
    if (!isNode(stmt)) throw new GloveboxError('GBX_SQL_PARSE_FAILED', 'the statement does not parse');
    return stmt;
  });
}
