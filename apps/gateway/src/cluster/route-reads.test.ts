// An agent's routes are read from the store at most once per ROUTES_KEPT_MS, and never across a
// change this replica was told of: a route message from another replica, a connection opening or
// closing here, or a bus that reconnected (messages may have been lost).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@glovebox/core';
import type { Store } from '../store/index.js';
import type { AgentRoute } from '../store/replicas.js';
import type { AgentHub } from '../services/agent-hub.js';
import { AgentRouter, ROUTES_KEPT_MS } from './agent-router.js';
import { LocalCluster } from './local-cluster.js';

function router() {
  const clock = new ManualClock(1_000_000);
  const route = (instance: string): AgentRoute => ({
    agent: 'svc',
    instance,
    replica: 'rep_other',
    url: 'http://127.0.0.1:1',
    helloJson: '{}',
    connectedAt: 1,
  });

  const reads: number[] = [];
  const routes: AgentRoute[] = [route('ins_b')];
  let failures = 0;
  const store = {
    listLiveRequests: async () => [],
    replicas: {
      routes: async () => {
        reads.push(clock.now());
        if (failures > 0 && failures--) throw new Error('connection lost');
        return routes;
      },
      putRoute: async () => undefined,
      dropRoute: async () => undefined,
    },
  } as unknown as Store;
  const hub = { instances: () => new Map(), holds: () => false } as unknown as AgentHub;
  const r = new AgentRouter({
    store,
    cluster: new LocalCluster(),
    hub,
    clock,
    log: { warn: () => undefined, error: () => undefined } as never,
    heartbeatMs: 1000,
    staleMs: 5000,
    relayIdleTimeoutMs: 1000,
  });
  return {
    r,
    clock,
    reads,
    failNext: () => (failures = 1),
  };
}

test('a read of an agent routes answers for a short while, then is made again', async () => {
  const { r, clock, reads } = router();
  await r.instances('svc');
  await r.instances('svc');
  clock.advance(ROUTES_KEPT_MS - 1);
  await r.instances('svc');
  assert.equal(reads.length, 1);
  clock.advance(1);
  await r.instances('svc');
  assert.equal(reads.length, 2);
  await r.instances('other');
  assert.equal(reads.length, 3, 'per agent');
  clock.set(0); // a clock that went back does not keep an entry from the future
  await r.instances('svc');
  assert.equal(reads.length, 4);
});

test('attack: a route that moved is read again at once when any replica says so', async () => {
  const { r, reads } = router();
  await r.instances('svc');
  await r.instances('svc');
  assert.equal(reads.length, 1, 'kept');
  r.message({ t: 'route', agent: 'svc', instance: 'ins_b', from: 'rep_other' });
  await r.instances('svc');
  assert.equal(reads.length >= 2, true, 'another replica announced a route: read again');
  const before = reads.length;
  r.connection('svc', 'ins_here', null);
  await r.instances('svc');
  assert.equal(reads.length, before + 1, 'a connection here opened or closed: read again');
  r.resync();
  await r.instances('svc');
  assert.equal(reads.length, before + 2, 'the bus reconnected: read again');
  r.message({ t: 'route', agent: 'other', instance: 'x', from: 'rep_other' });
  await r.instances('svc');
  assert.equal(reads.length, before + 2, "another agent's route: this one's is still kept");
});

test('a failed read is not kept', async () => {
  const { r, reads, failNext } = router();
  failNext();
  await assert.rejects(r.instances('svc'), /connection lost/);
  await r.instances('svc');
  await r.instances('svc');
  assert.equal(reads.length, 2);
});
