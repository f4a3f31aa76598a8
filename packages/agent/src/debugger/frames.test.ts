import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnWithoutHooks } from './frames.js';

const hook = { offset: 0, line: 4, column: 2, text: 'x'.repeat(260) };

test('a frame inside a hook reports the probed statement, never a negative column (was -260)', () => {
  // 1-based columns from V8: the hook occupies columns 3..262 of line 5 (zero-based line 4).
  assert.equal(columnWithoutHooks([hook], 5, 3 + 100), 3);
  assert.equal(columnWithoutHooks([hook], 5, 3), 3);
});

test('positions after a hook move back by its length; other lines and earlier columns stay', () => {
  assert.equal(columnWithoutHooks([hook], 5, 3 + 260 + 7), 3 + 7);
  assert.equal(columnWithoutHooks([hook], 5, 2), 2);
  assert.equal(columnWithoutHooks([hook], 6, 300), 300);
});

test('two hooks on one line', () => {
  const second = { offset: 0, line: 4, column: 20, text: 'y'.repeat(50) };
  // In original columns the second statement starts at 21; in V8's copy after the first hook.
  assert.equal(columnWithoutHooks([hook, second], 5, 21 + 260 + 10), 21);
  assert.equal(columnWithoutHooks([hook, second], 5, 21 + 260 + 50 + 4), 25);
});
