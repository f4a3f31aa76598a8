import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { agentEnv, cli, deploy, ROOT, waitFor, type Registration, type StoreKind } from './harness.js';

const SERVICE = join(ROOT, 'tests/e2e/fixtures/service.mjs');

interface Inspector {
  open: boolean;
  address: string | null;
  loopback: boolean;
  openedBy: 'flag' | 'runtime' | null;
  exposed: boolean;
}

// What the agent reports comes from the process, not the store: on PostgreSQL only the refusal, which
// the gateway records in the audit trail, is run again.
const notStoreDependent = (store: StoreKind) =>
  store === 'postgres' && 'facts come from the process; run on SQLite only';

for (const store of ['sqlite', 'postgres'] as StoreKind[])
  test(
    `an exposed inspector is reported in facts and, when configured, refused (${store})`,
    { timeout: 300_000 },
    async (t) => {
      const d = await deploy(store);
      const admin = d.adminEnv;
      const alice = d.userEnv('alice');
      const children: ChildProcess[] = [];
      t.after(async () => {
        for (const c of children) c.kill('SIGKILL');
        await d.stop();
      });
      await d.addUser('alice', ['engineers']);

      /** Registers `name`, starts the service with its agent, opens a facts session on it. */
      const serve = async (name: string, flags: string[], env: Record<string, string> = {}) => {
        const reg = (
          await cli(['agents', 'register', name, '--env', 'staging', '--json'], admin)
        ).json<Registration>();
        const child = spawn(process.execPath, [...flags, '--import', '@glovebox/agent/register', SERVICE], {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', ...agentEnv(d.url, reg), PORT: '0', ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        child.stderr?.on('data', (b: Buffer) => {
          if (process.env.GLOVEBOX_E2E_DEBUG) process.stderr.write(b);
        });
        children.push(child);
        await waitFor(
          async () =>
            (await cli(['agents', '--json'], admin))
              .json<{ name: string; connected: boolean }[]>()
              .some((a) => a.name === name && a.connected),
          `${name} connected`,
        );
        const r = await cli(
          ['request', name, '--actions', 'facts', '--reason', 'inspector check', '--json'],
          alice,
        );
        assert.equal(r.code, 0, r.stderr);
        return { child, session: r.json<{ id: string }>().id };
      };
      const inspectorOf = async (session: string): Promise<Inspector> => {
        const facts = await cli(['facts', session, '--json'], alice);
        assert.equal(facts.code, 0, facts.stderr);
        return facts.json<{ inspector: Inspector }>().inspector;
      };

      await t.test('reported: --inspect on every interface', { skip: notStoreDependent(store) }, async () => {
        const { session } = await serve('open-inspector', ['--inspect=0.0.0.0:0']);
        const inspector = await inspectorOf(session);
        assert.equal(inspector.open, true);
        assert.equal(inspector.loopback, false);
        assert.equal(inspector.openedBy, 'flag');
        assert.equal(inspector.exposed, true);
      });

      await t.test(
        'reported: an inspector opened by kill -USR1 after start',
        { skip: notStoreDependent(store) },
        async () => {
          const { child, session } = await serve('signalled', []);
          assert.equal((await inspectorOf(session)).open, false);
          child.kill('SIGUSR1');
          await waitFor(async () => (await inspectorOf(session)).open, 'the inspector opened');
          const inspector = await inspectorOf(session);
          assert.equal(inspector.openedBy, 'runtime');
          assert.equal(inspector.exposed, true);
        },
      );

      await t.test('refused with GLOVEBOX_INSPECTOR=refuse, and audited', async () => {
        const { session } = await serve('refusing', ['--inspect=0.0.0.0:0'], {
          GLOVEBOX_INSPECTOR: 'refuse',
        });
        const facts = await cli(['facts', session, '--json'], alice);
        assert.notEqual(facts.code, 0);
        assert.match(facts.stdout + facts.stderr, /GBX_AGENT_INSPECTOR_EXPOSED/);
        const events = (await cli(['audit', '--all', '--json', '--session', session], admin)).json<
          unknown[]
        >();
        assert.ok(
          events.some((e) => JSON.stringify(e).includes('GBX_AGENT_INSPECTOR_EXPOSED')),
          'the refusal is in the audit trail',
        );
      });

      await t.test(
        'a loopback inspector opened by --inspect is reported, not refused',
        { skip: notStoreDependent(store) },
        async () => {
          const { session } = await serve('local-inspector', ['--inspect=127.0.0.1:0'], {
            GLOVEBOX_INSPECTOR: 'refuse',
          });
          const inspector = await inspectorOf(session);
          assert.equal(inspector.open, true);
          assert.equal(inspector.loopback, true);
          assert.equal(inspector.exposed, false);
        },
      );
    },
  );
