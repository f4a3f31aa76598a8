import type { SqlClass } from './sql-class.js';

/**
 * A statement whose shape looks less dangerous than what PostgreSQL will run: only resolving its names
 * against the catalog finds the function. `setup` is run first by a superuser, with `{s}` replaced by a
 * schema of the test's own, and the agent's role is given USAGE on it (functions are executable by
 * PUBLIC, as PostgreSQL creates them).
 */
export interface CatalogBypassCase {
  setup: string;
  sql: string;
  /** The class the parser alone gives. */
  parseClass: SqlClass;
  /** The class after resolution must be at least this. */
  atLeast: SqlClass;
  /** A function the refusal must name, `schema.name` with `{s}`. */
  names: string;
  why: string;
}

const VOLATILE = (name: string, args = '', body = 'SELECT pg_cancel_backend(-1)') =>
  `CREATE FUNCTION {s}.${name}(${args}) RETURNS boolean LANGUAGE sql VOLATILE AS $f$ ${body} $f$;`;

/**
 * Statements only the catalog can class correctly. This list only grows, like the parse corpus; each
 * case runs against a real PostgreSQL in `@glovebox/host-agent`'s guardrail tests.
 */
export const SQL_CATALOG_BYPASS_CORPUS: readonly CatalogBypassCase[] = [
  {
    setup: VOLATILE('reap', 'integer'),
    sql: 'SELECT {s}.reap(1)',
    parseClass: 'read',
    atLeast: 'admin',
    names: '{s}.reap',
    why: 'a volatile user function called by name',
  },
  {
    setup: `CREATE TABLE {s}.victims (pid integer); ${VOLATILE('cancel_row', '{s}.victims')}`,
    sql: 'SELECT v.cancel_row FROM {s}.victims v',
    parseClass: 'read',
    atLeast: 'admin',
    names: '{s}.cancel_row',
    why: 'functional notation on a row runs a volatile function',
  },
  {
    setup: `CREATE TABLE {s}.boxes (n integer); ${VOLATILE('unbox', '{s}.boxes')}`,
    sql: 'SELECT (b).unbox FROM {s}.boxes b',
    parseClass: 'read',
    atLeast: 'admin',
    names: '{s}.unbox',
    why: 'attribute-call syntax on a whole row',
  },
  {
    setup: `${VOLATILE('op_fn', 'integer, integer')} CREATE OPERATOR {s}.=== (LEFTARG = integer, RIGHTARG = integer, FUNCTION = {s}.op_fn);`,
    sql: 'SELECT 1 OPERATOR({s}.===) 2',
    parseClass: 'read',
    atLeast: 'admin',
    names: '{s}.op_fn',
    why: 'an operator backed by a volatile function',
  },
  {
    setup: `CREATE TYPE {s}.gbx_cast_box AS (n integer); CREATE FUNCTION {s}.to_box(integer) RETURNS {s}.gbx_cast_box LANGUAGE sql VOLATILE AS $f$ SELECT ROW(pg_cancel_backend(-1)::int)::{s}.gbx_cast_box $f$; CREATE CAST (integer AS {s}.gbx_cast_box) WITH FUNCTION {s}.to_box(integer);`,
    sql: 'SELECT CAST(42 AS {s}.gbx_cast_box)',
    parseClass: 'read',
    atLeast: 'admin',
    names: '{s}.to_box',
    why: 'an explicit cast backed by a volatile function',
  },
  {
    setup: `${VOLATILE('stamp')} CREATE TABLE {s}.notes (id integer, flag boolean DEFAULT {s}.stamp());`,
    sql: 'INSERT INTO {s}.notes (id) VALUES (1)',
    parseClass: 'write',
    atLeast: 'admin',
    names: '{s}.stamp',
    why: 'a column default of the written table',
  },
  {
    setup: `CREATE TABLE {s}.gen (id integer, flag boolean GENERATED ALWAYS AS (id > 0) STORED); ${VOLATILE('audit_row')} CREATE FUNCTION {s}.audit_trg() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN PERFORM {s}.audit_row(); RETURN NEW; END $f$; CREATE TRIGGER t BEFORE INSERT ON {s}.gen FOR EACH ROW EXECUTE FUNCTION {s}.audit_trg();`,
    sql: 'INSERT INTO {s}.gen (id) VALUES (1)',
    parseClass: 'write',
    atLeast: 'admin',
    names: '{s}.audit_trg',
    why: 'a trigger on the written table',
  },
  {
    setup: `${VOLATILE('view_fn')} CREATE VIEW {s}.innocent AS SELECT {s}.view_fn() AS ok; CREATE VIEW {s}.outer_view AS SELECT * FROM {s}.innocent;`,
    sql: 'SELECT * FROM {s}.outer_view',
    parseClass: 'read',
    atLeast: 'admin',
    names: '{s}.view_fn',
    why: 'a volatile function in a view under a view',
  },
  {
    setup: `${VOLATILE('policy_fn')} CREATE TABLE {s}.guarded (id integer); ALTER TABLE {s}.guarded ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON {s}.guarded USING ({s}.policy_fn());`,
    sql: 'SELECT id FROM {s}.guarded',
    parseClass: 'read',
    atLeast: 'admin',
    names: '{s}.policy_fn',
    why: 'a volatile function in a row-level security policy',
  },
  {
    setup: `CREATE FUNCTION {s}.rows_fn() RETURNS SETOF integer LANGUAGE sql VOLATILE AS $f$ SELECT 1 WHERE pg_cancel_backend(-1) IS NULL $f$;`,
    sql: 'SELECT * FROM {s}.rows_fn() AS r',
    parseClass: 'read',
    atLeast: 'admin',
    names: '{s}.rows_fn',
    why: 'a set-returning function in FROM',
  },
  {
    setup: `CREATE FUNCTION {s}.acc(integer, integer) RETURNS integer LANGUAGE sql VOLATILE AS $f$ SELECT $1 + $2 + pg_cancel_backend(-1)::int $f$; CREATE AGGREGATE {s}.total(integer) (SFUNC = {s}.acc, STYPE = integer, INITCOND = '0');`,
    sql: 'SELECT {s}.total(x) FROM generate_series(1, 3) x',
    parseClass: 'read',
    atLeast: 'admin',
    names: '{s}.acc',
    why: 'an aggregate whose transition function is volatile',
  },
  {
    setup: `CREATE FUNCTION {s}.elevated() RETURNS integer LANGUAGE sql STABLE SECURITY DEFINER AS $f$ SELECT 1 $f$;`,
    sql: 'SELECT {s}.elevated()',
    parseClass: 'read',
    atLeast: 'admin',
    names: '{s}.elevated',
    why: "SECURITY DEFINER runs with its owner's rights",
  },
  {
    setup: `${VOLATILE('dom_fn', 'integer')} CREATE DOMAIN {s}.checked AS integer CHECK ({s}.dom_fn(VALUE));`,
    sql: 'SELECT 1::{s}.checked',
    parseClass: 'read',
    atLeast: 'admin',
    names: '{s}.dom_fn',
    why: 'a domain constraint calls a volatile function',
  },
];
