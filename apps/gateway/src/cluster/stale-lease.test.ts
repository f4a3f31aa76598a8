import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentRuntime, type ActionModule } from '@glovebox/agent';
import { apiClient, CLUSTER_ADMIN, testCluster } from './test-cluster.js';

const quiet: ActionModule = {
  actions: { facts: async () => ({ result: { pid: 42 } }) },
  endSession: async () => undefined,
  close: async () => undefined,
};

test('attack: a restarted agent is not leased a session that ended on another replica this one has not heard of', async (t) => {
  const cluster = testCluster(1);
  t.after(() => cluster.dispose());
  const gw = cluster.gateways[0]!;
  const url = await gw.listen();
  const api = apiClient(url);
  await api('POST', '/users', CLUSTER_ADMIN, {
    name: 'alice',
    groups: ['engineers'],
    password: 'alice-password-123',
  });
  const reg = await api('POST', '/agents', CLUSTER_ADMIN, { name: 'svc', env: 'staging' });
  const start = async () => {
    const runtime = new AgentRuntime({
      url,
      token: reg.json.credential as string,
      gatewayKeys: reg.json.gatewayKeys as string[],
      modules: [quiet],
      log: () => undefined,
    });
    await runtime.start();
    return runtime;
  };
  const first = await start();
  const token = (await api('POST', '/auth/login', null, { user: 'alice', password: 'alice-password-123' }))
    .json.token as string;
  const session = await api('POST', '/requests', token, {
    target: 'svc',
    actions: ['facts'],
    reason: 'stale',
  });
  assert.equal(session.json.status, 'active', JSON.stringify(session.json));
  const id = session.json.id as string;
  while (!first.activeSessions().includes(id)) await new Promise((r) => setTimeout(r, 20));

  // another replica ended the session in the store; its notice has not reached this one yet
  const store = gw.services.store;
  const record = (await store.getRequest(id))!;
  const ended = { ...record, status: 'ended' as const, version: record.version + 1 };
  assert.ok(await store.updateRequest(ended, record.version));

  await first.stop();
  const second = await start();
  t.after(() => second.stop());
  // the welcome's leases have arrived once a call on the new connection was answered
  const facts = await api('POST', `/requests`, token, { target: 'svc', actions: ['facts'], reason: 'probe' });
  const probe = facts.json.id as string;
  assert.equal((await api('POST', `/sessions/${probe}/actions/facts`, token, { params: {} })).status, 200);
  assert.equal(
    second.activeSessions().includes(id),
    false,
    'the ended session was leased to the new process',
  );
});
