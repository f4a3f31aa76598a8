import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cli,
  deploy,
  editPolicy,
  waitFor,
  type Registration,
  type StoreKind,
  enrollTotp,
} from './harness.js';

interface RequestJson {
  id: string;
  status: string;
  digest: string;
}

for (const store of ['sqlite', 'postgres'] as StoreKind[]) {
  test(`end to end through the CLI on ${store}`, { timeout: 120_000 }, async (t) => {
    const d = await deploy(store, (dir) =>
      editPolicy(
        dir,
        'access.cedar',
        '@maxDuration("4h")\n@idleTimeout("30m")',
        '@maxDuration("4h")\n@idleTimeout("3s")',
      ),
    );
    t.after(() => d.stop());
    const admin = d.adminEnv;
    const alice = d.userEnv('alice');
    const bob = d.userEnv('bob');

    await t.test('admin seeds users and registers agents', async () => {
      assert.equal(
        (
          await cli(
            ['users', 'add', 'alice', '--groups', 'engineers', '--password-stdin'],
            admin,
            'alice-password-123\n',
          )
        ).code,
        0,
      );
      assert.equal(
        (
          await cli(
            ['users', 'add', 'bob', '--groups', 'engineers,sre-leads', '--password-stdin'],
            admin,
            'bob-password-1234\n',
          )
        ).code,
        0,
      );
      for (const [name, env] of [
        ['svc-staging', 'staging'],
        ['svc-prod', 'prod'],
      ] as const) {
        const reg = await cli(
          ['agents', 'register', name, '--env', env, '--owner', 'payments', '--json'],
          admin,
        );
        assert.equal(reg.code, 0, reg.stderr);
        await d.startAgentService(reg.json<Registration>());
      }
      await waitFor(async () => {
        const agents = (await cli(['agents', '--json'], admin)).json<{ connected: boolean }[]>();
        return agents.length === 2 && agents.every((a) => a.connected);
      }, 'agents connected');
    });

    await t.test('users log in; a wrong password is refused', async () => {
      assert.equal(
        (await cli(['login', '--user', 'alice', '--password-stdin'], alice, 'wrong-password-xx\n')).code,
        1,
      );
      assert.equal(
        (await cli(['login', '--user', 'alice', '--password-stdin'], alice, 'alice-password-123\n')).code,
        0,
      );
      const bobLogin = await cli(['login', '--user', 'bob', '--password-stdin'], bob, 'bob-password-1234\n');
      assert.equal(bobLogin.code, 0, bobLogin.stderr);
      const me = (await cli(['whoami', '--json'], alice)).json<{ user: string; groups: string[] }>();
      assert.deepEqual(me, { ...me, user: 'alice', groups: ['engineers'] });
      const targets = (await cli(['targets', '--json'], alice)).json<{ name: string; env: string }[]>();
      assert.deepEqual(targets.map((x) => `${x.name}:${x.env}`).sort(), [
        'svc-prod:prod',
        'svc-staging:staging',
      ]);
    });

    let staging = '';
    await t.test('an engineer opens a staging facts session at once', async () => {
      const r = await cli(
        ['request', 'svc-staging', '--actions', 'facts,snapshot', '--reason', 'latency spike', '--json'],
        alice,
      );
      assert.equal(r.code, 0, r.stderr);
      const req = r.json<RequestJson>();
      assert.equal(req.status, 'active');
      staging = req.id;
      const facts = await cli(['facts', staging, '--json'], alice);
      assert.equal(facts.code, 0, facts.stderr);
      assert.equal(facts.json<{ runtime: { node: string } }>().runtime.node, process.versions.node);
    });

    await t.test('a session grants only its actions; others cannot use it', async () => {
      assert.equal((await cli(['eval', staging, '1+1'], alice)).code, 3);
      assert.equal((await cli(['facts', staging], bob)).code, 1, 'bob cannot even see alice’s session');
    });

    let prod = '';
    await t.test('prod needs a fresh MFA first (exit 4), then waits for approval (exit 4)', async () => {
      const noMfa = await cli(
        ['request', 'svc-prod', '--actions', 'facts', '--reason', 'INC-42 errors', '--json'],
        alice,
      );
      assert.equal(noMfa.code, 4);
      assert.equal(noMfa.json<{ error: { code: string } }>().error.code, 'GBX_STEP_UP_REQUIRED');
      await enrollTotp(admin, alice, 'alice', 'alice-password-123');
      const r = await cli(
        ['request', 'svc-prod', '--actions', 'facts', '--reason', 'INC-42 errors', '--json'],
        alice,
      );
      assert.equal(r.code, 4, r.stderr);
      const req = r.json<RequestJson>();
      assert.equal(req.status, 'pending');
      prod = req.id;
      assert.equal((await cli(['facts', prod], alice)).code, 3, 'no action while pending');
    });

    await t.test("the requester's own approval is refused", async () => {
      const r = await cli(['approve', prod, '--json'], alice);
      assert.notEqual(r.code, 0);
      const pending = (await cli(['requests', '--pending', '--json'], alice)).json<RequestJson[]>();
      assert.equal(pending.find((x) => x.id === prod)?.status, 'pending');
    });

    await t.test('an sre-leads approval opens it and facts answers', async () => {
      const list = (await cli(['requests', '--pending', '--json'], bob)).json<RequestJson[]>();
      assert.ok(
        list.some((x) => x.id === prod),
        'bob sees the request to approve',
      );
      // A target name picks the only request on it waiting for bob: no id to copy.
      const r = await cli(['approve', 'svc-prod', '--comment', 'ok', '--json'], bob);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.json<RequestJson>().status, 'active');
      assert.notEqual((await cli(['approve', prod], bob)).code, 0, 'an approval counts once');
      assert.equal((await cli(['approve', 'svc-staging'], bob)).code, 2, 'nothing waits on svc-staging');
      const followed = (await cli(['sessions', '--json'], bob)).json<RequestJson[]>();
      assert.ok(
        followed.some((x) => x.id === prod),
        'bob lists the session he approved',
      );
      const facts = await cli(['facts', prod, '--json'], alice);
      assert.equal(facts.code, 0, facts.stderr);
    });

    await t.test('request --wait shows who must approve and returns once they do', async () => {
      const waiting = cli(
        [
          'request',
          'svc-prod',
          '--actions',
          'facts',
          '--reason',
          'INC-43 follow-up',
          '--wait',
          '60s',
          '--json',
        ],
        alice,
      );
      let id = '';
      await waitFor(async () => {
        const pending = (await cli(['requests', '--pending', '--json'], bob)).json<RequestJson[]>();
        id = pending.find((x) => x.id !== prod && x.status === 'pending')?.id ?? '';
        return id !== '';
      }, 'the waiting request');
      // Without an argument: the only request waiting for bob.
      const approved = await cli(['approve', '--json'], bob);
      assert.equal(approved.code, 0, approved.stderr);
      assert.equal(approved.json<RequestJson>().id, id);
      const r = await waiting;
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.equal(r.json<RequestJson>().status, 'active');
      assert.match(r.stderr, /waiting for 1 approval\(s\) from sre-leads/);
    });

    await t.test(
      'break-glass: reason required, opens at once with the shortest TTL and strict masking, flagged in the audit',
      async () => {
        const olivia = await d.addUser('olivia', ['engineers', 'oncall']);
        await enrollTotp(admin, olivia, 'olivia', 'olivia-password-123');
        const short = await cli(
          ['request', 'svc-prod', '--actions', 'facts', '--reason', 'down', '--break-glass', '--json'],
          olivia,
        );
        assert.equal(short.code, 2, 'the CLI refuses it before sending (the gateway would too)');
        const refusal = short.json<{ error: { code: string; message: string } }>().error;
        assert.equal(refusal.code, 'GBX_USAGE');
        assert.match(refusal.message, /at least 10 visible characters for --break-glass/);
        const r = await cli(
          [
            'request',
            'svc-prod',
            '--actions',
            'facts',
            '--reason',
            'INC-99 payments are down',
            '--break-glass',
            '--json',
          ],
          olivia,
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const bg = r.json<{
          id: string;
          status: string;
          breakGlass: boolean;
          durationSec: number;
          obligations: { masking: string };
        }>();
        assert.equal(bg.status, 'active');
        assert.equal(bg.breakGlass, true);
        assert.ok(bg.durationSec <= 15 * 60);
        assert.equal(bg.obligations.masking, 'strict');
        assert.equal((await cli(['facts', bg.id], olivia)).code, 0);
        const events = (await cli(['audit', '--all', '--json', '--session', bg.id], admin)).json<
          { type: string; event: { severity: string } }[]
        >();
        const flagged = events.find((e) => e.type === 'request.break_glass');
        assert.equal(flagged?.event.severity, 'W', 'break-glass is flagged for review');
      },
    );

    await t.test('after end every action is refused with exit 3', async () => {
      assert.equal((await cli(['end', prod], alice)).code, 0);
      const r = await cli(['facts', prod, '--json'], alice);
      assert.equal(r.code, 3);
      assert.equal(r.json<{ error: { code: string } }>().error.code, 'GBX_SESSION_NOT_ACTIVE');
    });

    await t.test('an idle session is ended by the reaper, also across a gateway restart', async () => {
      await d.restartGateway();
      await waitFor(async () => {
        const s = (await cli(['sessions', '--all', '--json'], alice)).json<
          { id: string; status: string }[]
        >();
        return s.find((x) => x.id === staging)?.status === 'ended';
      }, 'idle session ended');
      assert.equal((await cli(['facts', staging], alice)).code, 3);
    });

    await t.test('the audit trail shows the whole story', async () => {
      const events = (await cli(['audit', '--all', '--json'], admin)).json<
        { type: string; sessionId: string | null }[]
      >();
      const types = events.filter((e) => e.sessionId === prod).map((e) => e.type);
      for (const type of [
        'request.created',
        'request.approved',
        'session.started',
        'action.intent',
        'action.result',
        'session.ended',
      ]) {
        assert.ok(types.includes(type), `audit has ${type}`);
      }
      assert.equal((await cli(['audit'], alice)).code, 3, 'engineers may not read the audit');
    });

    await t.test('the trail verifies live and offline from an export; a changed byte is caught', async () => {
      const live = await cli(['audit', 'verify', '--json'], admin);
      assert.equal(live.code, 0, live.stdout);
      assert.equal((await cli(['audit', 'rotate-key'], admin)).code, 0);
      assert.equal((await cli(['audit', 'rotate-key'], alice)).code, 3, 'only admins rotate keys');
      await cli(['whoami'], alice);
      const file = join(d.dir, 'export.jsonl');
      assert.equal((await cli(['audit', 'export', '--out', file], admin)).code, 0);
      const elsewhere = join(mkdtempSync(join(tmpdir(), 'gbx-offline-')), 'copy.jsonl');
      copyFileSync(file, elsewhere);
      const offline = await cli(['audit', 'verify', '--file', elsewhere, '--json'], {});
      assert.equal(offline.code, 0, offline.stdout);
      assert.ok(offline.json<{ events: number }>().events > 10);
      assert.ok(
        offline.json<{ checkpoints: number }>().checkpoints >= 2,
        'checkpoints signed before and after the rotation verify',
      );
      writeFileSync(
        elsewhere,
        readFileSync(elsewhere, 'utf8').replace('"outcome":"denied"', '"outcome":"success"'),
      );
      const tampered = await cli(['audit', 'verify', '--file', elsewhere, '--json'], {});
      assert.equal(tampered.code, 1);
      assert.ok(tampered.json<{ firstBadSeq: number }>().firstBadSeq > 0);
    });
  });
}
