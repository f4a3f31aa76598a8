import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GloveboxError } from '@glovebox/core';
import { RecheckGate } from './recheck-gate.js';

/** A re-check the test answers by hand, counting how often it was asked. */
function manualRecheck() {
  const waiting: Array<(refused: GloveboxError | null) => void> = [];
  let asked = 0;
  return {
    recheck: () => {
      asked++;
      return new Promise<GloveboxError | null>((resolve) => waiting.push(resolve));
    },
    answer: (refused: GloveboxError | null) => waiting.shift()!(refused),
    get asked() {
      return asked;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a line waits for a re-check begun after it came; a burst shares one', async () => {
  const r = manualRecheck();
  const written: number[] = [];
  const gate = new RecheckGate(r.recheck, () => assert.fail('not refused'));
  gate.release(() => written.push(0));
  await tick();
  // lines that come while the first re-check runs were not covered by it
  for (let i = 1; i <= 100; i++) gate.release(() => written.push(i));
  r.answer(null);
  await tick();
  assert.deepEqual(written, [0], 'the burst waits for a re-check of its own');
  assert.equal(gate.waiting, 100);
  r.answer(null);
  await gate.settled();
  assert.deepEqual(
    written,
    Array.from({ length: 101 }, (_, i) => i),
    'in the order they came',
  );
  assert.equal(r.asked, 2, 'one re-check for the whole burst, not one per line');
});

test('a refusal, or a re-check that fails, drops what waits and everything after it', async () => {
  for (const outcome of ['refused', 'failed'] as const) {
    const written: string[] = [];
    const refusals: string[] = [];
    let calls = 0;
    const gate = new RecheckGate(
      async () => {
        calls++;
        if (calls === 1) return null;
        if (outcome === 'failed') throw new Error('store down');
        return new GloveboxError('GBX_AUTH_FAILED', 'token revoked');
      },
      (refused) => refusals.push(refused.code),
    );
    gate.release(() => written.push('a'));
    await gate.settled();
    gate.release(() => written.push('b'));
    await gate.settled();
    gate.release(() => written.push('c'));
    await gate.settled();
    assert.deepEqual(written, ['a'], outcome);
    assert.deepEqual(
      refusals,
      [outcome === 'refused' ? 'GBX_AUTH_FAILED' : 'GBX_STORE_UNAVAILABLE'],
      outcome,
    );
    assert.equal(gate.refused?.code, refusals[0]);
    assert.equal(calls, 2, 'nothing is re-checked after a refusal');
  }
});
