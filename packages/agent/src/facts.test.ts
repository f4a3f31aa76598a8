import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processFactsCollector } from './facts.js';

/** Resolves with `value` once pending I/O callbacks ran: setImmediate is not a mocked timer. */
const soon = <T>(value: T) => new Promise<T>((resolve) => setImmediate(() => resolve(value)));

test('facts sample the event loop once, then answer at once with the rolling figures', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const facts = processFactsCollector({ firstSampleMs: 200, windowMs: 1000, idleMs: 60_000 });
  const first = facts();
  assert.equal(await Promise.race([first, soon('waiting')]), 'waiting', 'the first answer samples 200 ms');
  t.mock.timers.tick(200);
  const sampled = await first;
  assert.equal(sampled.runtime.pid, process.pid);
  // Before: every question sampled the loop for 200 ms (a `facts` call could not answer sooner).
  const again = await Promise.race([facts(), soon('waiting' as const)]);
  if (again === 'waiting') assert.fail('later questions do not wait on the sampler');
  assert.deepEqual(again.eventLoop, sampled.eventLoop, 'within the window, the same figures');
});

test('after the idle period the loop is no longer watched, and the next question samples again', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const facts = processFactsCollector({ firstSampleMs: 50, idleMs: 1000 });
  const first = facts();
  t.mock.timers.tick(50);
  await first;
  t.mock.timers.tick(1000);
  assert.equal(await Promise.race([facts(), soon('waiting')]), 'waiting');
  t.mock.timers.tick(50);
});
