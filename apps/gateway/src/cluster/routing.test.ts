import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AgentRuntime, type ActionModule } from '@glovebox/agent';
import { systemClock } from '@glovebox/core';
import { SecretBox } from '../services/secrets.js';
import { SharedSecrets } from '../services/shared-secrets.js';
import { apiClient, CLUSTER_ADMIN, CLUSTER_MASTER_KEY, testCluster } from './test-cluster.js';
import { RelayAuth, RELAY_HEADER } from './relay-auth.js';
import { RELAY_PATH } from './relay.js';

/** An agent whose `logpoint` streams three pieces and then runs until its call is aborted. */
function streamingAgent() {
  const calls: string[] = [];
  let aborted: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => (aborted = resolve));
  const module: ActionModule = {
    actions: {
      facts: async () => {
        calls.push('facts');
        return { result: { pid: 42 } };
      },
      logpoint: async (_params, ctx) => {
        calls.push('logpoint');
        for (let i = 0; i < 3; i++) ctx.emit({ line: `hit ${i}` });
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        aborted?.();
        return { result: { hits: 3 } };
      },
    },
    endSession: async () => undefined,
    close: async () => undefined,
  };
  return { module, calls, stopped };
}

test('actions and streams reach an agent connected to another replica; ending the session there revokes it', async (t) => {
  const cluster = testCluster(2);
  t.after(() => cluster.dispose());
  const [a, b] = cluster.gateways as [(typeof cluster.gateways)[0], (typeof cluster.gateways)[0]];
  const urlA = await a.listen();
  const urlB = await b.listen();
  const apiA = apiClient(urlA);
  const apiB = apiClient(urlB);
  await apiA('POST', '/users', CLUSTER_ADMIN, {
    name: 'alice',
    groups: ['engineers'],
    password: 'alice-password-123',
  });
  const reg = await apiA('POST', '/agents', CLUSTER_ADMIN, { name: 'svc', env: 'staging' });
  const agent = streamingAgent();
  // the agent holds one connection, to B
  const runtime = new AgentRuntime({
    url: urlB,
    token: reg.json.credential as string,
    gatewayKeys: reg.json.gatewayKeys as string[],
    modules: [agent.module],
    log: () => undefined,
  });
  await runtime.start();
  t.after(() => runtime.stop());
  while ((await a.services.store.replicas.routes('svc', 0)).length === 0)
    await new Promise((r) => setTimeout(r, 20));

  const token = (await apiA('POST', '/auth/login', null, { user: 'alice', password: 'alice-password-123' }))
    .json.token as string;
  const session = await apiA('POST', '/requests', token, {
    target: 'svc',
    actions: ['facts', 'logpoint'],
    reason: 'routing',
  });
  assert.equal(session.json.status, 'active', JSON.stringify(session.json));
  const id = session.json.id as string;

  // Before: 503 GBX_AGENT_UNAVAILABLE through every replica but the agent's (issue 14).
  for (const api of [apiA, apiB]) {
    const facts = await api('POST', `/sessions/${id}/actions/facts`, token, { params: {} });
    assert.equal(facts.status, 200, JSON.stringify(facts.json));
    assert.deepEqual(facts.json.result, { pid: 42 });
  }
  assert.deepEqual(agent.calls, ['facts', 'facts']);

  // A streamed call through A: pieces arrive, then the session is ended through A as well.
  const res = await fetch(`${urlA}/api/v1/sessions/${id}/actions/logpoint`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/x-ndjson',
    },
    body: JSON.stringify({ params: {} }),
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while ((text.match(/\n/g) ?? []).length < 3) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const pieces = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; data: unknown });
  assert.deepEqual(
    pieces.map((p) => p.data),
    [{ line: 'hit 0' }, { line: 'hit 1' }, { line: 'hit 2' }],
  );
  const ending = Date.now();
  const ended = await apiA('POST', `/sessions/${id}/end`, token, {});
  assert.equal(ended.status, 200, JSON.stringify(ended.json));
  // B learns it over the control bus and revokes the session on the agent: the call is aborted
  // there, not when the lease (60 s) would have lapsed.
  await agent.stopped;
  t.diagnostic(`running call aborted ${Date.now() - ending} ms after the session ended on the other replica`);
  while (!(await reader.read()).done);

  // Everything went through A's audit trail, write-ahead: intent, the recorded pieces, the results.
  const rows = await a.services.store.readAuditAfter(0, 10_000);
  const ofSession = rows
    .filter((r) => r.sessionId === id)
    .map((r) => `${r.type}:${r.action ?? ''}:${r.outcome}`);
  assert.equal(ofSession.filter((e) => e === 'action.intent:facts:pending').length, 2);
  assert.equal(ofSession.filter((e) => e === 'action.result:facts:success').length, 2);
  assert.ok(ofSession.includes('action.intent:logpoint:pending'));
  assert.equal(ofSession.filter((e) => e.startsWith('recording.chunk')).length >= 3, true, ofSession.join());
  assert.ok(ofSession.includes('action.result:logpoint:failure'), ofSession.join());
  assert.equal(ofSession.filter((e) => e.startsWith('session.ended')).length, 1);
});

