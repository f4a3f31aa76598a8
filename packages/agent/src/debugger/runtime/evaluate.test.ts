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
