import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isGloveboxError } from '@glovebox/core';
import { buildServer, type Gateway } from '../server.js';
import { CLUSTER_MASTER_KEY } from '../cluster/test-cluster.js';
import type { Actor } from '../services/identity.js';
import { hashBearer } from '../services/secrets.js';
import { configJsonSchema } from './document.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/policies', import.meta.url));
const admin: Actor = {
  userId: 'x',
  name: 'admin',
  groups: ['admins'],
  tokenId: 't',
  tokenKind: 'api',
  mfaAt: null,
};
const CREDENTIAL = 'gbx_a_checkout-credential-from-the-ci-secret-store';

async function gateway(t: TestContext, store?: string): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-cfg-'));
  process.env.GBX_TEST_HOOK_SECRET = 'hook-secret-0123456789abcdef';
  const gw = buildServer({
    dataDir: dir,
    policiesDir: EXAMPLES,
    store,
    logLevel: 'silent',
    watchPolicies: false,
    policySyncIntervalMs: 200,
    bootstrapToken: 'gbx_t_config-test-bootstrap-token-0000000',
    masterKey: CLUSTER_MASTER_KEY, // replicas of one store share it
  });
  await gw.ready();
  t.after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return gw;
}

function document(dir: string) {
  return {
    apiVersion: 'glovebox/v1',
    users: [
      { name: 'admin', groups: ['admins'] },
      { name: 'alice', groups: ['engineers'] },
      { name: 'bob', groups: ['sre-leads', 'engineers'] },
    ],
    agents: [
      {
        name: 'checkout',
        env: 'prod',
        owner: 'payments',
        tags: { tier: 'gold' },
        credential: { env: 'CHECKOUT_AGENT' },
      },
      { name: 'search', env: 'staging' },
    ],
    auditSinks: [{ type: 'file', name: 'local', path: join(dir, 'audit.jsonl') }],
    webhooks: [
      {
        name: 'oncall',
        url: 'http://127.0.0.1:9/hook',
        format: 'slack',
        secret: { env: 'GBX_TEST_HOOK_SECRET' },
      },
    ],
    sso: { groupMapping: { 'idp-sre': ['sre-leads'] } },
  };
}

