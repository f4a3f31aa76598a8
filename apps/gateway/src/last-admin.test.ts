import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { isGloveboxError } from '@glovebox/core';
import type { Gateway } from './server.js';
import { apiClient, CLUSTER_ADMIN as ADMIN, singleGateway, testCluster } from './cluster/test-cluster.js';
import type { Actor } from './services/identity.js';

type Api = ReturnType<typeof apiClient>;

async function open(t: TestContext, kind: 'sqlite' | 'postgres'): Promise<{ gw: Gateway; api: Api }> {
  if (kind === 'sqlite') return singleGateway(t);
  const cluster = testCluster(1);
  t.after(() => cluster.dispose());
  const gw = cluster.gateways[0]!;
  return { gw, api: apiClient(await gw.listen()) };
}

async function refusals(gw: Gateway, type: string): Promise<unknown[]> {
  const events = await gw.services.store.queryAudit({ limit: 5000 });
  return events
    .filter((e) => e.type === type && e.outcome === 'failure')
    .map((e) => (JSON.parse(e.event) as { details: unknown }).details);
}

const adminActor: Actor = {
  userId: 'x',
  name: 'admin',
  groups: ['admins'],
  tokenId: 't',
  tokenKind: 'api',
  mfaAt: null,
};

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`attack (${kind}): the last administrator cannot disable itself, nor be moved out of admins`, async (t) => {
    const { gw, api } = await open(t, kind);

    const self = await api('POST', '/users/admin/disable', ADMIN, {});
    assert.equal(self.status, 409);
    assert.equal((self.json.error as { code: string }).code, 'GBX_CONFLICT');
    assert.match((self.json.error as { message: string }).message, /administer/);
    assert.equal((await api('GET', '/whoami', ADMIN)).status, 200, 'the administrator keeps its access');
    const audited = await refusals(gw, 'user.disabled');
    assert.equal(audited.length, 1);
    const { user, reason } = audited[0] as { user: string; reason: string };
    assert.deepEqual({ user, reason }, { user: 'admin', reason: 'last administrator' });

    // Nor through glovebox.yaml: taking the only administrator out of `admins` is refused whole.
    await assert.rejects(
      gw.services.configApply.apply(adminActor, {
        document: { apiVersion: 'glovebox/v1', users: [{ name: 'admin', groups: ['engineers'] }] },
        prune: false,
        credentials: {},
      }),
      (e: unknown) => isGloveboxError(e, 'GBX_CONFLICT'),
    );
    assert.deepEqual((await gw.services.store.getUserByName('admin'))?.groups, ['admins']);
    assert.equal((await refusals(gw, 'config.applied')).length, 1);

    // With a second administrator, the first may go; the second is then the last.
    assert.equal((await api('POST', '/users', ADMIN, { name: 'rosa', groups: ['admins'] })).status, 201);
    assert.equal((await api('POST', '/users/admin/disable', ADMIN, {})).status, 200);
    const rosa = await gw.services.store.getUserByName('rosa');
    assert.equal(rosa?.disabled, false);
    await assert.rejects(
      gw.services.control.assertAdministrable([{ ...rosa, disabled: true }]),
      (e: unknown) => isGloveboxError(e, 'GBX_CONFLICT'),
    );
    // A replacement in the same document makes it acceptable: the final state counts.
    await gw.services.control.assertAdministrable([
      { ...rosa, disabled: true },
      { ...rosa, id: 'new', name: 'sam', groups: ['admins'] },
    ]);
  });
}
