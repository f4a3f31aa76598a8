import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGloveboxError } from '@glovebox/core';
import { prepareAction } from './action-context.js';

test('an argv the gateway refuses is explained by the limit it broke', () => {
  for (const [argv, limit] of [
    [[], /1 to 256 arguments/],
    [Array.from({ length: 257 }, () => 'x'), /1 to 256 arguments/],
    [['echo', 'a'.repeat(4097)], /at most 4096 characters each/],
    [['echo', 42], /strings/],
  ] as const) {
    assert.throws(
      () => prepareAction('exec', { argv }, null),
      (e) => isGloveboxError(e, 'GBX_REQUEST_INVALID') && limit.test(e.message),
      String(limit),
    );
  }
});
