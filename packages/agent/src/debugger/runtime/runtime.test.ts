import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { types } from 'node:util';
import { createProbeRuntime } from './runtime.js';
import type { CaptureBudgets, RuntimeMessage } from './types.js';
import { NameTable, parseExpression, parseTemplate } from '../expression.js';

const budgets: CaptureBudgets = {
  maxFrames: 10,
  maxDepth: 3,
  maxFields: 20,
  maxItems: 100,
  maxStringLength: 255,
  maxBytes: 65_536,
  maxTimeMs: 50,
};

function runtime(messages: RuntimeMessage[] = []) {
  return createProbeRuntime(
    { globalPerSecond: 1000, sensitiveKeys: ['internalRef'] },
    (m) => messages.push(m),
    types,
  );
}

describe('serializer budgets on hostile values', () => {
  const rt = runtime();

  test('cycles are marked, not followed', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    a['list'] = [a];
    const r = rt.serialize(a, budgets);
    assert.deepEqual(r.value, { name: 'a', self: { '@type': 'cycle' }, list: [{ '@type': 'cycle' }] });
  });

  test('getters are never called, even throwing ones', () => {
    let called = 0;
    const o = {
      plain: 1,
      get boom(): number {
        called++;
        throw new Error('getter ran');
      },
    };
    const r = rt.serialize(o, budgets);
    assert.equal(called, 0);
    assert.deepEqual(r.value, { plain: 1, boom: { '@type': 'accessor' } });
  });

  test('Proxies are shown opaque and no trap runs', () => {
    let traps = 0;
    const handler: ProxyHandler<object> = new Proxy(
      {},
      {
        get() {
          traps++;
          return () => {
            traps++;
            throw new Error('trap');
          };
        },
      },
    );
    const p = new Proxy({ secret: 1 }, handler);
    const r = rt.serialize({ p, fn: new Proxy(() => 1, handler) }, budgets);
    assert.equal(traps, 0);
    assert.deepEqual(r.value, { p: { '@type': 'Proxy' }, fn: { '@type': 'Proxy' } });
  });

  test('huge arrays, Maps and Sets are cut at maxItems and marked', () => {
    const big = Array.from({ length: 1_000_000 }, (_, i) => i);
    const r = rt.serialize(
      { big, map: new Map(big.slice(0, 500).map((i) => [i, i])), set: new Set(big.slice(0, 500)) },
      budgets,
    );
    const v = r.value as {
      big: unknown[];
      map: { size: number; entries: unknown[] };
      set: { size: number; values: unknown[] };
    };
    assert.equal(v.big.length, 101);
    assert.deepEqual(v.big[100], { '@omitted': 999_900 });
    assert.equal(v.map.size, 500);
    assert.equal(v.map.entries.length, 100);
    assert.equal(v.set.values.length, 100);
    assert.equal(r.truncated.items, 3);
  });

  test('very long strings are cut and marked with their length', () => {
    const r = rt.serialize({ s: 'x'.repeat(10_000_000) }, budgets);
    assert.deepEqual(r.value, { s: { '@truncated': 'string', value: 'x'.repeat(255), length: 10_000_000 } });
    assert.equal(r.truncated.strings, 1);
  });

  test('depth, fields and total bytes are bounded', () => {
    const deep = { a: { b: { c: { d: { e: 1 } } } } };
    assert.deepEqual(rt.serialize(deep, budgets).value, {
      a: { b: { c: { '@truncated': 'depth', '@type': 'Object' } } },
    });
    const wide = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    const w = rt.serialize(wide, budgets);
    assert.equal((w.value as Record<string, unknown>)['@omitted'], 30);
    assert.equal(w.truncated.fields, 1);
    const heavy = Array.from({ length: 100 }, () => 'y'.repeat(250));
    const h = rt.serialize({ heavy }, { ...budgets, maxBytes: 2000 });
    assert.ok(h.truncated.bytes > 0);
    assert.ok(JSON.stringify(h.value).length < 4000);
  });

  test('sensitive keys are masked in objects and Maps, process.env wholesale', () => {
    const r = rt.serialize(
      {
        password: 'p',
        nested: { apiKey: 'k', 'x-auth-token': 't', internalRef: 'configured', ok: 'fine' },
        m: new Map([['authorization', 'Bearer abc']]),
        env: process.env,
      },
      budgets,
    );
    assert.deepEqual(r.value, {
      password: '[REDACTED]',
      nested: { apiKey: '[REDACTED]', 'x-auth-token': '[REDACTED]', internalRef: '[REDACTED]', ok: 'fine' },
      m: { '@type': 'Map', size: 1, entries: [['authorization', '[REDACTED]']] },
      env: '[REDACTED]',
    });
    assert.equal(r.redacted, 6);
  });

  test('exotic values serialize safely', () => {
    class Order {
      id = 7;
    }
    const r = rt.serialize(
      {
        order: new Order(),
        big: 10n,
        sym: Symbol('s'),
        nan: NaN,
        undef: undefined,
        date: new Date(0),
        re: /a+b/gi,
        buf: Buffer.from('secret bytes'),
        err: new TypeError('bad'),
        fn: function named() {},
        nullProto: Object.create(null) as object,
      },
      budgets,
    );
    assert.deepEqual(r.value, {
      order: { '@class': 'Order', id: 7 },
      big: { '@type': 'bigint', value: '10' },
      sym: { '@type': 'symbol', description: 's' },
      nan: { '@type': 'number', value: 'NaN' },
      undef: { '@type': 'undefined' },
      date: { '@type': 'Date', value: '1970-01-01T00:00:00.000Z' },
      re: { '@type': 'RegExp', source: 'a+b', flags: 'gi' },
      buf: { '@type': 'Buffer', length: 12 },
      err: r.value && (r.value as { err: unknown }).err,
      fn: { '@type': 'function', name: 'named' },
      nullProto: { '@class': 'Object' },
    });
    const err = (r.value as { err: Record<string, unknown> }).err;
    assert.equal(err['@class'], 'TypeError');
    assert.equal(err['message'], 'bad');
  });

  test('the time budget stops a huge walk', () => {
    const wide = Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => ({ a: 1, b: 'x' })));
    const r = rt.serialize(wide, { ...budgets, maxTimeMs: 0, maxBytes: 1e9 });
    assert.equal(r.truncated.time, 1);
  });
});

