import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ActionModule } from '@glovebox/agent';
import { CLUSTER_ADMIN as ADMIN, moduleAgent, singleGateway } from './cluster/test-cluster.js';
import type { AuditRow, ChainHead } from './store/index.js';

async function setup(t: TestContext) {
  const { gw, url, api, dir } = await singleGateway(t);
  const calls: string[] = [];
  const module: ActionModule = {
    actions: {
      facts: async () => {
        calls.push('facts');
        return { result: { runtime: { node: process.versions.node } } };
      },
    },
    endSession: async () => undefined,
    close: async () => undefined,
  };
  await api('POST', '/users', ADMIN, {
    name: 'alice',
    groups: ['engineers'],
    password: 'alice-password-123',
  });
  await moduleAgent(t, url, [module]);
  const token = (await api('POST', '/auth/login', null, { user: 'alice', password: 'alice-password-123' }))
    .json.token as string;
  const session = (
    await api('POST', '/requests', token, { target: 'svc', actions: ['facts'], reason: 'invariant' })
  ).json.id as string;
  return { gw, api, token, session, calls, dir };
}

test('invariant 2: an action whose intent cannot be audited is not performed', async (t) => {
  const { gw, api, token, session, calls } = await setup(t);
  const store = gw.services.store;
  const original = store.appendAudit.bind(store);
  store.appendAudit = async () => {
    throw new Error('disk full');
  };
  const refused = await api('POST', `/sessions/${session}/actions/facts`, token, { params: {} });
  store.appendAudit = original;
  assert.equal(refused.status, 503);
  assert.equal((refused.json.error as { code: string }).code, 'GBX_AUDIT_UNAVAILABLE');
  assert.deepEqual(calls, [], 'nothing reached the agent');
  const ok = await api('POST', `/sessions/${session}/actions/facts`, token, { params: {} });
  assert.equal(ok.status, 200, 'works again once the trail can be written');
  assert.deepEqual(calls, ['facts']);
});

test('invariant 2: a result whose audit event cannot be written is withheld', async (t) => {
  const { gw, api, token, session, calls } = await setup(t);
  const store = gw.services.store;
  const original = store.appendAudit.bind(store);
  store.appendAudit = async (build: (head: ChainHead | null) => AuditRow[]) => {
    let rows: AuditRow[] = [];
    return original((head) => {
      rows = build(head);
      if (rows.some((r) => r.type === 'action.result')) throw new Error('disk full');
      return rows;
    });
  };
  const res = await api('POST', `/sessions/${session}/actions/facts`, token, { params: {} });
  store.appendAudit = original;
  assert.deepEqual(calls, ['facts'], 'the agent ran it');
  assert.equal(res.status, 503);
  assert.equal((res.json.error as { code: string }).code, 'GBX_AUDIT_UNAVAILABLE');
  assert.ok(!JSON.stringify(res.json).includes(process.versions.node), 'but its result was not released');
});

test('invariant 8: tokens and passwords are stored hashed, TOTP seeds encrypted', async (t) => {
  const { api, token, dir } = await setup(t);
  const reset = await api('POST', '/users/alice/reset-mfa', ADMIN, {});
  const ticket = (reset.json.enrollmentTicket as { ticket: string }).ticket;
  const enroll = await api('POST', '/mfa/enroll', token, { ticket });
  const secret = enroll.json.secret as string;
  const created = await api('POST', '/tokens', token, { ttl: '1h' });
  const apiToken = created.json.token as string;
  const db = new Database(join(dir, 'glovebox.db'), { readonly: true });
  t.after(() => db.close());
  const dump = JSON.stringify(
    ['users', 'tokens', 'agents', 'audit_events', 'totp_pending', 'mfa_enrollment_tickets'].map((table) =>
      db.prepare(`SELECT * FROM ${table}`).all(),
    ),
  );
  for (const [name, value] of [
    ['session token', token],
    ['API token', apiToken],
    ['bootstrap token', ADMIN],
    ['TOTP secret', secret],
    ['enrollment ticket', ticket],
    ['password', 'alice-password-123'],
  ] as const) {
    assert.ok(!dump.includes(value), `${name} is not stored in clear`);
  }
  const raw = readFileSync(join(dir, 'glovebox.db'));
  assert.ok(
    !raw.includes(Buffer.from(secret)) && !raw.includes(Buffer.from(apiToken)),
    'not even in the file',
  );
});

test(
  'invariant 3: only the session owner and auditors may watch its live output',
  { timeout: 30_000 },
  async (t) => {
    const { api, session } = await setup(t);
    await api('POST', '/users', ADMIN, {
      name: 'mallory',
      groups: ['engineers'],
      password: 'mallory-password-1',
    });
    const mallory = (
      await api('POST', '/auth/login', null, { user: 'mallory', password: 'mallory-password-1' })
    ).json.token as string;
    const watched = await api('GET', `/sessions/${session}/live`, mallory);
    assert.equal(watched.status, 404);
    assert.equal((watched.json.error as { code: string }).code, 'GBX_NOT_FOUND');
    const recordings = await api('GET', `/recordings?session=${session}`, mallory);
    assert.deepEqual(recordings.json.recordings, [], 'nor list its recordings');
  },
);

