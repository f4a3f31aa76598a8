import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { REDACT_ERROR_CODES } from './errors.js';
import { createRedactor, mergeCounts, RedactError, unsafeRegexReason } from './index.js';

test('custom detectors run with their validator and type', () => {
  const r = createRedactor({
    detectors: [
      { type: 'ACME_TOKEN', pattern: /acme_[a-z0-9]{12}/i, validate: (m) => !m.endsWith('000000000000') },
    ],
  });
  const { text, counts } = r.redactText('t=ACME_abcdef123456 keep acme_000000000000');
  assert.equal(text, 't=[REDACTED:ACME_TOKEN] keep acme_000000000000');
  assert.deepEqual(counts, { ACME_TOKEN: 1 });
});

test('a throwing validator fails closed (the match is masked)', () => {
  const r = createRedactor({
    detectors: [
      {
        type: 'X_ID',
        pattern: 'xid-\\d{6}',
        validate: () => {
          throw new Error('boom');
        },
      },
    ],
  });
  assert.equal(r.redactText('xid-123456').text, '[REDACTED:X_ID]');
});

const unsafe: Array<[string, string]> = [
  ['(a+)+$', 'nested'],
  ['(\\w+\\s?)*$', 'nested'],
  ['(a|ab)*c', 'alternation'],
  ['(a|a)+', 'alternation'],
  ['(a?)*b', 'nested'],
  ['\\d+\\d+x', 'adjacent'],
  ['.*.*=', 'adjacent'],
  ['(x)\\1', 'back-references'],
  ['(?<n>x)\\k<n>', 'back-references'],
];

test('patterns that can backtrack catastrophically are refused with a coded error', () => {
  for (const [pattern, why] of unsafe) {
    assert.throws(
      () => createRedactor({ detectors: [{ type: 'BAD', pattern }] }),
      (e: unknown) =>
        e instanceof RedactError && e.code === 'GBX_REDACT_UNSAFE_PATTERN' && e.message.includes(why),
      pattern,
    );
  }
});

test('ordinary patterns are accepted', () => {
  for (const p of [
    'acme_[a-z0-9]{32}',
    'ORD-\\d{4}-\\d{6}',
    '(?:foo|bar)-[A-F0-9]{8}',
    'k=[^\\s&]+',
    '\\b[A-Z]{3}\\d{9}\\b',
    '(?:\\d{3}-){2}\\d{4}',
  ])
    assert.equal(unsafeRegexReason(p), undefined, p);
});

test('invalid and empty-matching patterns, bad types and bad options are rejected', () => {
  const code = (fn: () => unknown, c: string): void => {
    assert.throws(fn, (e: unknown) => e instanceof RedactError && e.code === c);
  };
  code(() => createRedactor({ detectors: [{ type: 'X', pattern: '(' }] }), 'GBX_REDACT_INVALID_PATTERN');
  code(() => createRedactor({ detectors: [{ type: 'X', pattern: 'a*' }] }), 'GBX_REDACT_UNSAFE_PATTERN');
  code(() => createRedactor({ detectors: [{ type: 'lower', pattern: 'x' }] }), 'GBX_REDACT_INVALID_OPTIONS');
  code(() => createRedactor({ fingerprintKey: 'short' }), 'GBX_REDACT_INVALID_OPTIONS');
  code(() => createRedactor({ allow: [/(a+)+/] }), 'GBX_REDACT_UNSAFE_PATTERN');
  assert.throws(() => createRedactor({ level: 'lax' as 'strict' }), TypeError);
  assert.throws(
    () => createRedactor({ detectors: [{ type: 'X', pattern: 5 as unknown as string }] }),
    TypeError,
  );
  assert.throws(() => createRedactor({ budget: { maxNodes: 0 } }), TypeError);
});

test('allow-listed values are never redacted, in text and in values', () => {
  const r = createRedactor({ allow: ['support@example.com', /noreply-\d+@example\.com/] });
  assert.equal(
    r.redactText('support@example.com noreply-7@example.com eve@example.com').text,
    'support@example.com noreply-7@example.com [REDACTED:EMAIL]',
  );
  assert.deepEqual(r.redactValue({ password: 'support@example.com' }).value, {
    password: 'support@example.com',
  });
});

test('fingerprints are keyed, stable and correlate equal values', () => {
  const a = createRedactor({ fingerprintKey: 'deployment-key-0123456789' });
  const b = createRedactor({ fingerprintKey: 'another-deployment-key-xyz' });
  const t1 = a.redactText('x alice@example.com y alice@example.com z bob@example.com').text;
  const m = [...t1.matchAll(/\[EMAIL:([0-9a-f]{6})\]/g)].map((x) => x[1]);
  assert.equal(m.length, 3);
  assert.equal(m[0], m[1]);
  assert.notEqual(m[0], m[2]);
  assert.equal(a.redactText('alice@example.com').text, `[EMAIL:${m[0]}]`);
  assert.notEqual(b.redactText('alice@example.com').text, `[EMAIL:${m[0]}]`);
  assert.ok(!t1.includes('alice'));
});

test('sensitive keys: built-in and deployment-supplied, compared across naming styles', () => {
  const r = createRedactor({ sensitiveKeys: ['internalRef'] });
  for (const k of [
    'password',
    'DB_PASSWORD',
    'dbPassword',
    'x-api-key',
    'client_secret',
    'accessToken',
    'Authorization',
    'Cookie',
    'JSESSIONID',
    'INTERNAL_REF',
  ])
    assert.equal(r.isSensitiveKey(k), true, k);
  for (const k of [
    'token_count',
    'password_length',
    'user_id',
    'keyboard',
    'name',
    'max_tokens',
    'keys',
    'cache_key',
  ])
    assert.equal(r.isSensitiveKey(k), false, k);
  assert.equal(
    r.redactText('internal_ref=REF-1 other=REF-2').text,
    'internal_ref=[REDACTED:SECRET] other=REF-2',
  );
  assert.equal(createRedactor({ level: 'strict' }).isSensitiveKey('first_name'), true);
  assert.equal(r.isSensitiveKey('first_name'), false);
});

test('mergeCounts adds counts and ignores __proto__', () => {
  const into = { EMAIL: 1 };
  assert.deepEqual(mergeCounts(into, { EMAIL: 2, JWT: 1 }), { EMAIL: 3, JWT: 1 });
  mergeCounts(into, JSON.parse('{"__proto__": 5}') as Record<string, number>);
  assert.equal(Object.getPrototypeOf(into), Object.prototype);
});

test('API misuse throws TypeError', () => {
  const r = createRedactor();
  assert.throws(() => r.redactText(5 as unknown as string), TypeError);
  assert.throws(() => r.isSensitiveKey(undefined as unknown as string), TypeError);
});

test('every code the engine throws is in the error registry document', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  for (const code of REDACT_ERROR_CODES) assert.match(doc, new RegExp(`^\\| \`${code}\`\\s*\\| 400 `, 'm'));
  const srcDir = new URL('../src/', import.meta.url);
  const sources = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
  );
  assert.ok(sources.length > 10);
  const literals = new Set(
    sources.flatMap((f) =>
      [...readFileSync(new URL(f, srcDir), 'utf8').matchAll(/'(GBX_[A-Z_]+)'/g)].map((m) => m[1]),
    ),
  );
  assert.ok(literals.size >= 3);
  for (const code of literals) assert.ok((REDACT_ERROR_CODES as readonly string[]).includes(code!), code);
});
