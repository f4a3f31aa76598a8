import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyIdOf, signEnvelope } from '@glovebox/protocol';
import { agentEnv, cli, deploy, ROOT, waitFor, type Registration, type StoreKind } from './harness.js';
import { answerTo, downFrames, hostAgent, lastHello, startRelay, stopProcess, type Relay } from './relay.js';

// Issue 12: the gateway's control messages (revoke, cancel) are signed and bound to the connection
// like envelopes; whatever the gateway sent before an agent restarted is refused after it — for a
// session revoked before the restart too, and while the captured envelope has not yet expired.

const SERVICE = join(ROOT, 'tests/e2e/fixtures/service.mjs');
const attacker = generateKeyPairSync('ed25519');

/** A control message signed by the attacker's own key, in the shape the gateway sends. */
function attackerSigned(
  type: 'revoke' | 'cancel',
  agent: string,
  instance: string,
  sessionId: string,
  callId?: string,
) {
  const now = Date.now();
  const envelope = signEnvelope(
    { keyId: keyIdOf(attacker.publicKey), privateKey: attacker.privateKey },
    {
      callId: `${type}_forged_${randomBytes(6).toString('hex')}`,
      sessionId,
      audience: agent,
      channel: 'chan_forged-0123456789abcdef',
      target: agent,
      instance,
      action: type,
      params: callId ? { callId } : {},
      masking: 'standard',
      leaseExpiresAt: 0,
      issuedAt: now,
      expiresAt: now + 30_000,
    },
  );
  return { type, envelope };
}

type Refusal = { event: { details: Record<string, unknown> } };

async function setup(t: { after: (fn: () => Promise<void>) => void }, store: StoreKind) {
  const d = await deploy(store);
  const relays: Relay[] = [];
  const children: (ChildProcess | undefined)[] = [];
  t.after(async () => {
    for (const c of children) await stopProcess(c);
    for (const r of relays) r.child.kill('SIGKILL');
    await d.stop();
  });
  await cli(
    ['users', 'add', 'alice', '--groups', 'engineers', '--password-stdin'],
    d.adminEnv,
    'alice-password-123\n',
  );
  const alice = d.userEnv('alice');
  assert.equal(
    (await cli(['login', '--user', 'alice', '--password-stdin'], alice, 'alice-password-123\n')).code,
    0,
  );
  const refusals = async () =>
    (await cli(['audit', '--all', '--json', '--type', 'agent.refused_gateway'], d.adminEnv)).json<
      Refusal[]
    >();
  const refused = (what: string, match: (e: Refusal) => boolean) =>
    waitFor(async () => (await refusals()).some(match), `an audit event of the refused ${what}`);
  return { d, alice, relays, children, refused };
}

/** Starts `start()` through `relay` after stopping `previous`; resolves once its welcome went down. */
async function restartThrough(relay: Relay, previous: ChildProcess | undefined, start: () => ChildProcess) {
  await stopProcess(previous);
  const seen = (await relay.log()).reduce((n, f) => Math.max(n, f.conn), 0);
  const child = start();
  await waitFor(
    async () =>
      (await relay.log()).some((f) => f.conn > seen && f.dir === 'down' && f.text.includes('"welcome"')),
    'the agent connected through the relay',
  );
  return child;
}

