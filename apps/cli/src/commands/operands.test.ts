import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGloveboxError } from '@glovebox/core';
import { isSessionId, splitSessionOperands } from './common.js';
import { splitExecOperands } from './exec-query.js';

const usageError = (e: unknown) => isGloveboxError(e, 'GBX_USAGE');

test('an action takes an optional leading session before its own operands', () => {
  assert.deepEqual(splitSessionOperands(['src/a.ts:3'], 1, 'x'), {
    session: undefined,
    rest: ['src/a.ts:3'],
  });
  assert.deepEqual(splitSessionOperands(['web-1', 'src/a.ts:3'], 1, 'x'), {
    session: 'web-1',
    rest: ['src/a.ts:3'],
  });
  assert.throws(() => splitSessionOperands(['a', 'b', 'c'], 1, 'x'), usageError);
  assert.throws(() => splitSessionOperands([], 2, 'x'), usageError);
});

test('session ids are told apart from target names by their shape', () => {
  assert.equal(isSessionId('ses_0123456789abcdef'), true);
  assert.equal(isSessionId('checkout-prod'), false);
  assert.equal(isSessionId('ses_short'), false);
});

test('exec: what stands before -- names the session; without --, only a session id does', () => {
  const argv = (...a: string[]) => ['node', 'glovebox', 'exec', ...a];
  assert.deepEqual(splitExecOperands(['uptime'], argv('--', 'uptime')), {
    session: undefined,
    argv: ['uptime'],
  });
  assert.deepEqual(splitExecOperands(['web-1', 'df', '-h'], argv('web-1', '--', 'df', '-h')), {
    session: 'web-1',
    argv: ['df', '-h'],
  });
  assert.deepEqual(
    splitExecOperands(['web-1', 'grep', '--', 'x'], argv('web-1', '--', 'grep', '--', 'x')),
    { session: 'web-1', argv: ['grep', '--', 'x'] },
    'a second -- belongs to the command',
  );
  assert.deepEqual(
    splitExecOperands(['ses_0123456789abcdef', 'uptime'], argv('ses_0123456789abcdef', 'uptime')),
    {
      session: 'ses_0123456789abcdef',
      argv: ['uptime'],
    },
  );
  assert.deepEqual(splitExecOperands(['uptime'], argv('uptime')), { session: undefined, argv: ['uptime'] });
  assert.throws(() => splitExecOperands(['a', 'b', 'ls'], argv('a', 'b', '--', 'ls')), usageError);
  assert.throws(() => splitExecOperands(['web-1'], argv('web-1', '--')), usageError);
});
