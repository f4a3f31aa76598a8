import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import fc from 'fast-check';
import { signEnvelope, verifyEnvelope, type EnvelopeCheck, type SignedEnvelope } from './envelope.js';

const gateway = generateKeyPairSync('ed25519');
const attacker = generateKeyPairSync('ed25519');
const NOW = 1_800_000_000_000;

function payload(overrides: Record<string, unknown> = {}) {
  return {
    callId: 'call_0123456789',
    sessionId: 'ses_1',
    audience: 'svc-prod',
    channel: 'chan_0123456789abcdef',
    target: 'svc-prod',
    instance: 'inst_pod_a_0001',
    action: 'facts',
    params: { a: 1 },
    masking: 'standard' as const,
    leaseExpiresAt: NOW + 60_000,
    issuedAt: NOW,
    expiresAt: NOW + 30_000,
    ...overrides,
  };
}

function check(seen = new Set<string>()): EnvelopeCheck {
  return {
    keys: new Map([['k1', gateway.publicKey]]),
    audience: 'svc-prod',
    channel: 'chan_0123456789abcdef',
    targets: new Set(['svc-prod']),
    instance: 'inst_pod_a_0001',
    now: NOW,
    claimNonce: (id) => (seen.has(id) ? false : (seen.add(id), true)),
  };
}

const sign = (p = payload(), key = gateway.privateKey, keyId = 'k1') =>
  signEnvelope({ keyId, privateKey: key }, p);

function rewritePayload(env: SignedEnvelope, edit: (p: Record<string, unknown>) => void): SignedEnvelope {
  const p = JSON.parse(Buffer.from(env.payload, 'base64url').toString()) as Record<string, unknown>;
  edit(p);
  return { ...env, payload: Buffer.from(JSON.stringify(p)).toString('base64url') };
}

test('a valid envelope verifies once', () => {
  const seen = new Set<string>();
  const env = sign();
  assert.deepEqual(verifyEnvelope(env, check(seen)).ok, true);
  assert.deepEqual(verifyEnvelope(env, check(seen)), { ok: false, reason: 'replayed' });
});

test('forged, altered, misdirected or stale envelopes are refused with their reason', () => {
  const cases: [string, unknown, string][] = [
    ['signed by another key under our key id', sign(payload(), attacker.privateKey), 'bad-signature'],
    ['unknown key id', sign(payload(), gateway.privateKey, 'k2'), 'unknown-key'],
    ['params changed after signing', rewritePayload(sign(), (p) => (p.params = { a: 2 })), 'bad-signature'],
    ['action changed after signing', rewritePayload(sign(), (p) => (p.action = 'eval')), 'bad-signature'],
    ['expired', sign(payload({ issuedAt: NOW - 120_000, expiresAt: NOW - 60_000 })), 'expired'],
    [
      'issued in the future',
      sign(payload({ issuedAt: NOW + 60_000, expiresAt: NOW + 90_000 })),
      'not-yet-valid',
    ],
    ['for another agent', sign(payload({ audience: 'svc-staging' })), 'wrong-audience'],
    [
      'from another connection (before a restart)',
      sign(payload({ channel: 'chan_fedcba9876543210' })),
      'wrong-channel',
    ],
    ['for another target', sign(payload({ target: 'db-prod' })), 'wrong-target'],
    // every instance of a service shares its credential and trusts the same keys
    [
      'for a sibling instance of the service',
      sign(payload({ instance: 'inst_pod_b_0002' })),
      'wrong-instance',
    ],
    ['not an envelope', { hello: 'world' }, 'malformed'],
    ['signature of garbage', { keyId: 'k1', payload: 'AAAA', signature: 'AAAA' }, 'bad-signature'],
  ];
  for (const [name, env, reason] of cases) {
    assert.deepEqual(verifyEnvelope(env, check()), { ok: false, reason }, name);
  }
});

test('a correctly signed envelope whose digest does not match its params is refused', () => {
  const p = JSON.parse(Buffer.from(sign().payload, 'base64url').toString()) as Record<string, unknown>;
  p.paramsDigest = '0'.repeat(64);
  const bytes = Buffer.from(JSON.stringify(p));
  const env = {
    keyId: 'k1',
    payload: bytes.toString('base64url'),
    signature: cryptoSign(null, bytes, gateway.privateKey).toString('base64url'),
  };
  assert.deepEqual(verifyEnvelope(env, check()), { ok: false, reason: 'digest-mismatch' });
});

test('any single-byte change to a signed envelope is refused (property)', () => {
  const env = sign();
  fc.assert(
    fc.property(
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      fc.constantFrom('payload', 'signature'),
      (pos, delta, field) => {
        const bytes = Buffer.from(env[field], 'base64url');
        const i = pos % bytes.length;
        bytes[i] = (bytes[i]! + delta) % 256;
        const tampered = { ...env, [field]: bytes.toString('base64url') };
        assert.equal(verifyEnvelope(tampered, check()).ok, false);
      },
    ),
  );
});
