/**
 * A probe placed by breakpoint keeps V8's Debugger domain on, slowing the whole service's async code
 * ~5× even on a line that never runs (ADR 0030). Through the CLI and real processes: such a probe is
 * removed at the agent's cap whatever duration was asked, the engineer is told what it costs, and an
 * operator can forbid the placement.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentEnv, cli, deploy, ROOT, waitFor, type Registration } from './harness.js';

const PLAIN = join(ROOT, 'tests/e2e/fixtures/semicolon-free.mjs');
const lineOf = (text: string): number =>
  readFileSync(PLAIN, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;
/** ES-module top level: only a breakpoint can hold it, and it never runs again after start. */
const COLD = `semicolon-free.mjs:${lineOf('let served = 0')}`;
/** A synchronous function: LiveEdit places it. */
const HOT = `semicolon-free.mjs:${lineOf('const total = qty * unit * rate')}`;
const CAP_MS = 2000;

interface Facts {
  agent: { debugger: { debuggerEnabled: boolean; activeProbes: number } };
}

test(
  'a probe placed by breakpoint is capped, disclosed, and can be forbidden',
  { timeout: 240_000 },
  async (t) => {
    const d = await deploy('sqlite');
    const admin = d.adminEnv;
    const alice = await d.addUser('alice', ['engineers']);
    const start = async (name: string, env: Record<string, string>) => {
      const reg = (
        await cli(['agents', 'register', name, '--env', 'staging', '--json'], admin)
      ).json<Registration>();
      const app = spawn(process.execPath, ['--import', '@glovebox/agent/register', PLAIN], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', PORT: '0', ...agentEnv(d.url, reg), ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      app.stderr.on('data', (b: Buffer) => {
        if (process.env.GLOVEBOX_E2E_DEBUG) process.stderr.write(b);
      });
      t.after(() => app.kill('SIGKILL'));
      await waitFor(
        async () =>
          (await cli(['agents', '--json'], admin))
            .json<{ name: string; connected: boolean }[]>()
            .some((a) => a.name === name && a.connected),
        `${name} agent`,
      );
      return (
        await cli(
          ['request', name, '--actions', 'facts,snapshot,logpoint', '--reason', 'cap', '--json'],
          alice,
        )
      ).json<{ id: string }>().id;
    };
    t.after(() => d.stop());
    const capped = await start('capped', { GLOVEBOX_BREAKPOINT_PROBE_MAX_MS: String(CAP_MS) });
    const locked = await start('locked', { GLOVEBOX_DEBUG_TECHNIQUES: 'liveedit' });

    await t.test('a logpoint asked for an hour on a cold line ends at the cap, and says why', async () => {
      const r = await cli(
        ['logpoint', capped, COLD, 'served={served}', '--follow', '--duration', '1h'],
        alice,
      );
      if (process.env.GLOVEBOX_E2E_DEBUG)
        process.stderr.write(`$ glovebox logpoint … --follow --duration 1h\n${r.stdout}${r.stderr}`);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /placed by breakpoint.*async code runs about 5× slower/);
      assert.match(r.stderr, /removes it after 2 s at most \(breakpointProbeMaxMs\)/);
      assert.match(r.stderr, /techniques: \['liveedit'\]/);
      assert.match(r.stderr, /removed the logpoint after 2 s/);
      assert.match(
        r.stdout,
        /\[glovebox\] logpoint placed by breakpoint[^\n]*\n(.*\n)*.*\[glovebox\] logpoint removed after 2 s/,
      );
      const facts = (await cli(['facts', capped, '--json'], alice)).json<Facts>();
      assert.equal(facts.agent.debugger.debuggerEnabled, false, 'the Debugger domain is off again');
      assert.equal(facts.agent.debugger.activeProbes, 0);
    });

    await t.test('with --json, stdout is one document and carries the cap', async () => {
      const r = await cli(['snapshot', capped, COLD, '--wait', '1h', '--json'], alice);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const snap = r.json<{
        status: string;
        technique: string;
        breakpointCapMs: number;
        disabled: { reason: string; capMs: number };
      }>();
      assert.equal(snap.technique, 'breakpoint');
      assert.equal(snap.status, 'disabled');
      assert.deepEqual(snap.disabled, { reason: 'breakpoint-cap', capMs: CAP_MS });
      assert.equal(snap.breakpointCapMs, CAP_MS);
      assert.doesNotMatch(r.stdout, /async code runs about/);
    });

    await t.test(
      'an agent with techniques liveedit refuses the cold line and serves the hot one',
      async () => {
        const r = await cli(['logpoint', locked, COLD, 'x', '--follow', '--duration', '1h', '--json'], alice);
        assert.notEqual(r.code, 0);
        const err = r.json<{ error: { code: string; message: string; details?: { agentCode?: string } } }>()
          .error;
        assert.equal(err.details?.agentCode, 'GBX_DEBUG_TECHNIQUE_FORBIDDEN', err.message);
        assert.match(err.message, /top-level code of an ES module/);
        const ok = await cli(['snapshot', locked, HOT, '--wait', '20s', '--json'], alice);
        assert.equal(ok.code, 0, ok.stdout + ok.stderr);
        assert.equal(ok.json<{ technique: string }>().technique, 'liveedit');
        const facts = (await cli(['facts', locked, '--json'], alice)).json<Facts>();
        assert.equal(facts.agent.debugger.debuggerEnabled, false);
      },
    );
  },
);
