import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  breakpointCostMessage,
  droppedLinesMessage,
  execStoppedMessage,
  probeDisabledMessage,
  rowLimitMessage,
  samplingMessage,
  truncatedMessage,
  snapshotTimeoutMessage,
} from './limits.js';

test('a logpoint over its CPU budget says the figures and what to change', () => {
  const m = probeDisabledMessage('logpoint', { reason: 'cpu-budget', hits: 412, spentMs: 23.456 }, 10);
  assert.match(m, /after 412 hit\(s\)/);
  assert.match(m, /23\.5 ms/);
  assert.match(m, /cpuBudgetMsPerSecond, 20 ms per second by default/);
  assert.match(m, /--condition/);
  assert.match(m, /--rate \(now 10\/s\)/);
  const configured = probeDisabledMessage('snapshot', {
    reason: 'cpu-budget',
    hits: 3,
    spentMs: 40,
    budgetMsPerSecond: 5,
  });
  assert.match(configured, /5 ms per second/);
});

test('dropped lines, cut values and row limits name their limit', () => {
  assert.match(
    droppedLinesMessage(37, 10),
    /37 line\(s\) dropped by the rate limit of 10 per second.*--rate/,
  );
  assert.equal(truncatedMessage({ depth: 0 }), undefined);
  assert.match(truncatedMessage({ depth: 2, fields: 12 }) ?? '', /depth×2, fields×12.*budgets/);
  assert.match(rowLimitMessage(1000), /first 1000 row\(s\).*rowLimit/);
});

test('a command the agent stopped says which limit and where it is set', () => {
  const table: [Parameters<typeof execStoppedMessage>[0], RegExp | undefined][] = [
    [
      { command: 'journal', killedBy: 'timeout', durationMs: 20_012 },
      /after 20 s: its time limit \(`timeout` for journal/,
    ],
    [{ command: 'find', killedBy: 'cpu' }, /CPU time \(`cpuSeconds`/],
    [
      { command: 'cat', killedBy: 'output-limit', bytes: 1_048_576, truncated: true },
      /at 1048576 bytes.*maxOutputBytes/,
    ],
    [{ command: 'sleep', killedBy: 'aborted' }, /stopped before it finished/],
    [{ command: 'ls', killedBy: null }, undefined],
  ];
  for (const [result, expected] of table) {
    const m = execStoppedMessage(result);
    if (expected === undefined) assert.equal(m, undefined);
    else assert.match(m ?? '', expected);
  }
});

test('a sampled logpoint says how much was examined and how to see more', () => {
  assert.equal(samplingMessage({ hits: 10, examined: 10, ratio: 1, stride: 1 }, false), undefined);
  const m = samplingMessage({ hits: 4000, examined: 250, ratio: 0.0625, stride: 16 }, false) ?? '';
  assert.match(m, /250 of 4000 hits examined \(now 1 in 16\)/);
  assert.match(m, /cpuBudgetMsPerSecond/);
  assert.match(m, /--every-hit/);
  assert.doesNotMatch(
    samplingMessage({ hits: 40, examined: 20, ratio: 0.5, stride: 2 }, true) ?? '',
    /--every-hit/,
  );
});

test('a probe placed by breakpoint says what it costs the process, its cap, and how operators forbid it', () => {
  const m = breakpointCostMessage('logpoint', 60_000);
  assert.match(m, /async code runs about 5× slower \(exceptions 1\.4×\), even if the line never runs/);
  assert.match(m, /after 60 s at most \(breakpointProbeMaxMs\)/);
  assert.match(m, /techniques: \['liveedit'\]/);
  assert.doesNotMatch(m, /\n/, 'one line');
  assert.match(breakpointCostMessage('snapshot', undefined), /60 s by default/);
  const capped = probeDisabledMessage('logpoint', { reason: 'breakpoint-cap', capMs: 1500 });
  assert.match(capped, /removed the logpoint after 1\.5 s/);
  assert.match(capped, /breakpointProbeMaxMs/);
});

test('a snapshot timeout with a condition does not claim the line did not run', () => {
  assert.match(snapshotTimeoutMessage('a.ts:3', '4s'), /a\.ts:3 did not run within 4s: make sure traffic/);
  const withCondition = snapshotTimeoutMessage('a.ts:3', '4s', 'customerId == 99');
  assert.match(withCondition, /did not run with its --condition true within 4s/);
  assert.match(withCondition, /may have run with the condition false/);
});
