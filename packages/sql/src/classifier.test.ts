import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isGloveboxError } from '@glovebox/core';
import { classifySql } from './classifier.js';
import { redactSqlLiterals } from './literals.js';
import { sqlClassExceeds, type SqlClass } from './sql-class.js';
import { SQL_BYPASS_CORPUS } from './bypass-corpus.js';

describe('SQL bypass corpus (only grows)', () => {
  for (const c of SQL_BYPASS_CORPUS)
    test(`${c.why}: ${c.sql.replace(/\s+/g, ' ')}`, () => {
      const result = classifySql(c.sql);
      assert.ok(
        !sqlClassExceeds(c.atLeast, result.class),
        `classified ${result.class}, must be at least ${c.atLeast}`,
      );
      for (const flag of c.flags ?? []) assert.equal(result.flags[flag], true, `flag ${flag}`);
      for (const fn of c.sideEffects ?? [])
        assert.ok(result.sideEffectFunctions.includes(fn), `side effect ${fn}`);
    });
});

describe('classifySql', () => {
  const cases: { sql: string; class: SqlClass; tables?: string[]; kinds?: string[]; count?: number }[] = [
    {
      sql: 'SELECT id, email FROM public.users WHERE id = 1',
      class: 'read',
      tables: ['public.users'],
      kinds: ['SelectStmt'],
    },
    {
      sql: 'SELECT * FROM payments.cards c JOIN users u ON u.id = c.user_id',
      class: 'read',
      tables: ['payments.cards', 'users'],
    },
    { sql: 'WITH recent AS (SELECT * FROM orders) SELECT * FROM recent', class: 'read', tables: ['orders'] },
    { sql: 'TABLE users', class: 'read', tables: ['users'] },
    { sql: 'SHOW search_path', class: 'read' },
    { sql: 'EXPLAIN DELETE FROM t', class: 'read', kinds: ['DeleteStmt', 'ExplainStmt'] },
    { sql: 'EXPLAIN (ANALYZE off) DELETE FROM t', class: 'read' },
    { sql: 'COPY users TO STDOUT', class: 'read' },
    { sql: 'SELECT now(), count(*) FROM users', class: 'read' },
    { sql: 'UPDATE users SET name = $1 WHERE id = $2', class: 'write', tables: ['users'] },
    { sql: 'INSERT INTO app.events (kind) VALUES (1)', class: 'write', tables: ['app.events'] },
    { sql: 'CREATE INDEX ON users (email)', class: 'ddl' },
    { sql: 'DROP TABLE payments.cards', class: 'ddl', tables: ['payments.cards'] },
    { sql: 'SELECT 1; SELECT 2', class: 'read', count: 2 },
  ];
  for (const c of cases)
    test(`${c.class}: ${c.sql}`, () => {
      const result = classifySql(c.sql);
      assert.equal(result.class, c.class);
      if (c.tables) assert.deepEqual(result.tables, [...c.tables].sort());
      if (c.kinds) assert.deepEqual(result.kinds, c.kinds);
      assert.equal(result.statementCount, c.count ?? 1);
    });

  test('reports functions and the statement list', () => {
    const result = classifySql(
      'SELECT lower(email), pg_catalog.now() FROM users; DELETE FROM t WHERE id = 1',
    );
    assert.deepEqual(result.functions, ['lower', 'pg_catalog.now']);
    assert.deepEqual(result.statements, [
      { kind: 'SelectStmt', class: 'read' },
      { kind: 'DeleteStmt', class: 'write' },
    ]);
    assert.equal(result.class, 'write');
    assert.equal(result.flags.deleteWithoutWhere, false);
  });

  test('a parse failure is coded and never repeats the text', () => {
    for (const sql of ["SELEC 'hunter2-secret'", "SELECT 'hunter2-secret", '', '   -- only a comment'])
      assert.throws(
        () => classifySql(sql),
        (e) => isGloveboxError(e, 'GBX_SQL_PARSE_FAILED') && !e.message.includes('hunter2'),
      );
  });

  test('survives deeply nested input', () => {
    const sql = `SELECT ${'('.repeat(2000)}1${')'.repeat(2000)}`;
    try {
      assert.equal(classifySql(sql).class, 'read');
    } catch (error) {
      assert.ok(isGloveboxError(error, 'GBX_SQL_PARSE_FAILED'));
    }
  });

  test('property: a write wrapped in a CTE, EXPLAIN ANALYZE or COPY is never read', () => {
    const table = fc.constantFrom('t', 's.t', 'public.users', '"Weird Name"');
    const write = fc.oneof(
      table.map((t) => `DELETE FROM ${t} RETURNING *`),
      table.map((t) => `UPDATE ${t} SET a = 1 RETURNING *`),
      table.map((t) => `INSERT INTO ${t} VALUES (1) RETURNING *`),
    );
    const wrapped = fc
      .tuple(write, fc.integer({ min: 0, max: 3 }))
      .map(
        ([w, how]) =>
          [
            `WITH x AS (${w}) SELECT * FROM x`,
            `EXPLAIN ANALYZE ${w}`,
            `COPY (${w}) TO STDOUT`,
            `SELECT 1; ${w}`,
          ][how]!,
      );
    fc.assert(
      fc.property(wrapped, (sql) => {
        assert.ok(sqlClassExceeds(classifySql(sql).class, 'read'), sql);
      }),
      { numRuns: 200 },
    );
  });

  test('property: any function from the side-effect list raises the class wherever it is called', () => {
    const fn = fc.constantFrom(
      'pg_terminate_backend',
      'set_config',
      'dblink_exec',
      'lo_unlink',
      'query_to_xml',
      'pg_read_file',
    );
    const place = fc.integer({ min: 0, max: 4 });
    fc.assert(
      fc.property(fn, place, (name, where) => {
        const call = `${name}(1)`;
        const sql = [
          `SELECT ${call}`,
          `SELECT * FROM t WHERE a = ${call}`,
          `SELECT * FROM ${call} AS x`,
          `SELECT (SELECT ${call})`,
          `SELECT CASE WHEN true THEN ${call} END`,
        ][where]!;
        assert.equal(classifySql(sql).class, 'admin', sql);
      }),
    );
  });
});

