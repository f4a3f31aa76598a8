import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentEnv, cli, deploy, editPolicy, ROOT, waitFor, type Registration } from './harness.js';

const PLAIN = join(ROOT, 'tests/e2e/fixtures/semicolon-free.mjs');
const OTHER = join(ROOT, 'tests/e2e/fixtures/service.mjs');
const HOT_LINE =
  readFileSync(PLAIN, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('const total = qty * unit * rate')) + 1;

interface Instance {
  id: string;
  host: string;
  pid: number;
  version: string | null;
  startedAt: number;
}
interface Target {
  name: string;
  instances: Instance[];
}
interface Part {
  instance: string;
  host: string;
  pid: number;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/** The process id in a `facts` result. */
const pidOf = (facts: unknown): number | undefined => (facts as { runtime?: { pid?: number } }).runtime?.pid;

test(
  'one service, three instances behind one credential: listed, fanned out, refused per instance, one dies',
  { timeout: 300_000 },
  async (t) => {
    assert.ok(HOT_LINE > 0);
    const d = await deploy('sqlite');
    const admin = d.adminEnv;
    const alice = d.userEnv('alice');
    const children: ChildProcess[] = [];
    t.after(async () => {
      for (const c of children) c.kill('SIGKILL');
      await d.stop();
    });
    await d.addUser('alice', ['engineers']);
    const reg = (
      await cli(['agents', 'register', 'shop', '--env', 'staging', '--json'], admin)
    ).json<Registration>();
    // Two instances run the release being debugged; the third still runs another build (a rollout).
    const start = (script: string, version: string) => {
      const child = spawn(process.execPath, ['--import', '@glovebox/agent/register', script], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          ...agentEnv(d.url, reg),
          GLOVEBOX_SERVICE_VERSION: version,
          PORT: '0',
        },
        stdio: ['ignore', 'ignore', process.env.GLOVEBOX_E2E_DEBUG ? 'inherit' : 'ignore'],
      });
      children.push(child);
      return child;
    };
    const a = start(PLAIN, '2.0.0');
    start(PLAIN, '2.0.0');
    const old = start(OTHER, '1.9.0');
    const targets = async () => (await cli(['targets', '--json'], alice)).json<Target[]>();
    await waitFor(async () => (await targets())[0]?.instances.length === 3, 'three instances', 60_000);

    await t.test('targets lists every instance with id, host, pid, version and start time', async () => {
      const [shop] = await targets();
      const pids = shop!.instances.map((i) => i.pid).sort();
      assert.deepEqual(pids, children.map((c) => c.pid!).sort());
      assert.equal(new Set(shop!.instances.map((i) => i.id)).size, 3, 'distinct instance ids');
      assert.deepEqual(shop!.instances.map((i) => i.version).sort(), ['1.9.0', '2.0.0', '2.0.0']);
      for (const i of shop!.instances) {
        assert.ok(i.host.length > 0);
        assert.ok(i.startedAt > 0 && i.startedAt <= Date.now());
      }
      const table = await cli(['targets'], alice);
      assert.match(table.stdout, /INSTANCE/);
      for (const i of shop!.instances) assert.ok(table.stdout.includes(i.id), 'the table lists the instance');
    });

    const session = (
      await cli(
        ['request', 'shop', '--actions', 'facts,snapshot,logpoint,eval', '--reason', 'fleet', '--json'],
        alice,
      )
    ).json<{ id: string; status: string }>();
    assert.equal(session.status, 'active');
    const byPid = new Map((await targets())[0]!.instances.map((i) => [i.pid, i.id]));
    const oldId = byPid.get(old.pid!)!;
    const aId = byPid.get(a.pid!)!;

    await t.test('facts reach all instances by default, merged and labelled', async () => {
      const r = await cli(['facts', session.id, '--json'], alice);
      assert.equal(r.code, 0, r.stderr);
      const parts = r.json<{ instances: Part[] }>().instances;
      assert.equal(parts.length, 3);
      assert.ok(parts.every((p) => p.ok));
      for (const p of parts) assert.equal(pidOf(p.result), p.pid, 'each part is its own process');
      const one = await cli(['facts', session.id, '--instance', aId, '--json'], alice);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(pidOf(one.json()), a.pid, 'one instance answers as a single process');
      const human = await cli(['facts', session.id], alice);
      assert.equal(human.code, 0);
      for (const id of byPid.values()) assert.ok(human.stdout.includes(`── ${id}`), 'a section per instance');
    });

