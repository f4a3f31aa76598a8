import { test } from 'node:test';
import assert from 'node:assert/strict';
import { close, open } from 'node:inspector';
import { inspectorExposure } from './inspector-exposure.js';

test('a closed inspector is not exposed', () => {
  assert.deepEqual(inspectorExposure([], ''), {
    open: false,
    address: null,
    loopback: false,
    openedBy: null,
    exposed: false,
  });
});

test('an inspector opened after start is exposed even on loopback; one opened by --inspect there is not', (t) => {
  open(0, '127.0.0.1');
  t.after(() => close());
  const runtime = inspectorExposure([], '');
  assert.equal(runtime.open, true);
  assert.equal(runtime.loopback, true);
  assert.match(runtime.address ?? '', /^127\.0\.0\.1:\d+$/);
  assert.equal(runtime.openedBy, 'runtime');
  assert.equal(runtime.exposed, true);
  for (const [argv, options] of [
    [['--inspect'], ''],
    [['--inspect-brk=127.0.0.1:0'], ''],
    [[], '--max-old-space-size=100 --inspect=127.0.0.1:9230'],
  ] as [string[], string][]) {
    const flagged = inspectorExposure(argv, options);
    assert.equal(flagged.openedBy, 'flag', argv.join(' ') + options);
    assert.equal(flagged.exposed, false);
  }
  assert.equal(
    inspectorExposure(['--inspect-port=9229'], '').openedBy,
    'runtime',
    '--inspect-port opens nothing',
  );
});
