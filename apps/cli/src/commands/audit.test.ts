import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VerifyReport } from '@glovebox/audit';
import { describeReport } from './audit.js';

const verified: VerifyReport = {
  ok: true,
  events: 166,
  checkpoints: 64,
  headSeq: 166,
  headHash: 'a'.repeat(64),
  unsignedTail: 0,
  keys: 'embedded',
  message: '166 event(s) and 64 checkpoint(s) verified',
};

test('an export verified with its own keys says that a re-signed file would pass too', () => {
  // docs/audit.md: embedded keys catch accidents and partial edits, only --key rules out a rewrite
  assert.match(
    describeReport(verified),
    /^ok: 166 events, [^\n]*\nchecked with the keys in the file itself: .*--key/,
  );
  assert.doesNotMatch(describeReport({ ...verified, keys: 'provided' }), /keys in the file/);
});
