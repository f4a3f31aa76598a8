import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { maskQuotedText } from './literals.js';
import { collectSqlReferences } from './references.js';
import {
  maskedColumnsRead,
  parseCatalogAnswer,
  resolveSqlClass,
  type CatalogFunction,
} from './resolution.js';

function fn(overrides: Partial<CatalogFunction>): CatalogFunction {
  return {
    oid: 20_000,
    schema: 'app',
    name: 'f',
    kind: 'f',
    volatility: 'v',
    securityDefiner: false,
    builtin: false,
    executable: true,
    via: ['named'],
    ...overrides,
  };
}

describe('collectSqlReferences', () => {
  test('every identifier is a candidate function name, whatever node holds it', () => {
    const refs = collectSqlReferences(
      'SELECT (pid).pg_terminate_backend, t.f, x::app.box FROM s.t TABLESAMPLE system (1) ORDER BY a USING ~<~',
    );
    for (const name of ['pg_terminate_backend', 'f', 'box', 'system', 'pid'])
      assert.ok(refs.identifiers.includes(name), name);
    assert.ok(refs.operators.includes('~<~'));
    assert.ok(refs.operators.includes('='), 'implied comparison operators');
    assert.deepEqual(refs.relations, [{ schema: 's', name: 't', written: false }]);
  });

  test('written relations are marked, read ones are not', () => {
    const refs = collectSqlReferences('INSERT INTO a.t SELECT * FROM b.u');
    const byName = Object.fromEntries(refs.relations.map((r) => [r.name, r.written]));
    assert.deepEqual(byName, { t: true, u: false });
    assert.equal(refs.wholeRows, true);
    for (const sql of ['UPDATE t SET a = 1', 'DELETE FROM t', 'COPY t FROM STDIN', 'TRUNCATE t'])
      assert.equal(collectSqlReferences(sql).relations[0]?.written, true, sql);
    assert.equal(collectSqlReferences('COPY t TO STDOUT').relations[0]?.written, false);
  });
});

describe('resolveSqlClass', () => {
  const cases: { fn: Partial<CatalogFunction>; expect: string }[] = [
    { fn: { name: 'pg_terminate_backend', builtin: true }, expect: 'admin' },
    { fn: { name: 'pg_read_file', builtin: true, via: ['named'] }, expect: 'admin' },
    { fn: { name: 'random', builtin: true }, expect: 'read' },
    { fn: { name: 'pg_stat_get_xact_numscans', builtin: true }, expect: 'read' },
    { fn: { name: 'some_new_builtin', builtin: true }, expect: 'admin' },
    { fn: { name: 'RI_FKey_check_ins', builtin: true, via: ['trigger'] }, expect: 'write' },
    { fn: { name: 'table_to_xml', builtin: true, volatility: 's' }, expect: 'admin' },
    { fn: { name: 'lower', builtin: true, volatility: 'i' }, expect: 'read' },
    { fn: { name: 'calc', volatility: 's' }, expect: 'read' },
    { fn: { name: 'calc', volatility: 's', securityDefiner: true }, expect: 'admin' },
    { fn: { name: 'purge' }, expect: 'admin' },
    { fn: { name: 'purge', executable: false }, expect: 'read' },
    { fn: { name: 'purge', executable: false, via: ['trigger'] }, expect: 'admin' },
    { fn: { name: 'dblink_exec', volatility: 's' }, expect: 'admin' },
  ];
  for (const c of cases)
    test(`${JSON.stringify(c.fn)} -> ${c.expect}`, () => {
      assert.equal(resolveSqlClass('read', { functions: [fn(c.fn)], columns: [] }).class, c.expect);
    });

  test('the configuration classifies first, by qualified or bare name', () => {
    const answer = { functions: [fn({ name: 'purge' })], columns: [] };
    assert.equal(resolveSqlClass('read', answer, { 'app.purge': 'write' }).class, 'write');
    assert.equal(resolveSqlClass('read', answer, { purge: 'read' }).class, 'read');
  });

  test('never below the parse class, and names what raised it', () => {
    const r = resolveSqlClass('write', { functions: [fn({ name: 'purge', via: ['default'] })], columns: [] });
    assert.equal(r.class, 'admin');
    assert.match(r.reasons[0]!, /app\.purge \(default\) is admin/);
    assert.equal(resolveSqlClass('ddl', { functions: [], columns: [] }).class, 'ddl');
  });

  test('a malformed answer is refused', () => {
    for (const row of [null, {}, { functions: [{}], columns: [] }, { functions: [], columns: [{ name: 1 }] }])
      assert.equal(parseCatalogAnswer(row), null);
  });
});

describe('maskedColumnsRead', () => {
  const columns = [
    { relation: 1, attnum: 1, name: 'id' },
    { relation: 1, attnum: 2, name: 'secret' },
  ];
  const isSensitive = (name: string) => name === 'secret' || name === 'token';
  const read = (sql: string) => maskedColumnsRead(collectSqlReferences(sql), columns, isSensitive);
  test('names, stars and whole rows', () => {
    assert.deepEqual(read('SELECT id FROM t'), []);
    assert.deepEqual(read('SELECT secret::int FROM t'), ['secret']);
    assert.deepEqual(read('SELECT * FROM t'), ['secret']);
    assert.deepEqual(read('SELECT t::text FROM t'), ['secret']);
    assert.deepEqual(read('SELECT row_to_json(x) FROM t x'), ['secret']);
    const other = [{ relation: 2, attnum: 1, name: 'token' }];
    assert.deepEqual(maskedColumnsRead(collectSqlReferences('SELECT token FROM o'), other, isSensitive), [
      'token',
    ]);
  });
});

describe('maskQuotedText', () => {
  test('every quoted span, both quotes, doubled quotes inside', () => {
    const { text, count } = maskQuotedText(
      `invalid input syntax for type integer: "hunter2" near 'it''s' and "a""b"`,
      'X',
    );
    assert.equal(text, `invalid input syntax for type integer: "X" near 'X' and "X"`);
    assert.equal(count, 3);
  });

  test('property: no quoted value survives', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('"', "'"), (value, quote) => {
        const inner = value.replaceAll(quote, quote + quote);
        const { text } = maskQuotedText(`error: ${quote}${inner}${quote} end`, '[M]');
        assert.equal(text, `error: ${quote}[M]${quote} end`);
      }),
    );
  });
});