describe('redactSqlLiterals', () => {
  const cases: { sql: string; expected: string }[] = [
    {
      sql: "SELECT * FROM users WHERE email = 'a@b.example'",
      expected: 'SELECT * FROM users WHERE email = $1',
    },
    { sql: "ALTER ROLE app PASSWORD 'hunter2'", expected: 'ALTER ROLE app PASSWORD $1' },
    { sql: 'SELECT 42, 4.2, -7', expected: 'SELECT $1, $2, -$3' },
    {
      sql: "SELECT $$body$$, $t$tagged$t$, E'esc\\'aped', B'1010', X'ff'",
      expected: 'SELECT $1, $2, $3, $4, $5',
    },
    { sql: 'SELECT $1, $2, 5', expected: 'SELECT $1, $2, $3' },
    { sql: "SELECT 'é' -- token=abc\n, 1 /* secret */", expected: 'SELECT $1\n, $2' },
    { sql: "COPY t TO PROGRAM 'curl https://x'", expected: 'COPY t TO PROGRAM $1' },
    { sql: "SELECT 'unterminated", expected: '[statement withheld: it could not be tokenized]' },
  ];
  for (const c of cases)
    test(c.sql, () => {
      assert.equal(redactSqlLiterals(c.sql), c.expected);
    });

  test('property: no string literal survives', () => {
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 6, maxLength: 40 })
          .filter((s) => /^[A-Za-z0-9 @._-]+$/.test(s) && s.trim().length > 5),
        (secret) => {
          const sql = `SELECT * FROM t WHERE a = '${secret}' AND b = $$${secret}$$`;
          assert.ok(!redactSqlLiterals(sql).includes(secret.trim()));
        },
      ),
    );
  });
});
