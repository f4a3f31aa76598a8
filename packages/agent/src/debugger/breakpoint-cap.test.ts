/**
 * A probe placed by breakpoint keeps V8's Debugger domain on, which slows the whole process's async
 * code ~5× even when the probed line never runs (ADR 0030). Its life is capped by
 * `breakpointProbeMaxMs`; probes placed by LiveEdit are not.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DebuggerClient, type CallError } from './testing/client.js';
import { awaitingHandler, checkout } from './fixtures/target.js';

const sourcePath = fileURLToPath(new URL('../../src/debugger/fixtures/target.ts', import.meta.url));
const sourceLines = readFileSync(sourcePath, 'utf8').split('\n');
const probeLine = (marker: string): number =>
  sourceLines.findIndex((l) => l.includes(`PROBE: ${marker}`)) + 1;

/** A line in an async function that never runs during the test: only a breakpoint can hold it. */
const COLD_ASYNC = `target.ts:${probeLine('after-await')}`;
const CAP_MS = 300;
/** Far beyond the cap: the test fails on this deadline, long before the probe's own duration ends. */
const DEADLINE_MS = 20_000;

/** The call's outcome, or the module's status if the call is still running at the deadline. */
async function settle<T>(client: DebuggerClient, call: { id: number; done: Promise<T> }) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), DEADLINE_MS)));
  const first = await Promise.race([call.done, late]);
  clearTimeout(timer);
  if (first !== 'late') return first;
  const status = await client.status();
  await client.abort(call.id);
  await call.done;
  assert.fail(
    `still running after ${DEADLINE_MS} ms with breakpointProbeMaxMs ${CAP_MS}: debuggerEnabled=${status.debuggerEnabled}`,
  );
}

describe('the life of a probe placed by breakpoint is capped', () => {
  let client: DebuggerClient;
  before(() => {
    client = new DebuggerClient({ breakpointProbeMaxMs: CAP_MS, cpuBudgetMsPerSecond: 500 });
  });
  after(async () => {
    await client.close();
  });

  test('a logpoint asked for an hour on a cold async line is removed at the cap, domain off', async () => {
    const lines: Array<{ line: string; disabled?: string }> = [];
    const call = client.call(
      'logpoint',
      { location: COLD_ASYNC, template: 'id={id}', durationMs: 3_600_000 },
      { emit: (d) => lines.push(d as { line: string; disabled?: string }) },
    );
    const { result } = await settle(client, call);
    assert.equal(result.technique, 'breakpoint');
    assert.equal(result.breakpointCapMs, CAP_MS, 'the result states the cap that applies');
    assert.equal(result.status, 'disabled');
    assert.deepEqual(result.disabled, { reason: 'breakpoint-cap', capMs: CAP_MS });
    assert.match(
      lines[0]?.line ?? '',
      /^\[glovebox\] logpoint placed by breakpoint/,
      'a follower is told the cost at install',
    );
    assert.equal(lines.at(-1)?.disabled, 'breakpoint-cap', 'a follower is told why the lines stop');
    assert.match(lines.at(-1)?.line ?? '', /breakpointProbeMaxMs/);
    const status = await client.status();
    assert.equal(status.debuggerEnabled, false, 'the Debugger domain is off once the probe is gone');
    assert.equal(status.activeProbes, 0);
  });

  test('a snapshot waiting an hour on a cold async line ends at the cap', async () => {
    const call = client.call('snapshot', { location: COLD_ASYNC, waitMs: 3_600_000 });
    const { result } = await settle(client, call);
    assert.equal(result.technique, 'breakpoint');
    assert.equal(result.status, 'disabled');
    assert.deepEqual(result.disabled, { reason: 'breakpoint-cap', capMs: CAP_MS });
    assert.equal((await client.status()).debuggerEnabled, false);
  });

  test('a snapshot that captured before the cap reports its captures and the cap', async () => {
    let release: () => void = () => undefined;
    const pending = awaitingHandler(7, new Promise<void>((r) => (release = r)));
    const call = client.call('snapshot', { location: COLD_ASYNC, waitMs: 3_600_000, hits: 5 });
    // The line runs once (the other four hits never come): released as soon as the probe is in.
    const poll = setInterval(() => {
      void client.status().then((s) => s.activeProbes > 0 && release());
    }, 20);
    const { result } = await settle(client, call).finally(() => clearInterval(poll));
    await pending;
    assert.equal(result.status, 'captured');
    assert.equal(result.captures.length, 1);
    assert.equal(result.frames[0].locals.id, 7);
    assert.equal(result.disabled?.reason, 'breakpoint-cap');
  });

  test('a probe placed by LiveEdit is not capped', async () => {
    const durationMs = CAP_MS * 4;
    const call = client.call('logpoint', {
      location: `target.ts:${probeLine('checkout-total')}`,
      template: 'total={total}',
      durationMs,
    });
    const t = setInterval(
      () => checkout({ id: 'o', items: [] }, { email: 'a@b.c', password: 'p', name: 'n' }),
      5,
    );
    const { result } = await settle(client, call).finally(() => clearInterval(t));
    assert.equal(result.technique, 'liveedit');
    assert.equal(result.status, 'ended', 'it ran its whole duration');
    assert.equal(result.disabled, undefined);
    assert.equal(result.breakpointCapMs, undefined);
  });
});

describe("an operator's techniques: ['liveedit'] forbids breakpoint placement", () => {
  test('a line that only a breakpoint can hold is refused, saying why, and the domain stays off', async () => {
    const client = new DebuggerClient({ techniques: ['liveedit'] });
    try {
      await assert.rejects(
        client.call('logpoint', { location: COLD_ASYNC, template: 'x', durationMs: 60_000 }).done,
        (e: CallError) => {
          assert.equal(e.code, 'GBX_DEBUG_TECHNIQUE_FORBIDDEN', e.message);
          assert.match(e.message, /techniques/);
          assert.match(e.message, /async function/);
          return true;
        },
      );
      const status = await client.status();
      assert.equal(status.debuggerEnabled, false);
      assert.equal(status.activeProbes, 0);
    } finally {
      await client.close();
    }
  });
});