test('invariant 9: nested action parameters get a clear refusal and reach neither the trail nor the agent', async (t) => {
  const { gw, api, token, session, calls } = await setup(t);
  const deep: unknown = JSON.parse('['.repeat(2000) + ']'.repeat(2000));
  const before = (await gw.services.store.queryAudit({ order: 'desc', limit: 1 }))[0]?.seq ?? 0;
  for (const params of [{ x: deep }, { x: { y: 1 } }, { x: [1, [2]] }, { x: null }]) {
    // before: a parameter nested past the audit's depth was a 500 GBX_AUDIT_EVENT_INVALID
    const res = await api('POST', `/sessions/${session}/actions/facts`, token, { params });
    assert.equal(res.status, 400, JSON.stringify(res.json).slice(0, 200));
    assert.equal((res.json.error as { code: string }).code, 'GBX_REQUEST_INVALID');
  }
  assert.deepEqual(calls, [], 'nothing reached the agent');
  const intents = await gw.services.store.queryAudit({ type: 'action.intent', order: 'desc', limit: 10 });
  assert.ok(
    intents.every((row) => row.seq < before),
    'no intent was recorded for them',
  );
  const ok = await api('POST', `/sessions/${session}/actions/facts`, token, { params: { top: 5 } });
  assert.equal(ok.status, 200, 'flat parameters still pass');
});

test('attack: an exec of a command that is not allow-listed leaves a denial naming the session and action', async (t) => {
  const { gw, api, token, calls } = await setup(t);
  const session = (
    await api('POST', '/requests', token, { target: 'svc', actions: ['exec'], reason: 'invariant' })
  ).json.id as string;
  const res = await api('POST', `/sessions/${session}/actions/exec`, token, {
    params: { argv: ['bash', '-c', 'id'] },
  });
  assert.equal((res.json.error as { code: string }).code, 'GBX_EXEC_NOT_ALLOWED');
  assert.deepEqual(calls, []);
  // before: only `api.request` with the route pattern, no session, action or reason
  const [denied] = await gw.services.store.queryAudit({ type: 'action.denied', order: 'desc', limit: 1 });
  assert.ok(denied, 'the refused action is in the trail');
  const event = JSON.parse(denied.event) as {
    sessionId: string;
    action: string;
    details: Record<string, unknown>;
  };
  assert.equal(event.sessionId, session);
  assert.equal(event.action, 'exec');
  assert.equal(event.details.refused, 'GBX_EXEC_NOT_ALLOWED');
  assert.match(String(event.details.message), /"bash" is not an allow-listed command/);
});

test('attack: a session that cannot run the action learns nothing about the target from its parameters', async (t) => {
  const { gw, api, token, session, calls } = await setup(t);
  const probe = (id: string) =>
    api('POST', `/sessions/${id}/actions/exec`, token, { params: { argv: ['bash', '-c', 'id'] } });
  // before: GBX_EXEC_NOT_ALLOWED, the target's allow-list, for a session that never granted exec
  const notGranted = await probe(session);
  assert.equal((notGranted.json.error as { code: string }).code, 'GBX_ACTION_NOT_GRANTED');
  const ended = (
    await api('POST', '/requests', token, { target: 'svc', actions: ['exec'], reason: 'invariant' })
  ).json.id as string;
  assert.equal((await api('POST', `/sessions/${ended}/end`, token, {})).status, 200);
  const afterEnd = await probe(ended);
  assert.equal((afterEnd.json.error as { code: string }).code, 'GBX_SESSION_NOT_ACTIVE');
  // another user's session stays unknown whatever the parameters say
  await api('POST', '/users', ADMIN, {
    name: 'mallory',
    groups: ['engineers'],
    password: 'mallory-password-1',
  });
  const mallory = (
    await api('POST', '/auth/login', null, { user: 'mallory', password: 'mallory-password-1' })
  ).json.token as string;
  const foreign = await api('POST', `/sessions/${session}/actions/exec`, mallory, {
    params: { argv: ['bash', '-c', 'id'] },
  });
  assert.equal(foreign.status, 404);
  assert.deepEqual(calls, []);
  const denials = await gw.services.store.queryAudit({ type: 'action.denied', order: 'asc', limit: 10 });
  const refused = denials.map(
    (row) => (JSON.parse(row.event) as { details: { refused: string } }).details.refused,
  );
  assert.deepEqual(refused, ['GBX_ACTION_NOT_GRANTED', 'GBX_SESSION_NOT_ACTIVE']);
});
