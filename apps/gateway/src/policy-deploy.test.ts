import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { isGloveboxError } from '@glovebox/core';
import { bundleDigest, readPolicyBundle, type Decision, type PolicyBundle } from '@glovebox/policy';
import { buildServer, type Gateway } from './server.js';
import { CLUSTER_MASTER_KEY } from './cluster/test-cluster.js';
import type { Actor } from './services/identity.js';
import { PostgresStore } from './store/postgres-store.js';
import { TEST_PG_URL } from './store/test-stores.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/policies', import.meta.url));

const ci: Actor = {
  userId: 'u-ci',
  name: 'ci-policies',
  groups: ['policy-admins'],
  tokenId: 't',
  tokenKind: 'api',
  mfaAt: null,
};
const allowed = (approvals = 0): Decision => ({
  allowed: true,
  determiningPolicies: ['test'],
  policyVersion: 'test',
  reasons: [],
  errors: [],
  obligations: {
    maxDurationSec: 3600,
    idleTimeoutSec: 900,
    approvals,
    approverGroups: approvals > 0 ? ['policy-approvers'] : [],
    masking: 'standard',
    keepArtifactsSec: 0,
    outlivesLogin: false,
  },
});

interface Shared {
  store: string;
  dispose(): Promise<void>;
}

async function sharedStore(kind: 'sqlite' | 'postgres'): Promise<Shared> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'gbx-pd-'));
    return {
      store: `sqlite:${join(dir, 'glovebox.db')}`,
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `gbx_pd_${randomBytes(5).toString('hex')}`;
  return {
    store: `${TEST_PG_URL}?schema=${schema}`,
    async dispose() {
      const s = new PostgresStore({ connectionString: TEST_PG_URL, schema });
      await s.dropSchema();
      await s.close();
    },
  };
}

