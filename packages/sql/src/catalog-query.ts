import { SIDE_EFFECT_FUNCTIONS } from './function-table.js';
import type { SqlReferences } from './references.js';

const DENIED_NAMES = Object.keys(SIDE_EFFECT_FUNCTIONS);

/**
 * One query, run in the statement's own transaction (same role, search path and snapshot), that finds
 * every function the statement can make PostgreSQL run:
 *
 * - `named`: any function whose name is an identifier of the statement (calls, attribute-call syntax,
 *   functional notation, table-sampling methods), except those taking `internal`, which SQL cannot call;
 * - `aggregate`: the support functions of those that are aggregates;
 * - `operator`: the functions (and selectivity estimators) behind every user-defined operator of a
 *   written or implied name (built-in operators all call immutable built-in functions: a test keeps
 *   that true against the live catalog);
 * - `view`, `policy`: functions in the rules of referenced views (recursively, views in views) and in
 *   row-level security policies of referenced tables;
 * - `trigger`, `default`, `constraint`, `index`, `rule`: for written tables, their triggers, column
 *   defaults and generated columns, check constraints, index expressions and rewrite rules;
 * - `implicit`: user-defined (non built-in) functions PostgreSQL may call without their name in the
 *   text: implicit and assignment casts, explicit casts to a type the statement names, type input and
 *   output, operator-class support and operators, and the constraints of domains the statement names or
 *   writes.
 *
 * It returns one row with two JSON columns: `functions` and `columns` (the columns of referenced
 * relations, for masks). Built-in functions that are neither volatile nor security definer nor named in
 * the shipped deny table only read, and are left out of the answer. Parameters: see
 * {@link catalogQueryParams}.
 */
