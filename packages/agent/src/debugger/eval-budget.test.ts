import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DebuggerClient, type CallError } from './testing/client.js';

let client: DebuggerClient;
before(() => {
  client = new DebuggerClient({});
});
after(async () => {
  await client.close();
});

test('attack: eval of new Array(2**24).fill(1) neither runs past its budget nor grows the heap', async () => {
  const heapBefore = process.memoryUsage().heapUsed;
  const outcome = await client
    .call('eval', { expression: 'new Array(2**24).fill(1)', timeoutMs: 1000 })
    .done.then(
      () => 'answered',
      (e: CallError) => e.code,
    );
  const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  assert.equal(outcome, 'GBX_DEBUG_EXPRESSION_INVALID', 'refused before anything ran');
  assert.ok(grownMb < 32, `the application's heap grew ${grownMb.toFixed(0)} MB`);
});

test('reading a value is bounded by the time budget, and going over it says which budget', async () => {
  const wide: Record<string, unknown> = {};
  for (let i = 0; i < 2000; i++)
    wide[`k${i}`] = Array.from({ length: 100 }, (_, j) => ({ j, s: 'x'.repeat(50) }));
  (globalThis as { gbxWide?: unknown }).gbxWide = wide;
  const strict = new DebuggerClient({
    budgets: { maxTimeMs: 0, maxFields: 5000, maxItems: 5000, maxBytes: 1e9 },
  });
  try {
    await assert.rejects(
      strict.call('eval', { expression: 'gbxWide', timeoutMs: 1000 }).done,
      (e: CallError) => {
        assert.equal(e.code, 'GBX_DEBUG_EVAL_BUDGET');
        assert.match(e.message, /time budget/);
        return true;
      },
    );
  } finally {
    await strict.close();
  }
});
