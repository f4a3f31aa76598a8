import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentHello } from '@glovebox/protocol';
import { joinable, joinLateInstances, type JoinContext, type Part } from './action-join.js';
import type { InstanceRef } from './instances.js';

const ref = (id: string): InstanceRef => ({ id, hello: {} as AgentHello, connectedAt: 0 });

function context(
  over: Partial<JoinContext<string>>,
  joined: Array<{ id: string; params: Record<string, unknown> }>,
): JoinContext<string> {
  const t0 = Date.now();
  return {
    target: 'shop',
    action: 'logpoint',
    params: { durationMs: 3500 },
    everyInstance: true,
    maxInstances: 0,
    startedAt: t0,
    now: () => Date.now(),
    instances: () => Promise.resolve([ref('a'), ref('b')]),
    join: (r, params) => {
      joined.push({ id: r.id, params });
      return Promise.resolve(`joined ${r.id}`);
    },
    ...over,
  };
}

test('a late instance joins a logpoint on every instance with the rest of its duration', async () => {
  const joined: Array<{ id: string; params: Record<string, unknown> }> = [];
  let end!: (v: string) => void;
  const parts: Part<string>[] = [{ ref: ref('a'), outcome: new Promise((r) => (end = r)) }];
  await joinLateInstances(context({}, joined), parts);
  end('done');
  assert.deepEqual(
    parts.map((p) => p.ref.id),
    ['a', 'b'],
  );
  assert.equal(joined.length, 1);
  assert.equal(joined[0]!.id, 'b');
  const left = joined[0]!.params.durationMs as number;
  assert.ok(left < 3500 && left >= 1000, `the rest of the duration (${left})`);
});

test('over maxInstances a late instance is labelled refused, not left out', async () => {
  const joined: Array<{ id: string; params: Record<string, unknown> }> = [];
  let end!: (v: string) => void;
  const parts: Part<string>[] = [{ ref: ref('a'), outcome: new Promise((r) => (end = r)) }];
  await joinLateInstances(context({ maxInstances: 1 }, joined), parts);
  end('done');
  assert.equal(joined.length, 0);
  assert.equal(parts.length, 2);
  await assert.rejects(parts[1]!.outcome, /GBX_INSTANCE_LIMIT|at most 1 instance/);
});

test('nothing joins an action on chosen instances, a one-off action, or one that has ended', async () => {
  assert.equal(joinable('logpoint', false, { durationMs: 5000 }), false);
  assert.equal(joinable('snapshot', true, { waitMs: 5000 }), false);
  assert.equal(joinable('logpoint', true, { durationMs: 5000 }), true);
  const joined: Array<{ id: string; params: Record<string, unknown> }> = [];
  const parts: Part<string>[] = [{ ref: ref('a'), outcome: Promise.resolve('ended') }];
  await joinLateInstances(context({}, joined), parts);
  assert.equal(parts.length, 1, 'every part had ended: nobody joins');
  const aborted = new AbortController();
  aborted.abort();
  const pending: Part<string>[] = [{ ref: ref('a'), outcome: new Promise(() => undefined) }];
  await joinLateInstances(context({ signal: aborted.signal }, joined), pending);
  assert.equal(pending.length, 1, 'the caller aborted: nobody joins');
});
