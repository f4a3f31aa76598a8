import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_STORES } from './test-stores.js';
import type { AccessRequestRecord, AuditRow } from './types.js';

const user = (id: string, name: string) => ({
  id,
  name,
  groups: ['engineers'],
  passwordHash: 'scrypt$x',
  totpSecretEnc: null,
  mfaEnrolledAt: null,
  createdAt: 1,
  disabled: false,
});

const request = (id: string, requesterId: string): AccessRequestRecord => ({
  id,
  requesterId,
  requesterName: 'alice',
  target: 't1',
  actions: ['facts'],
  reason: 'r',
  ticket: null,
  breakGlass: false,
  durationSec: 60,
  obligations: {
    maxDurationSec: 60,
    idleTimeoutSec: 30,
    approvals: 1,
    approverGroups: ['sre-leads'],
    masking: 'standard',
    keepArtifactsSec: 0,
    outlivesLogin: false,
  },
  policyVersion: 'v',
  determiningPolicies: ['p'],
  digest: 'd',
  status: 'pending',
  createdAt: 10,
  pendingExpiresAt: 100,
  activatedAt: null,
  expiresAt: null,
  lastActivityAt: null,
  endedAt: null,
  endReason: null,
  endedBy: null,
  version: 1,
});

const auditRow = (seq: number, prevHash: string): AuditRow => ({
  seq,
  id: `evt_${seq}`,
  time: new Date(seq * 1000).toISOString(),
  type: 'test',
  actor: 'user:alice',
  sessionId: null,
  action: null,
  target: null,
  outcome: 'success',
  prevHash,
  hash: `h${seq}`,
  event: '{}',
});

for (const backend of TEST_STORES) {
  test(`store contract: ${backend.name}`, async (t) => {
    const opened = await backend.open();
    const store = opened.store;
    t.after(() => opened.dispose());

    await t.test('migrations are idempotent', async () => {
      await store.migrate();
      await store.migrate();
    });

    await t.test('users are unique by name', async () => {
      await store.createUser(user('u1', 'alice'));
      await assert.rejects(store.createUser(user('u2', 'alice')));
      assert.equal((await store.getUserByName('alice'))?.id, 'u1');
      assert.equal(await store.countUsers(), 1);
    });

    await t.test('a request update loses when the version moved on', async () => {
      await store.createUser(user('u9', 'bob'));
      const r = request('req1', 'u1');
      await store.createRequest(r);
      assert.equal(await store.updateRequest({ ...r, status: 'active', version: 2 }, 1), true);
      assert.equal(await store.updateRequest({ ...r, status: 'denied', version: 2 }, 1), false);
      assert.equal((await store.getRequest('req1'))?.status, 'active');
      assert.deepEqual(
        (await store.listLiveRequests()).map((x) => x.id),
        ['req1'],
      );
    });

    await t.test('a request is read with its target in one read', async () => {
      assert.deepEqual(await store.getRequestAndTarget('nope'), { request: null, target: null });
      assert.equal((await store.getRequestAndTarget('req1')).target, null, 't1 is not registered');
      const agent = {
        id: 'agt_t1',
        name: 't1',
        env: 'staging',
        owner: 'alice',
        tags: { team: 'a' },
        credentialHash: 'c1',
        createdAt: 2,
        revokedAt: null,
      };
      await store.createAgent(agent);
      await store.createAgent({ ...agent, id: 'agt_t2', name: 't2', credentialHash: 'c2' });
      const both = await store.getRequestAndTarget('req1');
      assert.deepEqual(both.request, await store.getRequest('req1'));
      assert.deepEqual(both.target, agent);
    });

    await t.test('one approval per approver per request', async () => {
      const a = {
        requestId: 'req1',
        approverId: 'u9',
        approverName: 'bob',
        verdict: 'approve' as const,
        digest: 'd',
        comment: null,
        createdAt: 5,
      };
      assert.equal(await store.addApproval(a), true);
      assert.equal(await store.addApproval({ ...a, createdAt: 6 }), false);
      assert.equal((await store.listApprovals('req1')).length, 1);
    });

    await t.test('audit appends are gap-free under concurrency', async () => {
      await Promise.all(
        Array.from({ length: 40 }, () =>
          store.appendAudit((head) => [auditRow((head?.seq ?? 0) + 1, head?.hash ?? 'genesis')]),
        ),
      );
      const rows = await store.readAuditAfter(0, 100);
      assert.deepEqual(
        rows.map((r) => r.seq),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.prevHash, rows[i - 1]!.hash);
    });

    await t.test('audit rows cannot be updated or deleted', async () => {
      const raw = store as unknown as { kind: string };
      assert.ok(raw.kind);
      await assert.rejects(
        store.appendAudit(() => [auditRow(1, 'again')]),
        'a duplicate sequence number is refused',
      );
    });

    await t.test('single sign-on links and WebAuthn credentials', async () => {
      await store.createUser(user('usr_sso', 'sso-user'));
      assert.equal(await store.getSsoUserId('https://idp', 'sub-1'), null);
      await store.linkSsoIdentity('https://idp', 'sub-1', 'usr_sso', 3);
      assert.equal(await store.getSsoUserId('https://idp', 'sub-1'), 'usr_sso');
      assert.equal(await store.getSsoUserId('https://other-idp', 'sub-1'), null);
      await assert.rejects(
        store.linkSsoIdentity('https://idp', 'sub-1', 'usr_sso', 4),
        'one link per subject',
      );
      await store.updateUserGroups('usr_sso', ['a', 'b']);
      assert.deepEqual((await store.getUserById('usr_sso'))?.groups, ['a', 'b']);
      const credential = {
        id: 'cred-1',
        userId: 'usr_sso',
        publicKey: 'pk',
        counter: 0,
        transports: ['usb'],
        createdAt: 5,
        lastUsedAt: null,
      };
      await store.addWebauthnCredential(credential);
      assert.deepEqual(await store.listWebauthnCredentials('usr_sso'), [credential]);
      assert.equal(await store.touchWebauthnCredential('cred-1', 7, 9), true);
      assert.equal(await store.touchWebauthnCredential('nope', 7, 9), false);
      assert.deepEqual((await store.listWebauthnCredentials('usr_sso'))[0], {
        ...credential,
        counter: 7,
        lastUsedAt: 9,
      });
    });

    await t.test('sink cursors persist', async () => {
      assert.equal(await store.getSinkCursor('s'), 0);
      await store.setSinkCursor('s', 7);
      await store.setSinkCursor('s', 9);
      assert.equal(await store.getSinkCursor('s'), 9);
    });

    await t.test('revoked instances are per agent, recorded once', async () => {
      assert.deepEqual(await store.revokedInstances.list('shop'), []);
      assert.equal(await store.revokedInstances.revoke('shop', 'inst_b', 'admin', 5), true);
      assert.equal(await store.revokedInstances.revoke('shop', 'inst_b', 'admin', 6), false);
      await store.revokedInstances.revoke('shop', 'inst_a', 'admin', 7);
      assert.deepEqual(await store.revokedInstances.list('shop'), ['inst_a', 'inst_b']);
      assert.deepEqual(await store.revokedInstances.list('other'), []);
    });
  });
}
