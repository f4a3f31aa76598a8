/**
 * Are the `eval` budgets actually enforced? From a worker debugging this (the main) thread, as the
 * agent does, each case is evaluated `rounds` times and measured on the main thread:
 * - the stall it causes (the longest gap between two turns of a setImmediate loop kept spinning here,
 *   which is what the application's event loop would feel), against a trivial `1 + 1` in the same run;
 * - the heap the application's isolate grew by (`new Array(2**24).fill(1)` would take 128 MB);
 * - the answer: a value, or the refusal code naming the budget.
 * Reading a wide value (2,000 keys × 100 objects) runs under time budgets of 2, 10 and 50 ms: the
 * stall should follow the budget, not the value's size.
 *
 * Run: npx tsc -b bench && node bench/dist/eval-budget.js [rounds]
 */
import { ModuleClient, fmt, median } from './debug-common.js';

const rounds = Number(process.argv[2] ?? '7');

const wide: Record<string, unknown> = {};
for (let i = 0; i < 2000; i++)
  wide[`k${i}`] = Array.from({ length: 100 }, (_, j) => ({ j, s: 'x'.repeat(50) }));
(globalThis as { gbxWide?: unknown }).gbxWide = wide;

/** The longest gap between turns of the main thread's event loop while `work` runs. */
async function stallDuring<T>(work: () => Promise<T>): Promise<{ stallMs: number; value: T }> {
  let last = performance.now();
  let worst = 0;
  let spinning = true;
  const spin = (): void => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  try {
    const value = await work();
    // The reply can arrive before the loop's next turn: let that turn see the last gap.
    await new Promise((resolve) => setImmediate(resolve));
    return { stallMs: worst, value };
  } finally {
    spinning = false;
  }
}

interface Case {
  name: string;
  expression: string;
  budgets?: Record<string, number>;
}

const cases: Case[] = [
  { name: 'baseline: 1 + 1', expression: '1 + 1' },
  { name: 'attack: new Array(2**24).fill(1)', expression: 'new Array(2**24).fill(1)' },
  ...[2, 10, 50].map((ms) => ({
    name: `wide value, maxTimeMs ${ms}`,
    expression: 'gbxWide',
    budgets: { maxTimeMs: ms, maxFields: 1e6, maxItems: 1e6, maxBytes: 1e9 },
  })),
];

console.log(`eval budgets, ${rounds} rounds each (main-thread stall and heap growth per call)`);
console.log('| case | answer | stall p50 | stall max | heap growth max |');
console.log('|---|---|---|---|---|');
for (const c of cases) {
  const client = new ModuleClient(c.budgets === undefined ? {} : { budgets: c.budgets });
  const stalls: number[] = [];
  const answers = new Set<string>();
  let grownMax = 0;
  try {
    await client.call('eval', { expression: '0', timeoutMs: 1000 }).done; // warm the worker and runtime
    for (let r = 0; r < rounds; r++) {
      const heapBefore = process.memoryUsage().heapUsed;
      const { stallMs, value } = await stallDuring(() =>
        client.call('eval', { expression: c.expression, timeoutMs: 1000 }).done.then(
          () => 'value',
          (e: Error) => e.message.split(':')[0] ?? 'error',
        ),
      );
      grownMax = Math.max(grownMax, (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20);
      stalls.push(stallMs);
      answers.add(value);
    }
  } finally {
    await client.close();
  }
  console.log(
    `| ${c.name} | ${[...answers].join(', ')} | ${fmt(median(stalls))} ms | ${fmt(Math.max(...stalls))} ms | ${fmt(grownMax)} MB |`,
  );
}
