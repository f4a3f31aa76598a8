import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { keyIdOf, signEnvelope, signWelcome } from '@glovebox/protocol';
import { agentEnv, cli, deploy, ROOT, waitFor, type Registration, type StoreKind } from './harness.js';
import { answerTo, hostAgent, lastHello, startRelay, stopProcess } from './relay.js';

const SERVICE = join(ROOT, 'tests/e2e/fixtures/service.mjs');

/** The attacker's own Ed25519 key. */
const attacker = generateKeyPairSync('ed25519');
const ATTACKER_KEY_ID = keyIdOf(attacker.publicKey);
const FORGED_CHANNEL = 'chan_forged-0123456789abcdef';

/**
 * The best welcome an attacker in the middle can make: the attacker's key, signed by it, over the
 * nonce the agent just sent (read off the wire).
 */
function forgedWelcome(agentName: string, nonce: string): unknown {
  return {
    type: 'welcome',
    key: attacker.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    rotations: [],
    welcome: signWelcome(
      { keyId: ATTACKER_KEY_ID, privateKey: attacker.privateKey },
      { agentName, nonce, channel: FORGED_CHANNEL, serverTime: Date.now(), heartbeatIntervalMs: 10_000 },
    ),
  };
}

/** A call envelope the attacker signs with their own key: `touch FILE` on the agent's exec target. */
function forgedCall(agentName: string, instance: string, file: string): { callId: string; message: unknown } {
  const callId = `call_forged_${randomBytes(6).toString('hex')}`;
  const now = Date.now();
  const envelope = signEnvelope(
    { keyId: ATTACKER_KEY_ID, privateKey: attacker.privateKey },
    {
      callId,
      sessionId: 'req_forged',
      audience: agentName,
      channel: FORGED_CHANNEL,
      target: agentName,
      instance,
      action: 'exec',
      params: { argv: ['touch', file] },
      masking: 'standard',
      leaseExpiresAt: now + 60_000,
      issuedAt: now,
      expiresAt: now + 30_000,
    },
  );
  return { callId, message: { type: 'call', envelope } };
}

for (const store of ['sqlite', 'postgres'] as StoreKind[]) {
  test(
    `a machine in the middle of the agent channel cannot make the agent obey it (${store})`,
    { timeout: 300_000 },
    async (t) => {
      const d = await deploy(store);
      const admin = d.adminEnv;
      const alice = d.userEnv('alice');
      const relay = await startRelay(d.url);
      const marks = `/tmp/gbx-relay-${randomBytes(4).toString('hex')}`;
      let agent: ChildProcess | undefined;
      t.after(async () => {
        await stopProcess(agent);
        relay.child.kill('SIGKILL');
        for (const suffix of ['a', 'b']) rmSync(`${marks}${suffix}`, { force: true });
        await d.stop();
      });
      await d.addUser('alice', ['engineers']);
      const reg = (
        await cli(['agents', 'register', 'relayed', '--env', 'staging', '--json'], admin)
      ).json<Registration>();
      const config = join(d.dir, 'relayed.yaml');
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
          '      - { name: touch, path: /usr/bin/touch, class: mutating, args: [{ pattern: "/tmp/gbx-relay-[a-z0-9]{1,16}" }], maxArgs: 1 }',
          '',
        ].join('\n'),
      );
      /** Starts the agent and waits until the gateway's welcome went down its new connection. */
      const restartAgent = async () => {
        await stopProcess(agent);
        const seen = (await relay.log()).reduce((n, f) => Math.max(n, f.conn), 0);
        agent = hostAgent(config, reg.credential);
        await waitFor(
          async () =>
            (await relay.log()).some(
              (f) => f.conn > seen && f.dir === 'down' && f.text.includes('"welcome"'),
            ),
          'the agent connected through the relay',
        );
      };
      const refusals = async () =>
        (await cli(['audit', '--all', '--json', '--type', 'agent.refused_gateway'], admin)).json<
          { event: { details: Record<string, unknown> } }[]
        >();

      await t.test('key substitution: a welcome naming the attacker key is refused', async () => {
        await relay.dropWelcome(true);
        try {
          agent = hostAgent(config, reg.credential);
          await waitFor(async () => (await relay.log()).some((f) => f.dir === 'up'), 'the agent said hello');
          assert.ok(await relay.inject(forgedWelcome('relayed', (await lastHello(relay)).nonce)));
          const call = forgedCall('relayed', (await lastHello(relay)).instance.id, `${marks}a`);
          await relay.inject(call.message);
          await waitFor(
            async () =>
              existsSync(`${marks}a`) ||
              (await relay.state()).closes.some((c) => /GBX_AGENT_GATEWAY_UNTRUSTED/.test(c.reason)),
            'the forged call ran, or the agent refused the welcome',
          );
          assert.equal(existsSync(`${marks}a`), false, 'the command signed by the attacker ran');
        } finally {
          await relay.dropWelcome(false);
        }
        await waitFor(async () => (await refusals()).length > 0, 'an audit event of the refusal');
      });

      await t.test('a second welcome injected mid-connection is refused', async () => {
        await restartAgent();
        assert.ok(await relay.inject(forgedWelcome('relayed', (await lastHello(relay)).nonce)));
        const call = forgedCall('relayed', (await lastHello(relay)).instance.id, `${marks}b`);
        await relay.inject(call.message);
        const answer = await answerTo(relay, call.callId).catch(() => undefined);
        assert.equal(existsSync(`${marks}b`), false, 'the command signed by the attacker ran');
        assert.notEqual(answer?.ok, true);
        await waitFor(
          async () =>
            (await refusals()).some((e) => e.event.details.reason === 'a second welcome on one connection'),
          'an audit event of the refused welcome',
        );
      });

      await t.test(
        'a key rotation is followed by every replica and by the agent pinned to the old key',
        async () => {
          await restartAgent();
          const replica = await d.startReplica('b');
          const keysAt = async (url: string) =>
            (await cli(['agents', 'keys', '--json'], { ...admin, GLOVEBOX_URL: url })).json<{
              current: string;
              previous: string[];
            }>();
          const rotated = await cli(['agents', 'keys', 'rotate', '--json'], admin);
          assert.equal(rotated.code, 0, rotated.stderr);
          const keys = rotated.json<{ current: string; previous: string[] }>();
          assert.deepEqual(keys.previous, reg.gatewayKeys);
          assert.notEqual(keys.current, reg.gatewayKeys[0]);
          await waitFor(
            async () => (await keysAt(replica)).current === keys.current,
            'the other replica follows',
          );
          // the agent's connection was welcomed under the old key: it is closed, and the agent, still
          // pinned to the old key only, trusts the new one through the rotation the old key signed
          await waitFor(
            async () =>
              (await relay.log()).some(
                (f) => f.dir === 'down' && f.text.includes('"welcome"') && f.text.includes('"rotations":[{'),
              ),
            'a welcome with the rotation',
          );
          await waitFor(
            async () =>
              (await cli(['agents', '--json'], admin)).json<{ connected: boolean }[]>()[0]?.connected ===
              true,
            'the agent reconnected',
          );
          const r = await cli(
            ['request', 'relayed', '--actions', 'exec', '--reason', 'after the rotation', '--json'],
            alice,
          );
          const session = r.json<{ id: string }>().id;
          const echoed = await cli(['exec', session, '--', 'echo', 'rotated'], alice);
          assert.equal(echoed.code, 0, echoed.stderr);
          assert.match(echoed.stdout, /rotated/);
          assert.equal((await cli(['end', session], alice)).code, 0);
          const events = (
            await cli(['audit', '--all', '--json', '--type', 'gateway.key_rotated'], admin)
          ).json<unknown[]>();
          assert.equal(events.length, 1);
        },
      );

      await t.test('an envelope captured before the agent restarted does not run after it', async () => {
        await restartAgent();
        const r = await cli(
          ['request', 'relayed', '--actions', 'exec', '--reason', 'relay replay test', '--json'],
          alice,
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const session = r.json<{ id: string }>().id;
        const echoed = await cli(['exec', session, '--', 'echo', 'captured-once'], alice);
        assert.equal(echoed.code, 0, echoed.stdout + echoed.stderr);
        const captured = (await relay.log()).find(
          (f) => f.dir === 'down' && f.text.includes('"type":"call"'),
        )!.text;
        assert.equal((await cli(['end', session], alice)).code, 0);
        await restartAgent();
        const callId = (
          JSON.parse(
            Buffer.from(
              (JSON.parse(captured) as { envelope: { payload: string } }).envelope.payload,
              'base64url',
            ).toString(),
          ) as { callId: string }
        ).callId;
        const since = (await relay.log()).length;
        assert.ok(await relay.inject(captured));
        const answer = await answerTo(relay, callId, since);
        assert.equal(answer.ok, false, 'the replayed command ran again after the restart');
        assert.equal(answer.error?.code, 'GBX_ENVELOPE_INVALID');
        await waitFor(
          async () => (await refusals()).some((e) => e.event.details.callId === callId),
          'an audit event of the refused replay',
        );
      });
    },
  );
}