async function replica(
  t: TestContext,
  store: string,
  seed: string,
  name: string,
  logs: string[] = [],
): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-pdgw-'));
  const gw = buildServer({
    dataDir: dir,
    policiesDir: seed,
    store,
    policySource: 'store',
    policySyncIntervalMs: 200,
    replicaName: name,
    masterKey: CLUSTER_MASTER_KEY, // replicas of one store share it
    bootstrapToken: `gbx_t_${name}-bootstrap-token-000000000000`,
    logLevel: 'info',
    logDestination: new Writable({
      write(chunk: Buffer, _e, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  });
  await gw.ready();
  t.after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return gw;
}

async function examples(
  edit?: (files: PolicyBundle['files']) => PolicyBundle['files'],
): Promise<PolicyBundle> {
  const read = await readPolicyBundle(EXAMPLES);
  assert.ok(read.ok);
  return { files: edit ? edit(read.bundle.files) : read.bundle.files };
}

/** The examples with staging sessions capped at 2h instead of 4h, tests updated to match. */
const shorterStaging = (files: PolicyBundle['files']) =>
  files.map((f) =>
    f.path === 'access.cedar'
      ? { ...f, text: f.text.replace('@maxDuration("4h")', '@maxDuration("2h")') }
      : f.path.startsWith('tests/')
        ? { ...f, text: f.text.replaceAll('maxDuration: 4h', 'maxDuration: 2h') }
        : f,
  );

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`${kind}: push activates on both replicas, rollback too; a failing bundle changes nothing`, async (t) => {
    const shared = await sharedStore(kind);
    t.after(() => shared.dispose());
    const a = await replica(t, shared.store, EXAMPLES, 'gw-a');
    const b = await replica(t, shared.store, EXAMPLES, 'gw-b');
    const seeded = a.services.engine.version;
    assert.ok(seeded);
    assert.equal(b.services.engine.version, seeded, 'both replicas run the seeded version');
    const listed = await a.services.policyDeploy.versions(10);
    assert.deepEqual(
      listed.versions.map((v) => [v.version, v.author, v.state]),
      [[1, 'system:seed', 'active']],
    );

    const bundle = await examples(shorterStaging);
    const pushed = await a.services.policyDeploy.push(
      ci,
      { bundle, message: 'staging sessions 2h', claimed: { commit: 'abc123' } },
      allowed(),
      { claimed: { commit: 'abc123' } },
    );
    assert.equal(pushed.version, 2);
    assert.equal(pushed.activated, true);
    assert.equal(pushed.digest, bundleDigest(bundle));
    assert.notEqual(a.services.engine.version, seeded, 'the pushing replica is current when it answers');
    await until('replica b runs version 2', () => b.services.policySync.status().version === 2);
    assert.equal(b.services.engine.version, a.services.engine.version);
    await until(
      'both replicas reported',
      async () =>
        (await a.services.policyDeploy.versions(10)).replicas.filter((r) => r.generation === 2).length === 2,
    );

    // the same bundle again changes nothing (CI re-runs)
    const again = await b.services.policyDeploy.push(
      ci,
      { bundle, message: 'rerun', claimed: {} },
      allowed(),
      { claimed: {} },
    );
    assert.deepEqual([again.version, again.unchanged, again.activated], [2, true, false]);

    // tests fail: refused, nothing stored or activated
    const broken = await examples((files) =>
      files.map((f) =>
        f.path === 'access.cedar'
          ? { ...f, text: f.text.replace('@maxDuration("4h")', '@maxDuration("3h")') }
          : f,
      ),
    );
    await assert.rejects(
      a.services.policyDeploy.push(ci, { bundle: broken, message: 'oops', claimed: {} }, allowed(), {
        claimed: {},
      }),
      (e: unknown) => isGloveboxError(e, 'GBX_POLICY_TESTS_FAILED') && (e.details?.['failed'] as number) > 0,
    );
    assert.equal((await a.services.store.policyBundles.list(10)).length, 2);
    assert.equal((await a.services.store.policyBundles.active())?.version, 2);
    const refused = await a.services.store.queryAudit({ limit: 5000 });
    assert.ok(refused.some((r: { type: string }) => r.type === 'policy.push_refused'));

    // rollback through the other replica
    const back = await b.services.policyDeploy.rollback(ci, 1);
    assert.equal(back.unchanged, false);
    assert.equal(b.services.engine.version, seeded);
    await until('replica a rolled back', () => a.services.engine.version === seeded);
    const history = await a.services.policyDeploy.versions(10);
    assert.deepEqual(
      history.activations.map((x) => [x.generation, x.version, x.kind]),
      [
        [3, 1, 'rollback'],
        [2, 2, 'push'],
        [1, 1, 'seed'],
      ],
    );
    assert.deepEqual(
      history.versions.map((v) => [v.version, v.state]),
      [
        [2, 'superseded'],
        [1, 'active'],
      ],
    );
    const diff = await a.services.policyDeploy.diff(1, 2);
    assert.deepEqual(diff.files.map((f) => f.path).sort(), ['access.cedar', 'tests/access.yaml'].sort());
    assert.deepEqual(
      diff.policies.map((p) => [p.id, p.status]),
      [['engineers-staging-inspect', 'modified']],
    );
  });
}

test('two-person rule: a push that policy says needs an approval waits for someone else', async (t) => {
  const shared = await sharedStore('sqlite');
  t.after(() => shared.dispose());
  const gw = await replica(t, shared.store, EXAMPLES, 'gw');
  const seeded = gw.services.engine.version;
  const bundle = await examples(shorterStaging);
  const pushed = await gw.services.policyDeploy.push(ci, { bundle, message: 'm', claimed: {} }, allowed(1), {
    claimed: {},
  });
  assert.deepEqual([pushed.activated, pushed.approvalsPending], [false, 1]);
  assert.equal(gw.services.engine.version, seeded);
  const deploy = gw.services.policyDeploy;
  const reviewer = (name: string, groups = ['policy-approvers']): Actor => ({ ...ci, name, groups });
  const refusedWith = (code: Parameters<typeof isGloveboxError>[1]) => (e: unknown) =>
    isGloveboxError(e, code);
  await assert.rejects(
    deploy.approve(reviewer('ci-policies'), 2, pushed.digest),
    refusedWith('GBX_SELF_APPROVAL'),
  );
  await assert.rejects(
    deploy.approve(reviewer('eve', ['engineers']), 2, pushed.digest),
    refusedWith('GBX_POLICY_DENIED'),
  );
  await assert.rejects(
    deploy.approve(reviewer('bob'), 2, `sha256:${'0'.repeat(64)}`),
    refusedWith('GBX_APPROVAL_MISMATCH'),
  );
  await assert.rejects(deploy.rollback(ci, 2), refusedWith('GBX_POLICY_NOT_APPROVED'));
  const approved = await deploy.approve(reviewer('bob'), 2, pushed.digest);
  assert.deepEqual(approved, { approvals: 1, activated: true });
  assert.notEqual(gw.services.engine.version, seeded);
  await assert.rejects(
    deploy.approve(reviewer('bob'), 2, pushed.digest),
    refusedWith('GBX_ALREADY_APPROVED'),
  );
});

