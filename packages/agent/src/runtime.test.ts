import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { keyFingerprint, keyIdOf, signEnvelope, signWelcome, type AgentToGateway } from '@glovebox/protocol';
import type { ActionModule } from './action.js';
import { AgentRuntime } from './runtime.js';

const gatewayKey = generateKeyPairSync('ed25519');
const attackerKey = generateKeyPairSync('ed25519');
const PINS = [keyFingerprint(gatewayKey.publicKey)];
const CHANNEL = 'chan_test-0123456789abcdef';

/** The welcome a gateway holding `key` answers a hello with. */
function welcomeFor(nonce: string, key = gatewayKey) {
  return {
    type: 'welcome',
    key: key.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    rotations: [],
    welcome: signWelcome(
      { keyId: keyIdOf(key.publicKey), privateKey: key.privateKey },
      { agentName: 'svc', nonce, channel: CHANNEL, serverTime: Date.now(), heartbeatIntervalMs: 10_000 },
    ),
  };
}

/** A stand-in gateway that speaks the real agent protocol, so the runtime is tested over a real socket. */
async function fakeGateway() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as { port: number }).port;
  const received: AgentToGateway[] = [];
  let socket: WebSocket | undefined;
  const connected = new Promise<void>((resolve) => {
    wss.on('connection', (ws, req) => {
      assert.equal(req.headers.authorization, 'Bearer gbx_a_test-credential-000000000000');
      socket = ws;
      ws.on('message', (data) => {
        const msg = JSON.parse((data as Buffer).toString('utf8')) as AgentToGateway;
        received.push(msg);
        if (msg.type === 'hello') {
          ws.send(JSON.stringify(welcomeFor(msg.nonce)));
          resolve();
        }
      });
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    connected,
    received,
    send: (msg: unknown) => socket!.send(JSON.stringify(msg)),
    async resultFor(callId: string) {
      for (let i = 0; i < 100; i++) {
        const r = received.find((m) => m.type === 'result' && m.callId === callId);
        if (r) return r as Extract<AgentToGateway, { type: 'result' }>;
        await new Promise((res) => setTimeout(res, 20));
      }
      throw new Error(`no result for ${callId}`);
    },
    close: () => new Promise((r) => wss.close(r)),
  };
}

/** The instance id the runtime under test announced (envelopes name the one instance meant). */
let instance = '';

function envelope(callId: string, overrides: Record<string, unknown> = {}, key = gatewayKey.privateKey) {
  const now = Date.now();
  return signEnvelope(
    { keyId: keyIdOf(gatewayKey.publicKey), privateKey: key },
    {
      callId,
      sessionId: 'ses_1',
      audience: 'svc',
      channel: CHANNEL,
      target: 'svc',
      instance,
      action: 'ping',
      params: {},
      masking: 'standard',
      leaseExpiresAt: now + 60_000,
      issuedAt: now,
      expiresAt: now + 30_000,
      ...overrides,
    },
  );
}

test('the runtime runs only valid envelopes, once, for live sessions, and cleans up when they end', async (t) => {
  const gw = await fakeGateway();
  const calls: string[] = [];
  const ended: string[] = [];
  const module: ActionModule = {
    actions: {
      ping: async (_params, ctx) => {
        calls.push(ctx.callId);
        return { result: 'pong' };
      },
    },
    endSession: async (id) => void ended.push(id),
    close: async () => undefined,
  };
  const runtime = new AgentRuntime({
    url: gw.url,
    token: 'gbx_a_test-credential-000000000000',
    gatewayKeys: PINS,
    modules: [module],
    log: () => undefined,
  });
  t.after(async () => {
    await runtime.stop();
    await gw.close();
  });
  assert.equal(await runtime.start(), 'svc');
  await gw.connected;
  instance = runtime.instanceId;
  const hello = gw.received.find((m) => m.type === 'hello');
  assert.equal(hello?.type === 'hello' && hello.instance.id, instance, 'the hello names this instance');

  gw.send({ type: 'call', envelope: envelope('call_valid_000001') });
  assert.equal((await gw.resultFor('call_valid_000001')).ok, true);

  const refusals: [string, unknown][] = [
    ['call_forged_00001', envelope('call_forged_00001', {}, attackerKey.privateKey)],
    ['call_valid_000001', envelope('call_valid_000001')],
    ['call_other_000001', envelope('call_other_000001', { audience: 'another-agent' })],
    ['call_sibling_0001', envelope('call_sibling_0001', { instance: 'inst_another_process' })],
    ['call_chan_0000001', envelope('call_chan_0000001', { channel: 'chan_of-an-earlier-connection' })],
    ['call_long_000001', envelope('call_long_000001', { expiresAt: Date.now() + 3_600_000 })],
    ['call_revoke_00001', envelope('call_revoke_00001', { action: 'revoke' })],
    [
      'call_stale_000001',
      envelope('call_stale_000001', { issuedAt: Date.now() - 120_000, expiresAt: Date.now() - 60_000 }),
    ],
  ];
  for (const [callId, env] of refusals) {
    gw.received.length = 0;
    gw.send({ type: 'call', envelope: env });
    const r = await gw.resultFor(callId);
    assert.equal(r.ok, false, callId);
    assert.equal(r.error?.code, 'GBX_ENVELOPE_INVALID', callId);
  }
  assert.deepEqual(calls, ['call_valid_000001'], 'only the valid envelope ran, once');

  // a revoke must be signed, by the gateway's key, as a revoke, once
  gw.received.length = 0;
  const revoke = (callId: string, o: Record<string, unknown> = {}, key = gatewayKey.privateKey) => ({
    type: 'revoke',
    envelope: envelope(callId, { action: 'revoke', leaseExpiresAt: 0, ...o }, key),
  });
  gw.send({ type: 'revoke', sessionId: 'ses_1' });
  gw.send(revoke('revoke_forged_001', {}, attackerKey.privateKey));
  gw.send(revoke('revoke_asping_001', { action: 'ping' }));
  gw.send(revoke('revoke_chan_00001', { channel: 'chan_of-an-earlier-connection' }));
  const refused = async (n: number) => {
    for (let i = 0; i < 100 && gw.received.filter((m) => m.type === 'refusal').length < n; i++)
      await new Promise((r) => setTimeout(r, 20));
    return gw.received.flatMap((m) => (m.type === 'refusal' ? [m.message] : []));
  };
  assert.deepEqual(await refused(4), [
    'refused a malformed or unsigned "revoke" message',
    'revoke refused: bad-signature',
    'revoke refused: wrong action',
    'revoke refused: wrong-channel',
  ]);
  assert.equal(ended.length, 0, 'no unsigned, foreign or stale revoke ended the session');
  gw.send(revoke('revoke_valid_0001'));
  gw.send(revoke('revoke_valid_0001'));
  assert.equal((await refused(5))[4], 'revoke refused: replayed');
  assert.deepEqual(ended, ['ses_1'], 'the signed revocation ends the session on the agent');
  gw.received.length = 0;
  gw.send({ type: 'call', envelope: envelope('call_after_revoke') });
  assert.equal(
    (await gw.resultFor('call_after_revoke')).error?.code,
    'GBX_SESSION_NOT_ACTIVE',
    'a revoked session cannot be revived',
  );

  gw.send({
    type: 'call',
    envelope: envelope('call_short_lease', { sessionId: 'ses_2', leaseExpiresAt: Date.now() + 300 }),
  });
  await gw.resultFor('call_short_lease');
  await new Promise((r) => setTimeout(r, 800));
  assert.ok(ended.includes('ses_2'), 'a lapsed lease ends the session on its own');
});

test('given several gateway URLs, the agent reconnects to the next one when its replica is gone', async (t) => {
  const gw = await fakeGateway();
  // the first URL's replica is down (nothing listens on port 1): the agent goes on to the second
  const runtime = new AgentRuntime({
    url: `http://127.0.0.1:1, ${gw.url}`,
    token: 'gbx_a_test-credential-000000000000',
    gatewayKeys: PINS,
    modules: [],
    log: () => undefined,
    reconnectMinMs: 10,
  });
  t.after(async () => {
    await runtime.stop();
    await gw.close();
  });
  assert.equal(await runtime.start(), 'svc');
  assert.equal(runtime.connected, true);
});

test('attack: a second welcome, even one the pinned key signed, is refused and the connection left', async (t) => {
  const gw = await fakeGateway();
  const runtime = new AgentRuntime({
    url: gw.url,
    token: 'gbx_a_test-credential-000000000000',
    gatewayKeys: PINS,
    modules: [],
    log: () => undefined,
    reconnectMinMs: 60_000,
  });
  t.after(async () => {
    await runtime.stop();
    await gw.close();
  });
  await runtime.start();
  const hello = gw.received.find((m) => m.type === 'hello');
  gw.send(welcomeFor(hello?.type === 'hello' ? hello.nonce : ''));
  for (let i = 0; i < 100 && runtime.connected; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(runtime.connected, false);
  const refusal = gw.received.find((m) => m.type === 'refusal');
  assert.equal(refusal?.type === 'refusal' && refusal.code, 'GBX_AGENT_GATEWAY_UNTRUSTED');
});

test('an agent is configured with https (plain http only to this machine) and pinned keys, or refuses to start', () => {
  const base = { token: 'gbx_a_test-credential-000000000000', modules: [] };
  for (const [url, keys] of [
    ['http://gateway.example', PINS],
    ['https://127.0.0.1:1, http://10.0.0.8', PINS],
    ['https://user:pw@gateway.example', PINS],
    ['https://gateway.example', []],
    ['https://gateway.example', ['sha256:abc']],
  ] as [string, string[]][]) {
    assert.throws(
      () => new AgentRuntime({ ...base, url, gatewayKeys: keys }),
      (e: { code?: string }) => e.code === 'GBX_CONFIG_INVALID',
      url,
    );
  }
  assert.doesNotThrow(() => new AgentRuntime({ ...base, url: 'https://gateway.example', gatewayKeys: PINS }));
});

test('a cancel stops a running call only when signed, as a cancel, for that call and its session', async (t) => {
  const gw = await fakeGateway();
  let release: (() => void) | undefined;
  const module: ActionModule = {
    actions: {
      wait: (_params, ctx) =>
        new Promise((resolve, reject) => {
          release = () => resolve({ result: 'finished' });
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
        }),
    },
    endSession: async () => undefined,
    close: async () => undefined,
  };
  const runtime = new AgentRuntime({
    url: gw.url,
    token: 'gbx_a_test-credential-000000000000',
    gatewayKeys: PINS,
    modules: [module],
    log: () => undefined,
  });
  t.after(async () => {
    await runtime.stop();
    await gw.close();
  });
  await runtime.start();
  instance = runtime.instanceId;
  gw.send({ type: 'call', envelope: envelope('call_waiting_0001', { action: 'wait' }) });
  const cancel = (callId: string, o: Record<string, unknown> = {}, key = gatewayKey.privateKey) => ({
    type: 'cancel',
    envelope: envelope(callId, { action: 'cancel', params: { callId: 'call_waiting_0001' }, ...o }, key),
  });
  gw.send(cancel('cancel_other_0001', { sessionId: 'ses_other' }));
  gw.send({ type: 'cancel', callId: 'call_waiting_0001' });
  gw.send(cancel('cancel_forged_001', {}, attackerKey.privateKey));
  gw.send(cancel('cancel_chan_00001', { channel: 'chan_of-an-earlier-connection' }));
  for (let i = 0; i < 100 && gw.received.filter((m) => m.type === 'refusal').length < 3; i++)
    await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(
    gw.received.flatMap((m) => (m.type === 'refusal' ? [m.message] : [])),
    [
      'refused a malformed or unsigned "cancel" message',
      'cancel refused: bad-signature',
      'cancel refused: wrong-channel',
    ],
  );
  assert.equal(
    gw.received.some((m) => m.type === 'result'),
    false,
    'the call still runs: no unsigned, foreign, stale or other session cancel stopped it',
  );
  gw.send(cancel('cancel_valid_0001'));
  const r = await gw.resultFor('call_waiting_0001');
  assert.equal(r.ok, false, 'the signed cancel stopped the call');
  assert.equal(r.error?.message, 'cancelled by the gateway');
  release?.();
});
