import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor } from './index.js';

const r = createRedactor();

test('masks by key name and by value, keeping the shape', () => {
  const input = {
    user: { id: 7, email: 'ada@example.com', password: 'correct horse' },
    headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1; theme=dark', 'x-request-id': 'req-1' },
    env: { DB_PASSWORD: 'pw123456', DATABASE_URL: 'postgres://app:s3cret99@db/app', NODE_ENV: 'production' },
    query: 'page=2&access_token=AbC123xYz789',
    rows: [{ ssn: '536-22-8741', note: 'card 4111 1111 1111 1111' }],
  };
  const { value, counts } = r.redactValue(input);
  assert.deepEqual(value, {
    user: { id: 7, email: '[REDACTED:EMAIL]', password: '[REDACTED:PASSWORD]' },
    headers: {
      authorization: 'Bearer [REDACTED:AUTHORIZATION]',
      cookie: '[REDACTED:COOKIE]',
      'x-request-id': 'req-1',
    },
    env: {
      DB_PASSWORD: '[REDACTED:PASSWORD]',
      DATABASE_URL: 'postgres://app:[REDACTED:PASSWORD]@db/app',
      NODE_ENV: 'production',
    },
    query: 'page=2&access_token=[REDACTED:TOKEN]',
    rows: [{ ssn: '[REDACTED:US_SSN]', note: 'card [REDACTED:CREDIT_CARD]' }],
  });
  assert.deepEqual(counts, {
    EMAIL: 1,
    PASSWORD: 3,
    AUTHORIZATION: 1,
    COOKIE: 1,
    TOKEN: 1,
    US_SSN: 1,
    CREDIT_CARD: 1,
  });
  assert.equal(input.user.password, 'correct horse', 'input untouched');
});

test('everything under a sensitive key is masked, nested values included', () => {
  const { value } = r.redactValue({ credentials: { user: 'svc', pass: 'x9y8z7', list: ['a1b2c3', 42] } });
  assert.deepEqual(value, {
    credentials: {
      user: '[REDACTED:SECRET]',
      pass: '[REDACTED:PASSWORD]',
      list: ['[REDACTED:SECRET]', '[REDACTED:SECRET]'],
    },
  });
});

test('output is JSON-safe: Map, Set, BigInt, Date, Error, binary, functions, symbols, undefined', () => {
  const err = new Error('failed for bob@example.com');
  const { value } = r.redactValue({
    m: new Map<unknown, unknown>([
      ['api_key', 'k-123456789abcdef0XYZ'],
      ['n', 1],
    ]),
    objKeys: new Map<unknown, unknown>([[{ a: 1 }, 'v']]),
    s: new Set(['x', 'eve@example.com']),
    b: 12345678901234567890n,
    d: new Date(0),
    e: err,
    buf: Buffer.from('secret bytes'),
    f: function namedFn() {},
    sym: Symbol('tag'),
    u: undefined,
    arr: [undefined, NaN, Infinity],
  });
  assert.doesNotThrow(() => JSON.stringify(value));
  const v = value as Record<string, unknown>;
  assert.deepEqual(v.m, { api_key: '[REDACTED:API_KEY]', n: 1 });
  assert.deepEqual(v.objKeys, [[{ a: 1 }, 'v']]);
  assert.deepEqual(v.s, ['x', '[REDACTED:EMAIL]']);
  assert.equal(v.b, '12345678901234567890');
  assert.equal(v.d, '1970-01-01T00:00:00.000Z');
  assert.equal((v.e as Record<string, unknown>).message, 'failed for [REDACTED:EMAIL]');
  assert.ok(!String((v.e as Record<string, unknown>).stack).includes('bob@example.com'));
  assert.equal(v.buf, '[Binary 12 bytes]');
  assert.equal(v.f, '[Function namedFn]');
  assert.equal(v.sym, 'Symbol(tag)');
  assert.ok(!('u' in v));
  assert.deepEqual(v.arr, [null, 'NaN', 'Infinity']);
});