describe('probes in the runtime', () => {
  const spec = (extra: object) => ({
    id: 1,
    gen: 1,
    kind: 'logpoint' as const,
    names: ['user', 'password', 'n'],
    localCount: 3,
    capturedCount: 3,
    sensitive: [1],
    perSecond: 1000,
    maxCaptures: 1e9,
    cpuBudgetMsPerSecond: 1000,
    hitOverheadMs: 0,
    everyHit: false,
    budgets,
    ...extra,
  });

  test('a template reads data properties only and masks sensitive names', () => {
    const messages: RuntimeMessage[] = [];
    const rt = runtime(messages);
    const names = new NameTable(['user', 'password', 'n']);
    let getterRuns = 0;
    const user = {
      name: 'ann',
      token: 'tkn',
      get computed() {
        getterRuns++;
        return 1;
      },
    };
    const template = parseTemplate(
      'u={user.name} t={user.token} c={user.computed} p={password} n+1={n + 1} len={user.name.length}',
      names,
    );
    rt.add(spec({ template, names: names.names }));
    const values = [user, 'pw', 41];
    rt.hit(1, (i) => values[i]);
    assert.equal(getterRuns, 0);
    const m = messages[0];
    assert.ok(m?.t === 'log');
    assert.equal(m.line, 'u=ann t=[REDACTED] c=[unavailable] p=[REDACTED] n+1=42 len=3');
  });

  test('a reader that throws (unbound name, TDZ) never reaches the application', () => {
    const messages: RuntimeMessage[] = [];
    const rt = runtime(messages);
    rt.add(spec({ kind: 'snapshot', maxCaptures: 1 }));
    assert.doesNotThrow(() =>
      rt.hit(1, () => {
        throw new ReferenceError('not bound');
      }),
    );
    assert.equal(messages[0]?.t, 'cap');
  });

  test('maxCaptures switches the probe off; removed probes ignore hits', () => {
    const messages: RuntimeMessage[] = [];
    const rt = runtime(messages);
    rt.add(spec({ kind: 'snapshot', maxCaptures: 1 }));
    for (let i = 0; i < 5; i++) rt.hit(1, () => i);
    assert.deepEqual(
      messages.map((m) => m.t),
      ['cap', 'off'],
    );
    assert.equal(rt.c[1], 0);
  });

  test('rate limit drops and counts', () => {
    const messages: RuntimeMessage[] = [];
    const rt = runtime(messages);
    rt.add(spec({ perSecond: 1, template: ['x'] }));
    for (let i = 0; i < 50; i++) rt.hit(1, () => i);
    assert.equal(messages.length, 1);
    assert.equal(rt.stats()[1]?.dropped, 49);
  });

  test('conditions evaluate without calls and treat masked values as false', () => {
    const names = new NameTable(['user', 'password', 'n']);
    const messages: RuntimeMessage[] = [];
    const rt = runtime(messages);
    rt.add(
      spec({ id: 2, template: ['hit'], condition: parseExpression('n > 10 && password == "pw"', names) }),
    );
    rt.add(spec({ id: 3, template: ['hit'], condition: parseExpression('n > 10', names) }));
    rt.hit(2, (i) => [{}, 'pw', 11][i]);
    rt.hit(3, (i) => [{}, 'pw', 11][i]);
    rt.hit(3, (i) => [{}, 'pw', 1][i]);
    assert.deepEqual(
      messages.map((m) => m.id),
      [3],
    );
  });
});

describe('restricted expression language', () => {
  const cases: Array<[string, boolean]> = [
    ['a.b.c', true],
    ['a?.b[0]["k"]', true],
    ['!(a == 1) || b >= 2.5', true],
    ['-a + 3 * 2 % 4', true],
    ['this.x', true],
    ['a()', false],
    ['a.b()', false],
    ['a = 1', false],
    ['new X', false],
    ['a[b]', false],
    ['typeof a', false],
    ['`t`', false],
    ['a; b', false],
    ['x => x', false],
    ['', false],
  ];
  for (const [text, ok] of cases) {
    test(`${ok ? 'accepts' : 'refuses'} ${JSON.stringify(text)}`, () => {
      const run = () => parseExpression(text, new NameTable([]));
      if (ok) assert.doesNotThrow(run);
      else assert.throws(run, (e: { code?: string }) => e.code === 'GBX_DEBUG_EXPRESSION_INVALID');
    });
  }

  test('templates keep literal braces', () => {
    const parts = parseTemplate('{{literal}} {a}', new NameTable([]));
    assert.equal(parts[0], '{literal} ');
    assert.equal(parts.length, 2);
  });
});
