import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCiProvider } from '@glovebox/gateway/testing/ci-provider';
import { cli, deploy, editPolicy, waitFor, type StoreKind } from './harness.js';

const AUDIENCE = 'https://glovebox.example.com';
const MAIN = { repository: 'acme/policies', ref: 'refs/heads/main', sha: 'a1b2c3d4e5f6', run_id: '4242' };

/** The gateways' server file: policies from the store, and the CI provider trusted for two rules. */
function serverFile(issuer: string): string {
  return [
    'policySource: store',
    'policySyncIntervalMs: 300',
    'ciTokenExchange:',
    '  tokenTtl: 10m',
    '  issuers:',
    `    - issuer: ${issuer}`,
    `      audience: ${AUDIENCE}`,
    '      algorithms: [RS256]',
    '      rules:',
    '        - claims: { repository: acme/policies, ref: refs/heads/main }',
    '          user: ci-policies',
    '          groups: [ci, policy-admins]',
    '        - claims: { repository: acme/policies }',
    '          user: ci-policies-branches',
    '          groups: [ci]',
    '',
  ].join('\n');
}

const glovebox = (users: string) => `apiVersion: glovebox/v1
users:
${users}
agents:
  - name: svc-staging
    env: staging
    owner: payments
    credential: { env: SVC_STAGING_CREDENTIAL }
`;
const PEOPLE = `  - { name: alice, groups: [engineers] }
  - { name: bob, groups: [policy-approvers] }`;

interface Versions {
  status: { version: number | null; policySetVersion: string | null };
  active: { version: number; generation: number } | null;
  versions: { version: number; state: string; origin: { verified?: Record<string, string> } }[];
  replicas: { replica: string; generation: number; version: number | null }[];
}

