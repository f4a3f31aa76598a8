import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildServer } from './server.js';
import { apiClient, CLUSTER_ADMIN as ADMIN, CLUSTER_POLICIES } from './cluster/test-cluster.js';

// Staging targets tagged `review=two` need two SRE leads.
const TWO_REVIEWERS = `
@id("two-reviewers")
@approvals("2")
@approverGroups("sre-leads")
permit (
  principal in Glovebox::Group::"engineers",
  action == Glovebox::Action::"facts",
  resource is Glovebox::Target
)
when { resource.env == "staging" && resource.hasTag("review") && resource.getTag("review") == "two" };
`;

async function setup(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-approvals-'));
  const policies = join(dir, 'policies');
  cpSync(CLUSTER_POLICIES, policies, { recursive: true });
  writeFileSync(join(policies, 'two-reviewers.cedar'), TWO_REVIEWERS);
  const gw = buildServer({
    dataDir: dir,
    policiesDir: policies,
    bootstrapToken: ADMIN,
    port: 0,
    watchPolicies: false,
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
  });
  const api = apiClient(await gw.listen());
  t.after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await api('POST', '/agents', ADMIN, { name: 'ledger', env: 'staging', tags: { review: 'two' } });
  const login = async (name: string, groups: string[]) => {
    const password = `${name}-password-123`;
    await api('POST', '/users', ADMIN, { name, groups, password });
    return (await api('POST', '/auth/login', null, { user: name, password })).json.token as string;
  };
  const olive = await login('olive', ['engineers']);
  const request = (
    await api('POST', '/requests', olive, { target: 'ledger', actions: ['facts'], reason: 'two' })
  ).json as { id: string; digest: string; status: string };
  assert.equal(request.status, 'pending', JSON.stringify(request));
  const approve = async (token: string) =>
    api('POST', `/requests/${request.id}/approve`, token, { digest: request.digest });
  return { api, gw, request, approve, login };
}

test('attack: the approval of an approver disabled since still counts towards activation', async (t) => {
  const { api, gw, request, approve, login } = await setup(t);
  const sam = await login('sam', ['sre-leads']);
  const sid = await login('sid', ['sre-leads']);
  assert.equal((await approve(sam)).json.status, 'pending', 'one of two');
  assert.equal((await api('POST', '/users/sam/disable', ADMIN, {})).status, 200);
  const second = await approve(sid);
  assert.equal(second.status, 200, JSON.stringify(second.json));
  // before: active, on the approval of a user whose account had been disabled
  assert.equal(second.json.status, 'pending', 'a disabled approver no longer counts');
  const stored = await gw.services.store.getRequest(request.id);
  assert.equal(stored?.status, 'pending');
  const sue = await login('sue', ['sre-leads']);
  assert.equal((await approve(sue)).json.status, 'active', 'two approvers who still may approve suffice');
});

test('attack: the approval of an approver removed from the approver groups since still counts', async (t) => {
  const { gw, request, approve, login } = await setup(t);
  const sam = await login('sam', ['sre-leads']);
  const sid = await login('sid', ['sre-leads']);
  assert.equal((await approve(sam)).json.status, 'pending');
  const user = (await gw.services.store.getUserByName('sam'))!;
  await gw.services.store.updateUserGroups(user.id, ['engineers']);
  assert.equal((await approve(sid)).json.status, 'pending', 'sam is no SRE lead any more');
  assert.equal((await gw.services.store.getRequest(request.id))?.status, 'pending');
});

test('attack: a session stays active after the user whose approval activated it is disabled', async (t) => {
  const { api, gw, request, approve, login } = await setup(t);
  const sam = await login('sam', ['sre-leads']);
  const sid = await login('sid', ['sre-leads']);
  await approve(sam);
  assert.equal((await approve(sid)).json.status, 'active');
  assert.equal((await api('POST', '/users/sam/disable', ADMIN, {})).status, 200);
  // before: still active, on an approval its approver's account no longer stands behind
  assert.equal((await gw.services.store.getRequest(request.id))?.status, 'ended');
  const [revoked] = await gw.services.store.queryAudit({ type: 'session.revoked', order: 'desc', limit: 1 });
  assert.match(revoked?.event ?? '', /approver disabled/);
});