test('a replica that cannot activate the version in force keeps its last good set and says so', async (t) => {
  const shared = await sharedStore('sqlite');
  t.after(() => shared.dispose());
  const logs: string[] = [];
  const gw = await replica(t, shared.store, EXAMPLES, 'gw', logs);
  const good = gw.services.engine.version;
  // somebody with database access slips in a version whose files do not match its digest
  const v1 = (await gw.services.store.policyBundles.get(1))!;
  const files = v1.files.map((f) =>
    f.path === 'admin.cedar'
      ? { ...f, text: `${f.text}\n@id("backdoor") permit (principal, action, resource);` }
      : f,
  );
  const added = await gw.services.store.policyBundles.add(
    { ...v1, files },
    { kind: 'push', actor: 'mallory', at: Date.now() },
  );
  assert.ok(added);
  await gw.services.policySync.syncNow();
  const status = gw.services.policySync.status();
  assert.equal(status.inSync, false);
  assert.match(status.error ?? '', /do not match its digest/);
  assert.equal(gw.services.engine.version, good, 'the last good set stays');
  const ready = await gw.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 503);
  assert.match(ready.body, /policy out of sync/);
  assert.match(gw.services.metrics.render(), /glovebox_policy_in_sync 0/);
  assert.ok(logs.some((l) => l.includes('POLICY NOT ACTIVATED')));
  await until('the failure is audited', async () =>
    (await gw.services.store.queryAudit({ limit: 5000 })).some(
      (r: { type: string }) => r.type === 'policy.activation_failed',
    ),
  );
  // a rollback to the good version brings it back in step
  await gw.services.policyDeploy.rollback(ci, 1);
  assert.equal(gw.services.policySync.status().inSync, true);
  assert.equal((await gw.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
});

test('an empty store without a valid seed denies everything; a directory gateway refuses pushes', async (t) => {
  const shared = await sharedStore('sqlite');
  t.after(() => shared.dispose());
  const seed = mkdtempSync(join(tmpdir(), 'gbx-seed-'));
  cpSync(EXAMPLES, seed, { recursive: true });
  writeFileSync(
    join(seed, 'access.cedar'),
    readFileSync(join(seed, 'access.cedar'), 'utf8').replace('"4h"', '"3h"'),
  );
  const gw = await replica(t, shared.store, seed, 'gw');
  assert.equal(gw.services.engine.version, undefined, 'a seed whose tests fail is not seeded');
  assert.equal((await gw.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
  assert.equal(await gw.services.store.policyBundles.active(), null);

  const dir = mkdtempSync(join(tmpdir(), 'gbx-dirgw-'));
  const plain = buildServer({
    dataDir: dir,
    policiesDir: EXAMPLES,
    logLevel: 'silent',
    watchPolicies: false,
  });
  await plain.ready();
  t.after(async () => {
    await plain.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await assert.rejects(
    plain.services.policyDeploy.push(ci, { bundle: await examples(), message: '', claimed: {} }, allowed(), {
      claimed: {},
    }),
    (e: unknown) => isGloveboxError(e, 'GBX_POLICY_SOURCE_DIRECTORY'),
  );
});