test('apply creates what glovebox.yaml says, a second apply changes nothing, deletions need --prune', async (t) => {
  const gw = await gateway(t);
  const config = gw.services.configApply;
  const dir = mkdtempSync(join(tmpdir(), 'gbx-cfg-sinks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const doc = document(dir);
  const request = { document: doc, prune: false, credentials: { checkout: CREDENTIAL } };

  const plan = await config.plan(admin, request);
  assert.deepEqual(
    plan.changes.map((c) => [c.section, c.name, c.op]),
    [
      ['users', 'alice', 'create'],
      ['users', 'bob', 'create'],
      ['agents', 'checkout', 'create'],
      ['agents', 'search', 'create'],
      ['auditSinks', 'local', 'create'],
      ['webhooks', 'oncall', 'create'],
      ['sso', 'groupMapping', 'create'],
    ],
  );
  assert.equal(plan.unchanged, 1, 'admin exists already');
  assert.equal(await gw.services.store.getUserByName('alice'), null, 'a plan changes nothing');

  const applied = await config.apply(admin, request);
  assert.equal(applied.changes.length, 7);
  assert.deepEqual(
    applied.generatedCredentials.map((c) => c.agent),
    ['search'],
  );
  const checkout = await gw.services.store.getAgentByName('checkout');
  assert.equal(
    checkout?.credentialHash,
    hashBearer(CREDENTIAL),
    'the referenced credential is stored hashed',
  );
  assert.deepEqual(checkout?.tags, { tier: 'gold' });
  assert.deepEqual((await gw.services.store.getUserByName('bob'))?.groups, ['engineers', 'sre-leads']);
  assert.deepEqual(
    gw.services.sinks.status().map((s) => s.name),
    ['local'],
  );
  assert.deepEqual(gw.services.config.oidc, undefined);
  assert.equal(gw.services.settingsSync.error, null);

  const again = await config.apply(admin, request);
  assert.deepEqual(again.changes, [], 'idempotent');
  assert.equal(again.unchanged, 8);

  // drop bob, search and the webhook; rotate checkout's credential
  const smaller = {
    ...doc,
    users: doc.users.filter((u) => u.name !== 'bob'),
    agents: doc.agents.filter((a) => a.name !== 'search'),
    webhooks: [],
  };
  const rotated = `${CREDENTIAL}-rotated`;
  const withoutPrune = await config.apply(admin, {
    document: smaller,
    prune: false,
    credentials: { checkout: rotated },
  });
  assert.deepEqual(
    withoutPrune.changes.map((c) => [c.name, c.op, c.fields.map((f) => f.field)]),
    [['checkout', 'update', ['credential']]],
  );
  assert.deepEqual(
    withoutPrune.pruneSkipped.map((c) => [c.section, c.name]),
    [
      ['users', 'bob'],
      ['agents', 'search'],
      ['webhooks', 'oncall'],
    ],
  );
  assert.equal((await gw.services.store.getUserByName('bob'))?.disabled, false);

  const pruned = await config.apply(admin, {
    document: smaller,
    prune: true,
    credentials: { checkout: rotated },
  });
  assert.deepEqual(
    pruned.changes.map((c) => [c.section, c.name, c.op]),
    [
      ['users', 'bob', 'delete'],
      ['agents', 'search', 'delete'],
      ['webhooks', 'oncall', 'delete'],
    ],
  );
  assert.equal((await gw.services.store.getUserByName('bob'))?.disabled, true);
  assert.notEqual((await gw.services.store.getAgentByName('search'))?.revokedAt, null);
  const last = await config.plan(admin, {
    document: smaller,
    prune: true,
    credentials: { checkout: rotated },
  });
  assert.deepEqual([last.changes, last.pruneSkipped], [[], []], 'pruned state is stable');

  // the caller is never pruned, even when the file forgets it
  const noAdmin = { ...smaller, users: smaller.users.filter((u) => u.name !== 'admin') };
  const safe = await config.plan(admin, {
    document: noAdmin,
    prune: true,
    credentials: { checkout: rotated },
  });
  assert.deepEqual(safe.changes, []);

  const events = (await gw.services.store.queryAudit({ limit: 1000 })).map((r) => r.type);
  for (const type of [
    'user.created',
    'user.updated',
    'agent.registered',
    'agent.updated',
    'agent.revoked',
    'config.changed',
    'config.applied',
  ])
    assert.ok(events.includes(type), type);
  const trail = (await gw.services.store.queryAudit({ limit: 1000 })).map((r) => r.event).join('\n');
  assert.ok(
    !trail.includes(CREDENTIAL) && !trail.includes('hook-secret-0123456789abcdef'),
    'no secret in the audit trail',
  );
});

test('inline secrets, unknown fields and unusable references are refused and change nothing', async (t) => {
  const gw = await gateway(t);
  const config = gw.services.configApply;
  const dir = mkdtempSync(join(tmpdir(), 'gbx-cfg-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const base = document(dir);
  const aws = 'AKIAIOSFODNN7EXAMPLE';
  const cases: { name: string; doc: unknown; credentials?: Record<string, string>; error: RegExp }[] = [
    {
      name: 'inline webhook secret',
      doc: { ...base, webhooks: [{ ...base.webhooks[0], secret: 'plain-text-secret-value' }] },
      error: /webhooks\.0\.secret: secrets are never written inline/,
    },
    {
      name: 'inline agent credential',
      doc: { ...base, agents: [{ ...base.agents[0], credential: CREDENTIAL }] },
      error: /agents\.0\.credential: secrets are never written inline/,
    },
    {
      name: 'AWS key in a tag',
      doc: { ...base, agents: [{ name: 'x', env: 'prod', tags: { key: aws } }] },
      error: /agents\.0\.tags\.key: secrets are never written inline/,
    },
    {
      name: 'credential header inline',
      doc: {
        ...base,
        auditSinks: [
          {
            type: 'otlp',
            name: 'o',
            endpoint: 'https://otel.example.com',
            headers: { Authorization: 'Bearer abc' },
          },
        ],
      },
      error: /auditSinks\.0\.headers\.Authorization/,
    },
    { name: 'unknown field', doc: { ...base, users: [{ name: 'x', group: ['y'] }] }, error: /users\.0/ },
    { name: 'wrong apiVersion', doc: { ...base, apiVersion: 'v2' }, error: /apiVersion/ },
    {
      name: 'duplicate name',
      doc: { ...base, users: [base.users[0], base.users[0]] },
      error: /"admin" appears twice/,
    },
    {
      name: 'missing env secret on the gateway',
      doc: { ...base, webhooks: [{ ...base.webhooks[0], secret: { env: 'GBX_NOT_SET_ANYWHERE' } }] },
      error: /GBX_NOT_SET_ANYWHERE is not set on the gateway/,
    },
    {
      name: 'credential not sent',
      doc: base,
      credentials: {},
      error: /credential of agent checkout was not sent/,
    },
    {
      name: 'short credential',
      doc: base,
      credentials: { checkout: 'short' },
      error: /32 to 512 characters/,
    },
  ];
  for (const c of cases) {
    await assert.rejects(
      config.apply(admin, {
        document: c.doc,
        prune: false,
        credentials: c.credentials ?? { checkout: CREDENTIAL },
      }),
      (e: unknown) => {
        assert.ok(isGloveboxError(e, 'GBX_CONFIG_INVALID'), `${c.name}: ${String(e)}`);
        assert.match(e.message, c.error, c.name);
        assert.ok(
          !e.message.includes('plain-text-secret-value') &&
            !e.message.includes(aws) &&
            !e.message.includes(CREDENTIAL),
        );
        return true;
      },
    );
  }
  assert.equal(await gw.services.store.getUserByName('alice'), null);
  assert.equal(await gw.services.store.managedSettings.revision(), 0);
});

test('a second replica on the same store picks up applied settings', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-cfg-rep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = `sqlite:${join(dir, 'glovebox.db')}`;
  const a = await gateway(t, store);
  const b = await gateway(t, store);
  await a.services.configApply.apply(admin, {
    document: document(dir),
    prune: false,
    credentials: { checkout: CREDENTIAL },
  });
  const end = Date.now() + 10_000;
  while (b.services.sinks.status().length === 0) {
    if (Date.now() > end) assert.fail('replica b never added the sink');
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(
    b.services.sinks.status().map((s) => s.name),
    ['local'],
  );
});

test('the published JSON Schema is the one generated from the zod schema', async () => {
  const { readFileSync } = await import('node:fs');
  const published = JSON.parse(
    readFileSync(
      fileURLToPath(new URL('../../../../docs/schema/glovebox-config.schema.json', import.meta.url)),
      'utf8',
    ),
  ) as unknown;
  assert.deepEqual(
    published,
    configJsonSchema(),
    'run: node apps/gateway/dist/config-apply/write-json-schema.js',
  );
});