for (const store of ['sqlite', 'postgres'] as StoreKind[]) {
  test(
    `policies and configuration deployed from CI through the CLI on ${store}`,
    { timeout: 180_000 },
    async (t) => {
      const ci = await startTestCiProvider(MAIN);
      t.after(() => ci.close());
      const etc = mkdtempSync(join(tmpdir(), 'gbx-e2e-server-'));
      t.after(() => rmSync(etc, { recursive: true, force: true }));
      const serverYaml = join(etc, 'server.yaml');
      writeFileSync(serverYaml, serverFile(ci.issuer));
      const d = await deploy(store, undefined, { args: ['--config', serverYaml] });
      t.after(() => d.stop());
      const replica = await d.startReplica('b');
      const admin = d.adminEnv;
      const file = (name: string, text: string) => {
        const path = join(d.dir, name);
        writeFileSync(path, text);
        return path;
      };
      const credential = 'gbx_a_staging-credential-0123456789abcdefghij';
      const applyEnv = { ...admin, SVC_STAGING_CREDENTIAL: credential };

      await t.test(
        'glovebox.yaml: plan shows the changes (exit 5), apply makes them, again is a no-op; --prune deletes',
        async () => {
          const first = file(
            'glovebox.yaml',
            glovebox(`${PEOPLE}\n  - { name: carol, groups: [engineers] }`),
          );
          const plan = await cli(['plan', '-f', first, '--json'], applyEnv);
          assert.equal(plan.code, 5, plan.stderr);
          assert.deepEqual(
            plan
              .json<{ changes: { section: string; name: string; op: string }[] }>()
              .changes.map((c) => `${c.op} ${c.section} ${c.name}`)
              .sort(),
            ['create agents svc-staging', 'create users alice', 'create users bob', 'create users carol'],
          );
          const applied = await cli(['apply', '-f', first, '--json'], applyEnv);
          assert.equal(applied.code, 0, applied.stderr);
          // the created agent's pin, as `agents register` prints it
          const current = (await cli(['agents', 'keys', '--json'], admin)).json<{ current: string }>()
            .current;
          assert.deepEqual(applied.json<{ gatewayKeys: string[] }>().gatewayKeys, [current]);
          const again = await cli(['plan', '-f', first, '--json'], applyEnv);
          assert.equal(again.code, 0, 'a second plan after apply is empty');
          assert.equal(again.json<{ changes: unknown[] }>().changes.length, 0);
          const inline = file(
            'inline.yaml',
            glovebox(PEOPLE).replace('{ env: SVC_STAGING_CREDENTIAL }', credential),
          );
          const refused = await cli(['apply', '-f', inline, '--json'], applyEnv);
          assert.equal(refused.code, 1);
          assert.doesNotMatch(refused.stdout + refused.stderr, new RegExp(credential));

          const second = file('glovebox.yaml', glovebox(PEOPLE));
          const kept = await cli(['plan', '-f', second, '--json'], applyEnv);
          assert.equal(kept.code, 0, 'deletions only with --prune');
          assert.equal(kept.json<{ pruneSkipped: { name: string }[] }>().pruneSkipped[0]?.name, 'carol');
          const pruned = await cli(['apply', '-f', second, '--prune', '--json'], applyEnv);
          assert.equal(pruned.code, 0, pruned.stderr);
          assert.deepEqual(
            pruned
              .json<{ changes: { op: string; name: string }[] }>()
              .changes.map((c) => `${c.op} ${c.name}`),
            ['delete carol'],
          );
        },
      );

      const tokenOf = async (user: string) => {
        const r = await cli(['tokens', 'create', '--user', user, '--ttl', '1h', '--json'], admin);
        assert.equal(r.code, 0, r.stderr);
        return {
          GLOVEBOX_URL: d.url,
          GLOVEBOX_HOME: join(d.dir, 'home', user),
          GLOVEBOX_TOKEN: r.json<{ token: string }>().token,
        };
      };
      const alice = await tokenOf('alice');
      const bob = await tokenOf('bob');
      /** A pipeline's environment: its own home, GitHub Actions' variables and a fresh OIDC token. */
      const pipeline = async (claims: Record<string, string>) => {
        ci.claims = claims;
        const env = {
          GLOVEBOX_URL: d.url,
          GLOVEBOX_HOME: join(d.dir, 'home', `ci-${claims.ref?.replace(/\W/g, '-') ?? ''}`),
          GLOVEBOX_CI_TOKEN: await ci.mint(AUDIENCE),
          GITHUB_ACTIONS: 'true',
          GITHUB_REPOSITORY: 'acme/policies',
          GITHUB_SHA: claims.sha ?? '',
          GITHUB_RUN_ID: claims.run_id ?? '',
        };
        const login = await cli(['login', '--ci', '--json'], env);
        assert.equal(login.code, 0, login.stderr);
        return { env, login: login.json<{ user: string; groups: string[] }>() };
      };

      /** Alice asks a gateway for staging facts; policy decides whether the session opens at once. */
      const aliceOnStaging = async (reason: string, url = d.url): Promise<string> => {
        const r = await cli(
          ['request', 'svc-staging', '--actions', 'facts', '--reason', reason, '--json', '--url', url],
          alice,
        );
        assert.equal(r.code === 0 || r.code === 4, true, r.stderr);
        const answer = r.json<{ status: string; policyVersion: string; determiningPolicies: string[] }>();
        return `${answer.status}${answer.status === 'pending' ? '' : ` ${answer.policyVersion} ${answer.determiningPolicies.join(',')}`}`;
      };

      await t.test('recorded history: alice opens a staging session at once', async () => {
        assert.match(await aliceOnStaging('INC-7 error rate on staging'), /^active /);
      });

      // the proposal: staging inspection needs an SRE lead's approval, and the bundle's tests say so
      const STAGING = '@description("Engineers inspect staging targets at once.")\n';
      const approvedStaging = (dir: string) => {
        cpSync(d.policiesDir, dir, { recursive: true });
        editPolicy(dir, 'access.cedar', STAGING, `${STAGING}@approvals("1")\n@approverGroups("sre-leads")\n`);
      };
      const proposed = join(d.dir, 'proposed');
      approvedStaging(proposed);
      editPolicy(
        proposed,
        'tests/access.yaml',
        'obligations: { approvals: 0, approverGroups: [], maxDuration: 4h',
        'obligations: { approvals: 1, approverGroups: [sre-leads], maxDuration: 4h',
      );
      editPolicy(
        proposed,
        'tests/access.yaml',
        'determiningPolicies: [engineers-staging-inspect], obligations: { approvals: 0 }',
        'determiningPolicies: [engineers-staging-inspect], obligations: { approvals: 1 }',
      );

      await t.test(
        'a branch pipeline plans (exit 5: exactly alice’s session would change) but may not push',
        async () => {
          const { env, login } = await pipeline({ ...MAIN, ref: 'refs/heads/shorter-staging' });
          assert.deepEqual(login, { ...login, user: 'ci-policies-branches', groups: ['ci'] });
          const again = await cli(['login', '--ci'], env);
          assert.equal(again.code, 1, 'a CI token is exchanged once');
          const plan = await cli(['policy', 'plan', proposed, '--json'], env);
          assert.equal(plan.code, 5, plan.stderr);
          const changes = plan.json<{ changes: { principal: string; kinds: string[] }[] }>().changes;
          assert.ok(changes.length > 0);
          for (const c of changes)
            assert.deepEqual([c.principal, c.kinds], ['alice', ['obligations-tightened']]);
          const unchanged = await cli(['policy', 'plan', d.policiesDir], env);
          assert.equal(unchanged.code, 0, unchanged.stderr);
          assert.equal((await cli(['policy', 'push', proposed], env)).code, 3, 'only main pushes');
          assert.equal((await cli(['policy', 'push', proposed], alice)).code, 3, 'people do not push');
        },
      );

      await t.test('main pushes: both replicas run it, and decide by it', async () => {
        const { env } = await pipeline(MAIN);
        const push = await cli(
          [
            'policy',
            'push',
            proposed,
            '-m',
            'staging inspection needs an SRE lead',
            '--wait',
            '20s',
            '--json',
          ],
          env,
        );
        assert.equal(push.code, 0, push.stderr);
        const pushed = push.json<{ version: number; activated: boolean; replicas: Versions['replicas'] }>();
        assert.deepEqual([pushed.version, pushed.activated], [2, true]);
        assert.deepEqual(
          pushed.replicas.map((r) => r.version),
          [2, 2],
        );
        const onB = await cli(['policy', 'versions', '--json', '--url', replica], env);
        assert.equal(onB.code, 0, onB.stderr);
        const v = onB.json<Versions>();
        assert.equal(v.status.version, 2, 'the second replica runs version 2');
        assert.deepEqual(v.versions[0]?.origin.verified, {
          ...v.versions[0]?.origin.verified,
          repository: 'acme/policies',
          ref: 'refs/heads/main',
          sha: MAIN.sha,
        });
        assert.equal(
          await aliceOnStaging('INC-8 checking the new rule', replica),
          'pending',
          'replica b decides by version 2',
        );
      });

      await t.test('a bundle whose tests fail is refused and nothing is activated', async () => {
        const broken = join(d.dir, 'broken');
        cpSync(proposed, broken, { recursive: true });
        editPolicy(broken, 'access.cedar', '@maxDuration("4h")', '@maxDuration("3h")');
        const { env } = await pipeline({ ...MAIN, run_id: '4243' });
        const push = await cli(['policy', 'push', broken, '--json'], env);
        assert.equal(push.code, 1);
        assert.equal(push.json<{ error: { code: string } }>().error.code, 'GBX_POLICY_TESTS_FAILED');
        const v = (await cli(['policy', 'versions', '--json'], env)).json<Versions>();
        assert.deepEqual([v.active?.version, v.versions.length], [2, 2]);
      });

      await t.test('a push by hand waits for a second person from policy-approvers', async () => {
        const manual = join(d.dir, 'manual');
        cpSync(d.policiesDir, manual, { recursive: true });
        editPolicy(manual, 'access.cedar', '@idleTimeout("30m")', '@idleTimeout("20m")');
        editPolicy(manual, 'tests/access.yaml', 'idleTimeout: 30m', 'idleTimeout: 20m');
        const push = await cli(['policy', 'push', manual, '-m', 'by hand', '--json'], admin);
        assert.equal(push.code, 0, push.stderr);
        assert.deepEqual(push.json<{ version: number; activated: boolean; approvalsPending: number }>(), {
          ...push.json(),
          version: 3,
          activated: false,
          approvalsPending: 1,
        });
        assert.equal((await cli(['policy', 'approve', '3'], admin)).code, 3, 'not by its author');
        assert.equal((await cli(['policy', 'approve', '3'], alice)).code, 3, 'not by engineers');
        const approved = await cli(['policy', 'approve', '3', '--json'], bob);
        assert.equal(approved.code, 0, approved.stderr);
        assert.equal(approved.json<{ activated: boolean }>().activated, true);
      });

      await t.test('show, diff and rollback', async () => {
        const { env } = await pipeline({ ...MAIN, run_id: '4244' });
        const show = await cli(['policy', 'show', '2', '--json'], bob);
        assert.equal(show.code, 0, show.stderr);
        assert.equal(show.json<{ message: string; author: string }>().author, 'ci-policies');
        const diff = await cli(['policy', 'diff', '1', '2', '--json'], env);
        assert.equal(diff.code, 0, diff.stderr);
        const policies = diff.json<{ policies: { id: string; status: string }[] }>().policies;
        assert.ok(policies.some((p) => p.id === 'engineers-staging-inspect' && p.status === 'modified'));
        assert.equal((await cli(['policy', 'rollback', '1'], alice)).code, 3, 'people do not roll back');
        const back = await cli(['policy', 'rollback', '1', '--json'], env);
        assert.equal(back.code, 0, back.stderr);
        const waited = await cli(['policy', 'versions', '--json'], env);
        const v = waited.json<Versions>();
        assert.equal(v.active?.version, 1);
        assert.deepEqual(
          v.versions.map((x) => `${x.version} ${x.state}`),
          ['3 superseded', '2 superseded', '1 active'],
        );
        await waitFor(
          async () =>
            (await cli(['policy', 'versions', '--json', '--url', replica], env)).json<Versions>().status
              .version === 1,
          'the second replica back on version 1',
        );
      });
    },
  );
}