test(
  'an agent never speaks to a non-loopback gateway over plain http or ws',
  { timeout: 120_000 },
  async (t) => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (!address) {
      t.skip('this machine has no non-loopback address');
      return;
    }
    const d = await deploy('sqlite');
    const relay = await startRelay(d.url, '0.0.0.0');
    const children: ChildProcess[] = [];
    t.after(async () => {
      for (const c of children) await stopProcess(c);
      relay.child.kill('SIGKILL');
      await d.stop();
    });
    const reg = (
      await cli(['agents', 'register', 'plain', '--env', 'staging', '--json'], d.adminEnv)
    ).json<Registration>();
    const plain = `http://${address}:${relay.port}`;

    await t.test('the in-process agent', async () => {
      const app = spawn(process.execPath, ['--import', '@glovebox/agent/register', SERVICE], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          ...agentEnv(plain, reg),
          PORT: '0',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      children.push(app);
      let stderr = '';
      app.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      await waitFor(
        async () => /GBX_CONFIG_INVALID/.test(stderr) || (await relay.state()).upgrades > 0,
        'a refusal or a connection',
      );
      assert.equal((await relay.state()).upgrades, 0, 'the credential went over plain http');
      assert.match(stderr, /https/);
    });

    await t.test('the host agent', async () => {
      const config = join(d.dir, 'plain.yaml');
      writeFileSync(
        config,
        [
          'gateway:',
          `  url: ${plain.replace('http', 'ws')}`,
          '  credential: { env: GLOVEBOX_AGENT_TOKEN }',
          `  keys: [${reg.gatewayKeys.join(', ')}]`,
          'recordings:',
          `  dir: ${join(d.dir, 'recordings')}`,
          'targets:',
          '  - { type: exec, name: host, commands: [] }',
          '',
        ].join('\n'),
      );
      const before = (await relay.state()).upgrades;
      const r = await cli(['agent', '--config', config], { GLOVEBOX_AGENT_TOKEN: reg.credential });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /GBX_CONFIG_INVALID/);
      assert.equal((await relay.state()).upgrades, before);
    });
  },
);
