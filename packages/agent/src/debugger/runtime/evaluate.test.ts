import { test } from 'node:test';
import assert from 'node:assert/strict';
import { types } from 'node:util';
import { evaluateForEval } from './evaluate.js';
import { captureIntrinsics } from './intrinsics.js';
import { createSensitiveKeys } from './sensitive.js';

const I = captureIntrinsics(types);
const keys = createSensitiveKeys([]);
const sentinels = { masked: {}, unsafe: {} };
const budgets = {
  maxFrames: 5,
  maxDepth: 3,
  maxFields: 1e6,
  maxItems: 1e6,
  maxStringLength: 100,
  maxBytes: 1e9,
};
const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, { i, s: 'x'.repeat(20) }]));
const readWide = { node: { k: 'id' as const, i: 0 }, names: ['wide'], sensitive: [] };

test('an eval past its time budget hands back no value: the refusal does not pay for turning it into JSON', () => {
  const over = evaluateForEval(I, keys, sentinels, readWide, () => wide, { ...budgets, maxTimeMs: -1 });
  assert.ok(over.ok);
  assert.ok((over.truncated.time ?? 0) > 0, 'the time budget was hit');
  assert.equal(over.value, null);
  const within = evaluateForEval(I, keys, sentinels, readWide, () => wide, { ...budgets, maxTimeMs: 60_000 });
  assert.ok(within.ok);
  assert.equal(within.truncated.time ?? 0, 0);
  assert.equal(Object.keys(within.value as object).length, 500, 'within the budget the value is whole');
});

// An outside pass read an e-mail address out one character at a time (`{email[0]}_{email[1]}…`,
// each piece too short for the output's detectors) and used `email[0] == 'a'` as an oracle; a card
// number held as a number splits the same way with arithmetic (`n % 1e8`).
test('attack: a string cannot be taken apart, nor a card-shaped number split, to pass the redactor', () => {
  const scope: Record<string, unknown> = { email: 'ada@example.com', n: 4111111111111111, amount: 433.71 };
  const names = Object.keys(scope);
  const read = (i: number) => scope[names[i]!];
  const id = (name: string) => ({ k: 'id' as const, i: names.indexOf(name) });
  const lit = (v: string | number) => ({ k: 'lit' as const, v });
  const run = (node: unknown) => {
    const out = evaluateForEval(I, keys, sentinels, { node: node as never, names, sensitive: [] }, read, {
      ...budgets,
      maxTimeMs: 60_000,
    });
    assert.ok(out.ok);
    return out.value;
  };
  const unavailable = { '@type': 'unavailable' };
  assert.deepEqual(run({ k: 'get', o: id('email'), p: lit(0) }), unavailable, 'a character by index');
  assert.deepEqual(run({ k: 'bin', op: '<', a: id('email'), b: lit('b') }), unavailable, 'a string ordered');
  assert.deepEqual(
    run({ k: 'bin', op: '*', a: id('email'), b: lit(1) }),
    unavailable,
    'a string in arithmetic',
  );
  assert.equal(run({ k: 'bin', op: '%', a: id('n'), b: lit(1e8) }), '[REDACTED]', 'a card number split');
  assert.equal(run(id('n')), '[REDACTED]');
  // what conditions need keeps working
  assert.equal(run({ k: 'get', o: id('email'), p: lit('length') }), 15);
  assert.equal(run({ k: 'bin', op: '==', a: id('email'), b: lit('ada@example.com') }), true);
  assert.equal(run({ k: 'bin', op: '>', a: id('amount'), b: lit(100) }), true);
  assert.equal(run({ k: 'bin', op: '+', a: id('email'), b: lit('!') }), 'ada@example.com!');
});