export const CATALOG_QUERY = `
WITH RECURSIVE
named AS (SELECT DISTINCT unnest($1::text[]) AS name),
opnames AS (SELECT DISTINCT unnest($2::text[]) AS name),
written_in AS (
  SELECT to_regclass(CASE WHEN r.schema = '' THEN quote_ident(r.name)
                          ELSE quote_ident(r.schema) || '.' || quote_ident(r.name) END)::oid AS oid,
         r.written
  FROM unnest($3::text[], $4::text[], $5::bool[]) AS r(schema, name, written)
),
rels AS (SELECT oid, bool_or(written) AS written FROM written_in WHERE oid IS NOT NULL GROUP BY oid),
closure(oid, written) AS (
  SELECT oid, written FROM rels
  UNION
  SELECT d.refobjid, c.written AND rw.ev_type <> '1'
  FROM closure c
  JOIN pg_rewrite rw ON rw.ev_class = c.oid AND (c.written OR rw.ev_type = '1')
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
   AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
),
dependents(classid, objid, via) AS (
  SELECT 'pg_rewrite'::regclass, rw.oid, CASE WHEN rw.ev_type = '1' THEN 'view' ELSE 'rule' END
    FROM closure c JOIN pg_rewrite rw ON rw.ev_class = c.oid AND (c.written OR rw.ev_type = '1')
  UNION ALL SELECT 'pg_policy'::regclass, p.oid, 'policy' FROM closure c JOIN pg_policy p ON p.polrelid = c.oid
  UNION ALL SELECT 'pg_attrdef'::regclass, a.oid, 'default' FROM closure c
    JOIN pg_attrdef a ON a.adrelid = c.oid WHERE c.written
  UNION ALL SELECT 'pg_constraint'::regclass, k.oid, 'constraint' FROM closure c
    JOIN pg_constraint k ON k.conrelid = c.oid WHERE c.written
  UNION ALL SELECT 'pg_class'::regclass, i.indexrelid, 'index' FROM closure c
    JOIN pg_index i ON i.indrelid = c.oid WHERE c.written
  UNION ALL SELECT 'pg_constraint'::regclass, k.oid, 'implicit' FROM pg_constraint k
    JOIN pg_type t ON t.oid = k.contypid
    WHERE t.typname IN (SELECT name FROM named)
       OR t.oid IN (SELECT a.atttypid FROM closure c JOIN pg_attribute a ON a.attrelid = c.oid WHERE c.written)
),
dep_refs AS MATERIALIZED (
  SELECT d.refclassid, d.refobjid, x.via FROM dependents x
  CROSS JOIN LATERAL (SELECT refclassid, refobjid FROM pg_depend
                      WHERE classid = x.classid AND objid = x.objid) d
),
dep_procs(fn, via) AS (
  SELECT refobjid, via FROM dep_refs WHERE refclassid = 'pg_proc'::regclass
  UNION ALL
  SELECT f.fn, r.via FROM dep_refs r JOIN pg_operator o ON o.oid = r.refobjid
    CROSS JOIN LATERAL (VALUES (o.oprcode::oid), (o.oprrest::oid), (o.oprjoin::oid)) f(fn)
  WHERE r.refclassid = 'pg_operator'::regclass
),
reached(fn, via) AS (
  SELECT p.oid, 'named' FROM pg_proc p JOIN named ON p.proname = named.name
   WHERE NOT 'internal'::regtype = ANY (p.proargtypes::oid[]) OR p.prorettype = 'tsm_handler'::regtype
  UNION ALL SELECT s.fn, 'aggregate' FROM pg_aggregate g
    JOIN pg_proc p ON p.oid = g.aggfnoid JOIN named ON p.proname = named.name
    CROSS JOIN LATERAL unnest(ARRAY[g.aggtransfn, g.aggfinalfn, g.aggcombinefn, g.aggserialfn,
      g.aggdeserialfn, g.aggmtransfn, g.aggminvtransfn, g.aggmfinalfn]::oid[]) s(fn)
  UNION ALL SELECT f.fn, 'operator' FROM pg_operator o JOIN opnames ON o.oprname = opnames.name
    AND o.oid >= 16384 CROSS JOIN LATERAL (VALUES (o.oprcode::oid), (o.oprrest::oid), (o.oprjoin::oid)) f(fn)
  UNION ALL SELECT fn, via FROM dep_procs
  UNION ALL SELECT t.tgfoid, 'trigger' FROM closure c JOIN pg_trigger t ON t.tgrelid = c.oid WHERE c.written
  UNION ALL SELECT k.castfunc, 'implicit' FROM pg_cast k JOIN pg_type t ON t.oid = k.casttarget
    WHERE k.castfunc >= 16384 AND (k.castcontext <> 'e' OR t.typname IN (SELECT name FROM named))
  UNION ALL SELECT s.fn, 'implicit' FROM pg_type t
    CROSS JOIN LATERAL unnest(ARRAY[t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin,
      t.typmodout, t.typanalyze]::oid[]) s(fn) WHERE s.fn >= 16384
  UNION ALL SELECT amproc::oid, 'implicit' FROM pg_amproc WHERE amproc::oid >= 16384
  UNION ALL SELECT o.oprcode::oid, 'implicit' FROM pg_amop a JOIN pg_operator o ON o.oid = a.amopopr
    WHERE o.oprcode::oid >= 16384
),
functions AS (
  SELECT r.fn, array_agg(DISTINCT r.via ORDER BY r.via) AS via FROM reached r JOIN pg_proc p ON p.oid = r.fn
  WHERE p.oid >= 16384 OR p.provolatile = 'v' OR p.prosecdef OR p.proname = ANY ($6::text[])
  GROUP BY r.fn
)
SELECT
  (SELECT coalesce(json_agg(json_build_object(
      'oid', p.oid::int8, 'schema', n.nspname, 'name', p.proname, 'kind', p.prokind,
      'volatility', p.provolatile, 'securityDefiner', p.prosecdef, 'builtin', p.oid < 16384,
      'executable', has_function_privilege(p.oid, 'EXECUTE'), 'via', f.via) ORDER BY p.oid), '[]'::json)
   FROM functions f JOIN pg_proc p ON p.oid = f.fn JOIN pg_namespace n ON n.oid = p.pronamespace) AS functions,
  (SELECT coalesce(json_agg(json_build_object(
      'relation', a.attrelid::int8, 'attnum', a.attnum, 'name', a.attname) ORDER BY a.attrelid, a.attnum), '[]'::json)
   FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
`;

/** The parameters of {@link CATALOG_QUERY} for a statement's references. */
export function catalogQueryParams(refs: SqlReferences): unknown[] {
  return [
    refs.identifiers,
    refs.operators,
    refs.relations.map((r) => r.schema ?? ''),
    refs.relations.map((r) => r.name),
    refs.relations.map((r) => r.written),
    DENIED_NAMES,
  ];
}
