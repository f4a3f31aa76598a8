import { isBuiltinTriggerFunction, isBuiltinVolatileRead, sideEffectClass } from './function-table.js';
import type { SqlReferences } from './references.js';
import { maxSqlClass, type SqlClass } from './sql-class.js';

/** How a function is reached from a statement (see `CATALOG_QUERY`). */
export type ReachedVia =
  | 'named'
  | 'aggregate'
  | 'operator'
  | 'view'
  | 'policy'
  | 'trigger'
  | 'default'
  | 'constraint'
  | 'index'
  | 'rule'
  | 'implicit';

/** A function of the catalog answer. */
export interface CatalogFunction {
  oid: number;
  schema: string;
  name: string;
  /** `f` function, `a` aggregate, `w` window, `p` procedure. */
  kind: string;
  /** `i` immutable, `s` stable, `v` volatile. */
  volatility: string;
  securityDefiner: boolean;
  /** PostgreSQL's own (OID below 16384). */
  builtin: boolean;
  /** The agent's role holds EXECUTE on it. */
  executable: boolean;
  via: ReachedVia[];
}

/** A column of a relation the statement names. */
export interface CatalogColumn {
  relation: number;
  attnum: number;
  name: string;
}

/** What `CATALOG_QUERY` returned. */
export interface CatalogAnswer {
  functions: CatalogFunction[];
  columns: CatalogColumn[];
}

/** A function that raised the statement's class, and why. */
export interface ResolvedFunction {
  name: string;
  class: SqlClass;
  via: ReachedVia[];
  why: string;
}

/** The statement's class after resolution: never less than its parse class. */
export interface SqlResolution {
  class: SqlClass;
  /** Every reached function that is more than an ordinary read, with the class it gives. */
  functions: ResolvedFunction[];
  reasons: string[];
}

/** A per-target classification of functions (`schema.name` or `name`), from the agent's configuration. */
export type FunctionClassOverrides = Readonly<Record<string, SqlClass>>;

// Reached only as an expression the agent's role evaluates: PostgreSQL checks EXECUTE at run time, so a
// function the role may not execute cannot run that way (trigger functions, for example, are not checked).
const CHECKED_AT_CALL: ReadonlySet<ReachedVia> = new Set(['named', 'aggregate', 'operator', 'implicit']);

function judge(fn: CatalogFunction, overrides: FunctionClassOverrides): { class: SqlClass; why: string } {
  const override = overrides[`${fn.schema}.${fn.name}`] ?? overrides[fn.name];
  if (override !== undefined) return { class: override, why: 'classified by the agent configuration' };
  const denied = sideEffectClass(fn.name);
  if (denied !== undefined) return { class: denied, why: 'on the shipped list of functions with effects' };
  if (fn.builtin) {
    if (fn.volatility !== 'v' && !fn.securityDefiner) return { class: 'read', why: 'built-in, not volatile' };
    if (isBuiltinVolatileRead(fn.name))
      return { class: 'read', why: 'built-in volatile function that reads' };
    if (isBuiltinTriggerFunction(fn.name)) return { class: 'write', why: 'built-in trigger function' };
    return { class: 'admin', why: 'volatile built-in function not on the shipped list of reads' };
  }
  if (fn.securityDefiner) return { class: 'admin', why: "SECURITY DEFINER: runs with its owner's rights" };
  if (fn.volatility === 'v') return { class: 'admin', why: 'volatile function whose effects are unknown' };
  return { class: 'read', why: 'declared stable or immutable' };
}

/**
 * Classifies a statement by the functions the catalog says it reaches (see `CATALOG_QUERY`): the shipped
 * deny table, then PostgreSQL's own knowledge (built-in or not, volatility, SECURITY DEFINER), with
 * `overrides` from the agent's configuration first. Functions reached only by calls the role may not
 * execute are left out: PostgreSQL would refuse the call. The result is never below `parseClass`.
 *
 * @example
 * resolveSqlClass('read', answer, {}).class; // 'admin' when answer names pg_terminate_backend
 */
export function resolveSqlClass(
  parseClass: SqlClass,
  answer: CatalogAnswer,
  overrides: FunctionClassOverrides = {},
): SqlResolution {
  let cls = parseClass;
  const functions: ResolvedFunction[] = [];
  const reasons: string[] = [];
  for (const fn of answer.functions) {
    if (!fn.executable && fn.via.every((via) => CHECKED_AT_CALL.has(via))) continue;
    const verdict = judge(fn, overrides);
    if (verdict.class === 'read' && sideEffectClass(fn.name) === undefined) continue;
    const name = `${fn.schema}.${fn.name}`;
    functions.push({ name, class: verdict.class, via: fn.via, why: verdict.why });
    if (verdict.class !== 'read')
      reasons.push(`function ${name} (${fn.via.join(', ')}) is ${verdict.class}: ${verdict.why}`);
    cls = maxSqlClass(cls, verdict.class);
  }
  return { class: cls, functions, reasons: [...new Set(reasons)] };
}

/** Validates the JSON columns of a `CATALOG_QUERY` row; anything else is refused by the caller. */
export function parseCatalogAnswer(row: unknown): CatalogAnswer | null {
  if (typeof row !== 'object' || row === null) return null;
  const { functions, columns } = row as { functions?: unknown; columns?: unknown };
  if (!Array.isArray(functions) || !Array.isArray(columns)) return null;
  const okFunction = (f: unknown): f is CatalogFunction => {
    const x = f as Partial<CatalogFunction>;
    return (
      typeof x.name === 'string' &&
      typeof x.schema === 'string' &&
      typeof x.volatility === 'string' &&
      typeof x.builtin === 'boolean' &&
      typeof x.executable === 'boolean' &&
      typeof x.securityDefiner === 'boolean' &&
      Array.isArray(x.via)
    );
  };
  const okColumn = (c: unknown): c is CatalogColumn => {
    const x = c as Partial<CatalogColumn>;
    return typeof x.relation === 'number' && typeof x.attnum === 'number' && typeof x.name === 'string';
  };
  if (!functions.every(okFunction) || !columns.every(okColumn)) return null;
  return { functions, columns };
}

/**
 * The columns a statement may read whose names are masked (`isSensitive`), so that computed results and
 * error texts, which can carry their values under another name, are masked too. A reference to `*`, to a
 * whole row, or to a name that is no column of the named relations counts as reading every column.
 */
export function maskedColumnsRead(
  refs: SqlReferences,
  columns: readonly CatalogColumn[],
  isSensitive: (name: string) => boolean,
): string[] {
  const known = new Set(columns.map((c) => c.name));
  const sensitive = new Set(columns.map((c) => c.name).filter((name) => isSensitive(name)));
  const wholeRow = refs.wholeRows || refs.columns.some((name) => !known.has(name));
  const read = new Set(refs.columns.filter((name) => isSensitive(name)));
  if (wholeRow) for (const name of sensitive) read.add(name);
  return [...read].sort();
}
