import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { types } from 'node:util';
import { runInNewContext } from 'node:vm';
import { captureIntrinsics } from './intrinsics.js';
import { addProbe, adaptProbe, createRuntimeState, hitProbe, type RuntimeState } from './probes.js';
import { probeRuntimeSource } from './runtime-source.js';
import { createSensitiveKeys } from './sensitive.js';
import type { ProbeSpec, RuntimeMessage } from './types.js';

const budgets = {
  maxFrames: 5,
  maxDepth: 2,
  maxFields: 5,
  maxItems: 5,
  maxStringLength: 50,
  maxBytes: 2000,
  maxTimeMs: 5,
};

function spec(extra: Partial<ProbeSpec> = {}): ProbeSpec {
  return {
    id: 1,
    gen: 1,
    kind: 'logpoint',
    names: ['n'],
    localCount: 1,
    capturedCount: 1,
    sensitive: [],
    template: ['n=', { k: 'id', i: 0 }],
    perSecond: 1e9,
    maxCaptures: 1e9,
    cpuBudgetMsPerSecond: 20,
    hitOverheadMs: 0,
    everyHit: true,
    budgets,
    ...extra,
  };
}

/** A runtime whose clock is ours: every read advances it by `tick` ms. */
function fakeClockRuntime(
  tick: number,
  messages: RuntimeMessage[],
): { rt: RuntimeState; clock: { t: number } } {
  const clock = { t: 0 };
  const I = { ...captureIntrinsics(types), now: () => (clock.t += tick) };
  const rt = createRuntimeState(
    I,
    createSensitiveKeys([]),
    { globalPerSecond: 1e9, sensitiveKeys: [] },
    (m) => messages.push(m),
  );
  return { rt, clock };
}

/** Runs `hits` hits through the gate exactly as the injected hook does. */
function drive(rt: RuntimeState, hits: number): void {
  for (let i = 0; i < hits; i++) if (rt.c[1]! > 0 && --rt.c[1]! === 0) hitProbe(rt, 1, () => i);
}

describe('adaptive sampling and the CPU breaker', () => {
  test('a probe over its budget is sampled, keeps emitting, and never switches itself off', () => {
    const messages: RuntimeMessage[] = [];
    const { rt, clock } = fakeClockRuntime(1, messages); // every clock read: 1 ms, so a line "costs" 1 ms
    addProbe(rt, spec());
    // 200 windows of 50 ms: 10 simulated seconds at 20 ms/s of budget and ~2 ms per line.
    for (let round = 0; round < 200; round++) {
      drive(rt, 1000);
      adaptProbe(rt, rt.probes.get(1)!, (clock.t += 50));
    }
    const p = rt.probes.get(1)!;
    assert.ok(p.stride > 1, `sampled (stride ${p.stride})`);
    assert.equal(p.hits, 200_000, 'hits are counted exactly through the strides');
    assert.ok(p.examined < p.hits);
    assert.ok(
      messages.every((m) => m.t === 'log'),
      'no off message',
    );
    assert.ok(messages.length >= 20, `kept emitting (${messages.length})`);
  });

  test('the breaker charges CPU time, not elapsed: a descheduled thread keeps every hit', () => {
    const slow: RuntimeMessage[] = [];
    const a = fakeClockRuntime(0.01, slow).rt; // 0.01 ms elapsed per clock read
    addProbe(a, spec());
    const b = fakeClockRuntime(0.01, []).rt;
    addProbe(b, spec());
    a.cpuFactor = 1;
    b.cpuFactor = 0.05; // the thread ran 5 % of the time it was runnable: elapsed is mostly waiting
    for (const rt of [a, b]) {
      for (let round = 0; round < 10; round++) {
        drive(rt, 200);
        const p = rt.probes.get(1)!;
        adaptProbe(rt, p, p.windowStart + 50);
      }
    }
    assert.ok(a.probes.get(1)!.stride > 1, 'charged by elapsed time it would be sampled');
    assert.equal(b.probes.get(1)!.stride, 1, 'charged by CPU time it is not');
  });

  test('without every-hit, hits are examined at about the rate limit', () => {
    const messages: RuntimeMessage[] = [];
    const { rt, clock } = fakeClockRuntime(0, messages);
    addProbe(rt, spec({ everyHit: false, perSecond: 10, cpuBudgetMsPerSecond: 1e9 }));
    drive(rt, 10_000);
    adaptProbe(rt, rt.probes.get(1)!, (clock.t += 1000)); // 10 000 hits in one second
    assert.equal(rt.probes.get(1)!.stride, Math.ceil(10_000 / 12.5));
  });

  test('a breakpoint probe over budget is switched off: sampling cannot make its hits cheaper', () => {
    const messages: RuntimeMessage[] = [];
    const { rt, clock } = fakeClockRuntime(0, messages);
    addProbe(rt, spec({ hitOverheadMs: 0.3 }));
    drive(rt, 1000);
    const p = rt.probes.get(1);
    if (p !== undefined) adaptProbe(rt, p, (clock.t += 100));
    assert.equal(rt.probes.size, 0);
    assert.equal(messages.at(-1)?.t, 'off');
  });
});

describe('injected runtime source', () => {
  test('is self-contained: it builds and captures in an empty context', () => {
    const posted: RuntimeMessage[] = [];
    const context = { performance, setInterval, clearInterval, post: (m: RuntimeMessage) => posted.push(m) };
    const rt = runInNewContext(
      `(${probeRuntimeSource()})({ globalPerSecond: 100, sensitiveKeys: [] }, post, undefined)`,
      context,
    ) as {
      add(s: ProbeSpec): void;
      hit(id: number, r: (i: number) => unknown): void;
      remove(id: number): void;
      evaluateToJson(e: unknown, r: (i: number) => unknown, b: unknown): string;
    };
    rt.add(spec({ kind: 'snapshot', maxCaptures: 1 }));
    rt.hit(1, () => 42);
    assert.equal(posted[0]?.t, 'cap');
    assert.equal((posted[0] as unknown as { locals: { n: unknown } }).locals.n, 42);
    rt.remove(1);
    const evaluated = JSON.parse(
      rt.evaluateToJson({ node: { k: 'id', i: 0 }, names: ['n'], sensitive: [] }, () => 7, budgets),
    );
    assert.deepEqual(evaluated, {
      ok: true,
      value: 7,
      truncated: evaluated.truncated,
      bytes: 8,
      redacted: 0,
    });
  });
});