test('the relay endpoint refuses requests not signed with the shared relay key, and replays', async (t) => {
  const cluster = testCluster(1);
  t.after(() => cluster.dispose());
  const gw = cluster.gateways[0]!;
  const url = await gw.listen();
  const self = gw.services.cluster.replicaId;
  const body = JSON.stringify({
    sessionId: 'req_x',
    instance: 'inst_x',
    action: 'facts',
    params: {},
    masking: 'standard',
    stream: false,
  });
  const post = (header: string) =>
    fetch(`${url}${RELAY_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-glovebox-relay', [RELAY_HEADER]: header },
      body,
    });
  // no header, a header under another key, a header for another replica: refused before anything runs
  assert.equal((await post('v1 a b 0 n m')).status, 401);
  const forged = new RelayAuth(randomBytes(32)).sign('rep_evil', self, Date.now(), body);
  assert.equal((await post(forged.header)).status, 401);
  // the key every replica reads from the store, sealed under the master key
  const shared = new SharedSecrets({
    store: gw.services.store,
    clock: systemClock,
    box: new SecretBox(Buffer.from(CLUSTER_MASTER_KEY, 'base64')),
    exclusive: (_n, fn) => fn(),
  });
  const key = (await shared.read('replica-relay-key'))!.value;
  const row = await gw.services.store.replicas.getSecret('replica-relay-key');
  assert.ok(!row!.sealed.includes(key), 'the relay key is stored sealed');
  const auth = new RelayAuth(Buffer.from(key, 'base64'));
  const elsewhere = auth.sign('rep_other', 'rep_not_this_one', Date.now(), body);
  assert.equal((await post(elsewhere.header)).status, 401);
  const stale = auth.sign('rep_other', self, Date.now() - 120_000, body);
  assert.equal((await post(stale.header)).status, 401);
  const valid = auth.sign('rep_other', self, Date.now(), body);
  const answered = await post(valid.header);
  assert.equal(answered.status, 200);
  const line = (await answered.text()).trim();
  assert.deepEqual(auth.open(valid.nonce, 0, line), {
    k: 'error',
    code: 'GBX_SESSION_NOT_ACTIVE',
    message: 'the session is not active',
  });
  // the answer is bound to the request's nonce and its position
  assert.equal(auth.open(forged.nonce, 0, line), null);
  assert.equal(auth.open(valid.nonce, 1, line), null);
  assert.equal((await post(valid.header)).status, 401, 'a replayed request is refused');
});

test('instances of one service on two replicas: listed and reached from either, leased and revoked each', async (t) => {
  const cluster = testCluster(2);
  t.after(() => cluster.dispose());
  const [a, b] = cluster.gateways as [(typeof cluster.gateways)[0], (typeof cluster.gateways)[0]];
  const urlA = await a.listen();
  const urlB = await b.listen();
  const api = apiClient(urlA);
  await api('POST', '/users', CLUSTER_ADMIN, {
    name: 'alice',
    groups: ['engineers'],
    password: 'alice-password-123',
  });
  const reg = await api('POST', '/agents', CLUSTER_ADMIN, { name: 'svc', env: 'staging' });
  // one credential, three processes: one holds its connection on A, two on B
  const runtimes = [urlA, urlB, urlB].map(
    (url, n) =>
      new AgentRuntime({
        url,
        token: reg.json.credential as string,
        gatewayKeys: reg.json.gatewayKeys as string[],
        modules: [
          {
            actions: { facts: async () => ({ result: { n } }) },
            endSession: async () => undefined,
            close: async () => undefined,
          },
        ],
        log: () => undefined,
      }),
  );
  await Promise.all(runtimes.map((r) => r.start()));
  t.after(() => Promise.all(runtimes.map((r) => r.stop())));
  const ids = runtimes.map((r) => r.instanceId);
  const token = (await api('POST', '/auth/login', null, { user: 'alice', password: 'alice-password-123' }))
    .json.token as string;
  const listed = async () =>
    ((await api('GET', '/targets', token)).json.targets as { instances: { id: string }[] }[])[0]!.instances
      .map((i) => i.id)
      .sort();
  while ((await listed()).length < 3) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await listed(), [...ids].sort());

  const session = await api('POST', '/requests', token, {
    target: 'svc',
    actions: ['facts'],
    reason: 'fleet',
  });
  const id = session.json.id as string;
  const all = await api('POST', `/sessions/${id}/actions/facts`, token, { params: {} });
  assert.equal(all.status, 200, JSON.stringify(all.json));
  const parts = (all.json.result as { instances: { instance: string; ok: boolean; result: { n: number } }[] })
    .instances;
  assert.deepEqual(
    parts.map((p) => [p.instance, p.ok, p.result.n]).sort(),
    ids.map((instance, n) => [instance, true, n]).sort(),
    'each instance answered once, labelled, wherever its connection is held',
  );
  // one intent naming the three instances, one result per instance, each naming its instance
  const events = (await a.services.store.readAuditAfter(0, 10_000))
    .filter((r) => r.sessionId === id && r.action === 'facts')
    .map(
      (r) => JSON.parse(r.event) as { type: string; details: { instance?: string; instances?: string[] } },
    );
  assert.deepEqual(events[0]!.details.instances?.sort(), [...ids].sort());
  assert.deepEqual(
    events
      .slice(1)
      .map((e) => [e.type, e.details.instance])
      .sort(),
    ids.map((i) => ['action.result', i]).sort(),
  );
  const remote = await api('POST', `/sessions/${id}/actions/facts`, token, {
    params: {},
    instances: { instance: ids[2] },
  });
  assert.deepEqual(
    [remote.json.instances, remote.json.result],
    [[ids[2]], { n: 2 }],
    'one instance, through the relay',
  );

  // every instance holds its own lease, from whichever replica holds its connection
  while (!runtimes.every((r) => r.activeSessions().includes(id))) await new Promise((r) => setTimeout(r, 20));
  await runtimes[1]!.stop();
  while ((await listed()).length !== 2) await new Promise((r) => setTimeout(r, 20));
  const rest = await api('POST', `/sessions/${id}/actions/facts`, token, { params: {} });
  assert.deepEqual((rest.json.instances as string[]).sort(), [ids[0], ids[2]].sort());
  // ended on A: revoked on the instance A holds and, over the bus, on the one B holds
  await api('POST', `/sessions/${id}/end`, token, {});
  for (const r of [runtimes[0]!, runtimes[2]!])
    while (r.activeSessions().includes(id)) await new Promise((res) => setTimeout(res, 20));
});