test('cycles are marked, not followed; shared references are copied', () => {
  const a: Record<string, unknown> = { name: 'a' };
  a.self = a;
  const shared = { x: 1 };
  const { value } = r.redactValue({ a, p: shared, q: shared });
  assert.deepEqual(value, { a: { name: 'a', self: '[Circular]' }, p: { x: 1 }, q: { x: 1 } });
});

test('budgets bound work on huge, deep and long inputs', () => {
  const tight = createRedactor({ budget: { maxNodes: 50, maxDepth: 3, maxStringLength: 100 } });
  const wide = tight.redactValue(Array.from({ length: 1000 }, (_, i) => i)).value as unknown[];
  assert.ok(wide.length <= 51);
  assert.equal(wide[wide.length - 1], '[Truncated]');
  const deep = tight.redactValue({ a: { b: { c: { d: 1 } } } }).value;
  assert.deepEqual(deep, { a: { b: { c: '[MaxDepth]' } } });
  const secret = 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789';
  const long = tight.redactValue('x'.repeat(90) + ' ' + secret + ' tail '.repeat(100)).value as string;
  assert.ok(!long.includes('ghp_aBcD'), 'a secret straddling the cut is masked whole');
  assert.ok(long.includes('[REDACTED:GITHUB_TOKEN]'));
  assert.match(long, /…\[Truncated \d+ chars\]$/);
});

test('getters are not invoked and proxies are not entered', () => {
  let called = false;
  const obj = {
    get boom(): string {
      called = true;
      return 'x';
    },
  };
  const proxy = new Proxy(
    {},
    {
      ownKeys: () => {
        called = true;
        return [];
      },
    },
  );
  const { value } = r.redactValue({ obj, proxy });
  assert.equal(called, false);
  assert.deepEqual(value, { obj: { boom: '[Getter]' }, proxy: '[Unreadable]' });
});

test('keys holding secrets are masked too, without collisions or prototype pollution', () => {
  const { value } = r.redactValue({ 'a@example.com': 1, 'b@example.com': 2, ['__proto__']: 3 });
  assert.deepEqual(
    Object.keys(value as object).sort(),
    ['[REDACTED:EMAIL]', '[REDACTED:EMAIL]#2', '__proto__'].sort(),
  );
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  const inherited = { toString: 'x', constructor: 1, hasOwnProperty: 2, valueOf: { a: 'b' } };
  const copy = r.redactValue(inherited).value as Record<string, unknown>;
  assert.deepEqual(
    Object.entries(copy),
    Object.entries(inherited),
    'names Object.prototype has are own keys',
  );
});

test('attack: plural and list-shaped key names hold secrets too', () => {
  const input = {
    passwords: 'hunter2hunter2',
    tokens: ['Zx81kQp0LmN3vB7t'],
    refresh_tokens: ['abcdefabcdef'],
    apiKeys: ['abcdefgh'],
    db_passwords: { primary: 'pw-one-1', replica: 'pw-two-2' },
    password_list: ['x1y2z3w4'],
    TOKEN_HISTORY: ['q9w8e7r6'],
    userpasswords: 'zz-top-99',
    secretKeys: ['k1k2k3k4'],
  };
  const { value } = r.redactValue(input);
  const flat = JSON.stringify(value);
  for (const clear of [
    'hunter2',
    'Zx81kQp0LmN3vB7t',
    'abcdefabcdef',
    'abcdefgh',
    'pw-one-1',
    'pw-two-2',
    'x1y2z3w4',
    'q9w8e7r6',
    'zz-top-99',
    'k1k2k3k4',
  ])
    assert.ok(!flat.includes(clear), `${clear} came out in clear: ${flat}`);
  // counts of tokens (language-model usage, tokenizers) are not credentials
  const usage = {
    tokens: 812,
    prompt_tokens: 812,
    completion_tokens: 64,
    total_tokens: 876,
    max_tokens: 4096,
    keys: 3,
  };
  assert.deepEqual(r.redactValue(usage).value, usage);
});
