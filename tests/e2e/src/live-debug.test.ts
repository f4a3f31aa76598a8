import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentEnv, cli, deploy, ROOT, waitFor, type Registration } from './harness.js';
import { freePorts } from './ports.js';

const SOURCE = join(ROOT, 'examples/demo-app/src/server.ts');
const PLAIN = join(ROOT, 'tests/e2e/fixtures/semicolon-free.mjs');
const plainLine = (text: string): number =>
  readFileSync(PLAIN, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;
const LINE =
  readFileSync(SOURCE, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('const total = Math.round')) + 1;

interface Frame {
  function: string;
  file: string;
  line: number;
  locals?: Record<string, unknown>;
}

test(
  'live debugging of the TypeScript demo service under load, through the CLI',
  { timeout: 300_000 },
  async (t) => {
    assert.ok(LINE > 0, 'the demo service has the hot-path line');
    const d = await deploy('sqlite');
    const admin = d.adminEnv;
    const alice = await d.addUser('alice', ['engineers']);
    const reg = (
      await cli(['agents', 'register', 'shop', '--env', 'staging', '--json'], admin)
    ).json<Registration>();
    const port = await freePorts();
    const app = spawn(
      process.execPath,
      [
        '--enable-source-maps',
        '--import',
        '@glovebox/agent/register',
        join(ROOT, 'examples/demo-app/dist/server.js'),
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          PORT: String(port),
          ...agentEnv(d.url, reg),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    // Drain the app's stderr (a full pipe would block it); show it when debugging the test.
    app.stderr.on('data', (d: Buffer) => {
      if (process.env.GLOVEBOX_E2E_DEBUG) process.stderr.write(d);
    });
    let loading = true;
    let served = 0;
    const load = (async () => {
      while (loading) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/checkout?customer=1`);
          if (res.ok) served++;
          await res.arrayBuffer();
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();
    t.after(async () => {
      loading = false;
      await load;
      app.kill('SIGKILL');
      await d.stop();
    });
    await waitFor(
      async () =>
        (await cli(['agents', '--json'], admin)).json<{ connected: boolean }[]>()[0]?.connected === true,
      'agent',
    );
    const session = (
      await cli(
        [
          'request',
          'shop',
          '--actions',
          'facts,snapshot,logpoint,eval,profile',
          '--reason',
          'slow checkout',
          '--json',
        ],
        alice,
      )
    ).json<{ id: string; status: string }>();
    assert.equal(session.status, 'active');

    await t.test(
      'a snapshot at a TypeScript line captures source positions with secrets redacted',
      async () => {
        const r = await cli(
          ['snapshot', session.id, `src/server.ts:${LINE}`, '--wait', '20s', '--json'],
          alice,
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const text = r.stdout;
        const snap = r.json<{ frames: Frame[] }>();
        const top = snap.frames[0]!;
        assert.match(top.file, /server\.ts$/);
        assert.equal(top.line, LINE);
        const locals = top.locals!;
        assert.equal(top.function, 'checkout');
        assert.match(String(locals.password), /^\[REDACTED/, 'password local masked');
        assert.match(String(locals.cardNumber), /^\[REDACTED/, 'card local masked');
        assert.match(String(locals.email), /^\[REDACTED/, 'email local masked');
        assert.equal(typeof locals.subtotal, 'number', 'ordinary values stay readable');
        assert.ok(
          !text.includes('4111 1111 1111 1111') && !text.includes('4111111111111111'),
          'card number redacted',
        );
        assert.ok(!text.includes('correct horse battery staple'), 'password redacted');
        assert.ok(served > 0);
      },
    );

    await t.test('a logpoint streams at its rate limit', async () => {
      const r = await cli(
        [
          'logpoint',
          session.id,
          `src/server.ts:${LINE}`,
          'subtotal={subtotal}',
          '--follow',
          '--duration',
          '3s',
          '--rate',
          '5',
          '--json',
        ],
        alice,
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = r.json<{ lines: { line: string }[] }>();
      assert.ok(out.lines.length >= 3, `some lines (${out.lines.length})`);
      assert.ok(out.lines.length <= 5 * 3 + 5, `rate limited (${out.lines.length})`);
      assert.match(out.lines[0]!.line, /subtotal=/);
    });

    await t.test('evaluation with a side effect is refused; a pure one answers', async () => {
      const bad = await cli(['eval', session.id, 'globalThis.pwned = 1', '--json'], alice);
      assert.notEqual(bad.code, 0);
      const good = await cli(['eval', session.id, '6 * 7', '--json'], alice);
      assert.equal(good.code, 0, good.stdout);
      assert.match(good.stdout, /42/);
    });

    await t.test(
      'semicolon-free code: probes by the parser, refusals name the nearest lines, hot logpoints sample',
      async () => {
        const plainReg = (
          await cli(['agents', 'register', 'plain', '--env', 'staging', '--json'], admin)
        ).json<Registration>();
        const plain = spawn(process.execPath, ['--import', '@glovebox/agent/register', PLAIN], {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH ?? '',
            PORT: '0',
            ...agentEnv(d.url, plainReg),
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        plain.stderr.on('data', (d: Buffer) => {
          if (process.env.GLOVEBOX_E2E_DEBUG) process.stderr.write(d);
        });
        t.after(() => plain.kill('SIGKILL'));
        await waitFor(
          async () =>
            (await cli(['agents', '--json'], admin))
              .json<{ name: string; connected: boolean }[]>()
              .some((a) => a.name === 'plain' && a.connected),
          'plain agent',
        );
        const ses = (
          await cli(
            ['request', 'plain', '--actions', 'snapshot,logpoint', '--reason', 'styles', '--json'],
            alice,
          )
        ).json<{ id: string }>();

        const totalLine = plainLine('const total = qty * unit * rate');
        const snap = await cli(
          ['snapshot', ses.id, `semicolon-free.mjs:${totalLine}`, '--wait', '20s', '--json'],
          alice,
        );
        assert.equal(snap.code, 0, snap.stdout + snap.stderr);
        const top = snap.json<{ frames: Frame[] }>().frames[0]!;
        assert.equal(top.function, 'price');
        assert.equal(top.line, totalLine);
        assert.equal(typeof top.locals!.rate, 'number');

        const continuation = plainLine('+ ` in ${currency}`');
        const refused = await cli(
          ['snapshot', ses.id, `semicolon-free.mjs:${continuation}`, '--wait', '2s', '--json'],
          alice,
        );
        assert.notEqual(refused.code, 0);
        const err = refused.json<{
          error: { code: string; message: string; details?: { agentCode?: string } };
        }>().error;
        // The gateway relays the agent's refusal with the agent's own code.
        assert.equal(err.code, 'GBX_AGENT_REFUSED');
        assert.equal(err.details?.agentCode, 'GBX_DEBUG_LINE_NOT_PROBEABLE');
        assert.match(
          err.message,
          new RegExp(`nearest lines that can: .*\\b${continuation - 1}\\b.*\\b${continuation + 1}\\b`),
        );

        const log = await cli(
          [
            'logpoint',
            ses.id,
            `semicolon-free.mjs:${totalLine}`,
            'rate={rate}',
            '--follow',
            '--duration',
            '3s',
            '--rate',
            '5',
            '--json',
          ],
          alice,
        );
        assert.equal(log.code, 0, log.stdout + log.stderr);
        const out = log.json<{
          lines: unknown[];
          result: { status: string; sampling: { ratio: number; hits: number } };
        }>();
        assert.equal(out.result.status, 'ended', 'the logpoint stayed on for its whole duration');
        assert.ok(out.lines.length >= 3, `it kept emitting (${out.lines.length})`);
        assert.ok(out.result.sampling.ratio < 0.1, `hits were sampled (ratio ${out.result.sampling.ratio})`);
        assert.ok(out.result.sampling.hits > 1000);
      },
    );

    await t.test('after end nothing is captured and the Debugger domain is off again', async () => {
      const before = (await cli(['facts', session.id, '--json'], alice)).json<{
        agent: { debugger: { debuggerEnabled: boolean; activeProbes: number } };
      }>();
      assert.equal(before.agent.debugger.activeProbes, 0);
      assert.equal((await cli(['end', session.id], alice)).code, 0);
      assert.equal(
        (await cli(['snapshot', session.id, `src/server.ts:${LINE}`, '--wait', '2s'], alice)).code,
        3,
      );
      const second = (
        await cli(['request', 'shop', '--actions', 'facts', '--reason', 'check state', '--json'], alice)
      ).json<{ id: string }>();
      const after = (await cli(['facts', second.id, '--json'], alice)).json<{
        agent: { debugger: { debuggerEnabled: boolean; activeProbes: number } };
      }>();
      assert.equal(after.agent.debugger.debuggerEnabled, false);
      assert.equal(after.agent.debugger.activeProbes, 0);
    });
  },
);
