import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { CLUSTER_ADMIN, testCluster } from '../cluster/test-cluster.js';
import type { Gateway } from '../server.js';

const RP = { rpId: 'localhost', origin: 'http://localhost' };

async function call(gw: Gateway, url: string, token: string, payload: unknown = {}) {
  const res = await gw.app.inject({
    method: 'POST',
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${token}` },
    payload: payload as Record<string, unknown>,
  });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
}

/** A software security key (P-256, counter 0 like most passkeys) that signs real assertions. */
function securityKey() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
    ]),
  );
  const id = randomBytes(16).toString('base64url');
  return {
    id,
    publicKey: Buffer.from(cose).toString('base64url'),
    assert(challenge: string) {
      const clientData = Buffer.from(
        JSON.stringify({ type: 'webauthn.get', challenge, origin: RP.origin, crossOrigin: false }),
      );
      const rpIdHash = createHash('sha256').update(RP.rpId).digest();
      const authData = Buffer.concat([rpIdHash, Buffer.from([0x05]), Buffer.alloc(4)]);
      const signed = Buffer.concat([authData, createHash('sha256').update(clientData).digest()]);
      return {
        id,
        rawId: id,
        type: 'public-key',
        response: {
          clientDataJSON: clientData.toString('base64url'),
          authenticatorData: authData.toString('base64url'),
          signature: sign('sha256', signed, privateKey).toString('base64url'),
        },
        clientExtensionResults: {},
      };
    },
  };
}

test('attack: a WebAuthn assertion accepted by one replica is replayed on another', async (t) => {
  const cluster = testCluster(2, { webauthn: RP });
  t.after(() => cluster.dispose());
  const [a, b] = cluster.gateways as [Gateway, Gateway];
  await a.ready();
  await b.ready();
  const user = { name: 'alice', groups: ['engineers'], password: 'alice-password-123' };
  assert.equal((await call(a, '/users', CLUSTER_ADMIN, user)).status, 201);
  const login = await call(a, '/auth/login', '', { user: 'alice', password: user.password });
  const token = login.body.token as string;
  const key = securityKey();
  const alice = await a.services.store.getUserByName('alice');
  await a.services.store.addWebauthnCredential({
    id: key.id,
    userId: alice!.id,
    publicKey: key.publicKey,
    counter: 0,
    transports: [],
    createdAt: Date.now(),
    lastUsedAt: null,
  });

  const options = await call(a, '/mfa/webauthn/assert/options', token);
  assert.equal(options.status, 200);
  const challenge = (options.body.options as { challenge: string }).challenge;
  const body = { challengeToken: options.body.challengeToken, response: key.assert(challenge) };
  assert.equal((await call(a, '/mfa/webauthn/assert/verify', token, body)).status, 200, 'the real one');
  for (const [replica, gw] of [
    ['the same replica', a],
    ['another replica', b],
  ] as const) {
    const replay = await call(gw, '/mfa/webauthn/assert/verify', token, body);
    assert.equal(replay.status, 400, `replayed on ${replica}: ${JSON.stringify(replay.body)}`);
    assert.equal((replay.body.error as { code: string }).code, 'GBX_MFA_INVALID');
  }
});