async function request(alice: Record<string, string>, target: string, actions: string): Promise<string> {
  const r = await cli(
    ['request', target, '--actions', actions, '--reason', 'control messages', '--json'],
    alice,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.json<{ id: string }>().id;
}

/**
 * Ends `session`, restarts the agent, then replays what the gateway sent for it on the old
 * connection — its call (not yet expired), its lease and its revoke — and expects each refused.
 */
async function replayAfterRestart(
  ctx: Awaited<ReturnType<typeof setup>>,
  relay: Relay,
  session: string,
  since: number,
  restart: () => Promise<void>,
) {
  const [call] = (await downFrames(relay, 'call', since)).filter((f) => f.payload?.sessionId === session);
  const [lease] = (await downFrames(relay, 'lease', since)).filter((f) => f.payload?.sessionId === session);
  assert.ok(call && lease, 'a call and a lease were captured');
  assert.equal((await cli(['end', session], ctx.alice)).code, 0);
  await waitFor(async () => (await downFrames(relay, 'revoke', since)).length > 0, 'the revoke went down');
  const [revoke] = await downFrames(relay, 'revoke', since);
  await restart();
  assert.ok(Date.now() < call.payload!.expiresAt, 'the captured call has not expired yet');
  const at = (await relay.log()).length;
  assert.ok(await relay.inject(call.text));
  const answer = await answerTo(relay, call.payload!.callId, at);
  assert.equal(answer.ok, false, 'a call of a session revoked before the restart ran after it');
  assert.equal(answer.error?.code, 'GBX_ENVELOPE_INVALID');
  assert.ok(await relay.inject(lease.text));
  assert.ok(await relay.inject(revoke!.text));
  await ctx.refused('replayed call', (e) => e.event.details.callId === call.payload!.callId);
  await ctx.refused('replayed lease', (e) => e.event.details.callId === lease.payload!.callId);
  await ctx.refused(
    'replayed revoke',
    (e) => /revoke/.test(String(e.event.details.reason)) && /channel/.test(String(e.event.details.reason)),
  );
}

for (const store of ['sqlite', 'postgres'] as StoreKind[]) {
  test(
    `the host agent obeys only control messages its gateway signed on its connection (${store})`,
    { timeout: 300_000 },
    async (t) => {
      const ctx = await setup(t, store);
      const { d, alice } = ctx;
      const reg = (
        await cli(['agents', 'register', 'ctl', '--env', 'staging', '--json'], d.adminEnv)
      ).json<Registration>();
      const relay = await startRelay(d.url);
      ctx.relays.push(relay);
      const config = join(d.dir, 'ctl.yaml');
      writeFileSync(
        config,
        [
          'gateway:',
          `  url: ws://127.0.0.1:${relay.port}`,
          '  credential: { env: GLOVEBOX_AGENT_TOKEN }',
          `  keys: [${reg.gatewayKeys.join(', ')}]`,
          'recordings:',
          `  dir: ${join(d.dir, 'recordings')}`,
          'sandbox: off',
          'readsWithoutSandbox: allow',
          'targets:',
          '  - type: exec',
          '    name: host',
          '    commands:',
          '      - { name: echo, path: /bin/echo, class: read, args: [{ pattern: "[a-z0-9-]{1,32}" }], maxArgs: 2 }',
          '      - { name: sleep, path: /bin/sleep, class: read, args: [{ pattern: "[0-9]" }], maxArgs: 1 }',
          '',
        ].join('\n'),
      );
      let agent: ChildProcess | undefined;
      const restart = async () => {
        agent = await restartThrough(relay, agent, () => hostAgent(config, reg.credential));
        ctx.children.push(agent);
      };
      await restart();
      const session = await request(alice, 'ctl', 'exec');
      const instance = (await lastHello(relay)).instance.id;

      await t.test('a revoke the gateway did not sign leaves the session running', async () => {
        assert.ok(await relay.inject({ type: 'revoke', sessionId: session }));
        assert.ok(await relay.inject(attackerSigned('revoke', 'ctl', instance, session)));
        const r = await cli(['exec', session, '--', 'echo', 'still-running'], alice);
        assert.equal(r.code, 0, `a forged revoke ended the session: ${r.stdout}${r.stderr}`);
        await ctx.refused('unsigned revoke', (e) => /unsigned "revoke"/.test(String(e.event.details.reason)));
        await ctx.refused('foreign revoke', (e) =>
          /revoke refused: unknown-key/.test(String(e.event.details.reason)),
        );
      });

      await t.test('a cancel the gateway did not sign leaves the command running', async () => {
        const since = (await relay.log()).length;
        const running = cli(['exec', session, '--', 'sleep', '2'], alice);
        await waitFor(async () => (await downFrames(relay, 'call', since)).length > 0, 'the call went down');
        const [call] = await downFrames(relay, 'call', since);
        assert.ok(await relay.inject({ type: 'cancel', callId: call!.payload!.callId }));
        assert.ok(
          await relay.inject(attackerSigned('cancel', 'ctl', instance, session, call!.payload!.callId)),
        );
        const r = await running;
        assert.equal(r.code, 0, `a forged cancel stopped the command: ${r.stdout}${r.stderr}`);
        await ctx.refused('unsigned cancel', (e) => /unsigned "cancel"/.test(String(e.event.details.reason)));
        await ctx.refused('foreign cancel', (e) =>
          /cancel refused: unknown-key/.test(String(e.event.details.reason)),
        );
      });

      await t.test('nothing sent for a session revoked before a restart is accepted after it', async () => {
        const since = (await relay.log()).length;
        const second = await request(alice, 'ctl', 'exec');
        assert.equal((await cli(['exec', second, '--', 'echo', 'captured'], alice)).code, 0);
        await replayAfterRestart(ctx, relay, second, since, restart);
        // the genuine gateway still reaches the restarted agent
        const r = await cli(['exec', session, '--', 'echo', 'after-restart'], alice);
        assert.equal(r.code, 0, r.stdout + r.stderr);
      });
    },
  );

  test(
    `the in-process agent obeys only control messages its gateway signed on its connection (${store})`,
    { timeout: 300_000 },
    async (t) => {
      const ctx = await setup(t, store);
      const { d, alice } = ctx;
      const reg = (
        await cli(['agents', 'register', 'shop', '--env', 'staging', '--json'], d.adminEnv)
      ).json<Registration>();
      const relay = await startRelay(d.url);
      ctx.relays.push(relay);
      let app: ChildProcess | undefined;
      const start = () =>
        spawn(process.execPath, ['--import', '@glovebox/agent/register', SERVICE], {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH ?? '',
            ...agentEnv(`http://127.0.0.1:${relay.port}`, reg),
            PORT: '0',
          },
          stdio: ['ignore', 'ignore', 'ignore'],
        });
      const restart = async () => {
        app = await restartThrough(relay, app, start);
        ctx.children.push(app);
      };
      await restart();
      const session = await request(alice, 'shop', 'eval');
      const instance = (await lastHello(relay)).instance.id;

      await t.test('a revoke the gateway did not sign leaves the session running', async () => {
        assert.ok(await relay.inject({ type: 'revoke', sessionId: session }));
        assert.ok(await relay.inject(attackerSigned('revoke', 'shop', instance, session)));
        const r = await cli(['eval', session, '6 * 7', '--json'], alice);
        assert.equal(r.code, 0, `a forged revoke ended the session: ${r.stdout}${r.stderr}`);
        await ctx.refused('unsigned revoke', (e) => /unsigned "revoke"/.test(String(e.event.details.reason)));
        await ctx.refused('foreign revoke', (e) =>
          /revoke refused: unknown-key/.test(String(e.event.details.reason)),
        );
      });

      await t.test('nothing sent for a session revoked before a restart is accepted after it', async () => {
        const since = (await relay.log()).length;
        const second = await request(alice, 'shop', 'eval');
        assert.equal((await cli(['eval', second, '1 + 1', '--json'], alice)).code, 0);
        await replayAfterRestart(ctx, relay, second, since, restart);
        const r = await cli(['eval', session, '6 * 7', '--json'], alice);
        assert.equal(r.code, 0, r.stdout + r.stderr);
      });
    },
  );
}