    await t.test(
      'a snapshot on all instances: captured where the line exists, refused where not',
      async () => {
        const r = await cli(
          ['snapshot', session.id, `semicolon-free.mjs:${HOT_LINE}`, '--wait', '20s', '--json'],
          alice,
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const parts = r.json<{ instances: Part[] }>().instances;
        const refused = parts.filter((p) => !p.ok);
        assert.deepEqual(
          refused.map((p) => [p.instance, p.error?.code]),
          [[oldId, 'GBX_AGENT_REFUSED']],
          'only the instance running the other build refuses',
        );
        assert.match(refused[0]!.error!.message, /no loaded script/);
        for (const p of parts.filter((x) => x.ok)) {
          const frames = (p.result as { frames: { line: number }[] }).frames;
          assert.equal(frames[0]!.line, HOT_LINE);
        }
      },
    );

    await t.test('a logpoint on all instances keeps streaming when one instance dies', async () => {
      const follow = cli(
        [
          'logpoint',
          session.id,
          `semicolon-free.mjs:${HOT_LINE}`,
          'total={total}',
          '--follow',
          '--duration',
          '6s',
          '--json',
        ],
        alice,
      );
      await new Promise((r) => setTimeout(r, 2500));
      a.kill('SIGKILL');
      const r = await follow;
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = r.json<{ lines: { instance: string; line: string }[]; result: { instances: Part[] } }>();
      const parts = new Map(out.result.instances.map((p) => [p.instance, p]));
      assert.equal(parts.get(aId)?.error?.code, 'GBX_AGENT_UNAVAILABLE', 'the dead instance is labelled');
      assert.equal(parts.get(oldId)?.error?.code, 'GBX_AGENT_REFUSED');
      const survivor = [...byPid.values()].find((id) => id !== aId && id !== oldId)!;
      assert.equal(parts.get(survivor)?.ok, true, 'the surviving instance finished its logpoint');
      assert.ok(
        out.lines.some((l) => l.instance === aId && /^total=/.test(l.line)),
        'lines from the dead one',
      );
      assert.ok(
        out.lines.some((l) => l.instance === survivor),
        'lines from the survivor',
      );
      await waitFor(async () => (await targets())[0]?.instances.length === 2, 'the dead instance unlisted');
    });

    await t.test('an instance that connects during a logpoint on all instances joins it', async () => {
      const follow = cli(
        [
          'logpoint',
          session.id,
          `semicolon-free.mjs:${HOT_LINE}`,
          'total={total}',
          '--follow',
          '--duration',
          '20s',
          '--json',
        ],
        alice,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const late = start(PLAIN, '2.0.0');
      let lateId: string | undefined;
      await waitFor(
        async () => {
          lateId = (await targets())[0]?.instances.find((i) => i.pid === late.pid)?.id;
          return lateId !== undefined;
        },
        'the late instance connected',
        15_000,
      );
      const r = await follow;
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = r.json<{ lines: { instance: string; line: string }[]; result: { instances: Part[] } }>();
      const part = out.result.instances.find((p) => p.instance === lateId);
      assert.equal(part?.ok, true, `the late instance joined: ${JSON.stringify(part ?? null)}`);
      assert.ok(
        out.lines.some((l) => l.instance === lateId && /^total=/.test(l.line)),
        'lines from the late instance',
      );
      assert.ok(
        out.lines.some((l) => l.instance !== lateId),
        'and from the instances present at the start',
      );
    });

    await t.test(
      'revoking one instance: it is cut off and stays out, its siblings keep the credential',
      async () => {
        const r = await cli(['agents', 'revoke', 'shop', '--instance', oldId, '--json'], admin);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(r.json<{ instance: string }>().instance, oldId);
        await waitFor(
          async () => !(await targets())[0]?.instances.some((i) => i.id === oldId),
          'the revoked instance unlisted',
        );
        // The process keeps its instance id and keeps reconnecting (every 0.5–4 s): it must stay out.
        await new Promise((r) => setTimeout(r, 5000));
        const ids = (await targets())[0]!.instances.map((i) => i.id);
        assert.ok(!ids.includes(oldId), 'the revoked instance reconnected');
        assert.equal(old.exitCode, null, 'the application itself runs on');
        assert.ok(ids.length >= 2, `its siblings are still connected (${ids.length})`);
        const refused = await cli(['facts', session.id, '--instance', oldId, '--json'], alice);
        assert.notEqual(refused.code, 0, 'an action on the revoked instance');
        const others = await cli(['facts', session.id, '--json'], alice);
        assert.equal(others.code, 0, others.stdout + others.stderr);
      },
    );

    await t.test(
      'policy limits fan-out: over the limit refused (exit 3), --instance and --sample within it',
      async () => {
        editPolicy(
          d.policiesDir,
          'access.cedar',
          '@idleTimeout("30m")',
          '@idleTimeout("30m")\n@maxInstances("1")',
        );
        let limited = '';
        await waitFor(async () => {
          const r = await cli(
            ['request', 'shop', '--actions', 'facts', '--reason', 'limited', '--json'],
            alice,
          );
          const s = r.json<{ id: string; obligations: { maxInstances?: number } }>();
          limited = s.id;
          return s.obligations.maxInstances === 1;
        }, 'the policy with @maxInstances reloaded');
        const all = await cli(['facts', limited, '--json'], alice);
        assert.equal(all.code, 3, all.stdout + all.stderr);
        assert.match(all.stdout + all.stderr, /GBX_INSTANCE_LIMIT/);
        const sample = await cli(['facts', limited, '--sample', '1', '--json'], alice);
        assert.equal(sample.code, 0, sample.stderr);
        assert.equal(typeof pidOf(sample.json()), 'number');
        const listed = (await targets())[0]!.instances[0]!;
        const one = await cli(['facts', limited, '--instance', listed.id, '--json'], alice);
        assert.equal(pidOf(one.json()), listed.pid);
      },
    );
  },
);
