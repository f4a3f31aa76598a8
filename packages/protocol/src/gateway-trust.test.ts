import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  keyFingerprint,
  keyIdOf,
  parseKeyPins,
  signKeyRotation,
  signWelcome,
  verifyWelcome,
  type KeyRotation,
} from './gateway-trust.js';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}
const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
const first = keyPair();
const second = keyPair();
const third = keyPair();
const attacker = keyPair();
const NONCE = 'nonce-0123456789abcdef';

function welcome(key: ReturnType<typeof keyPair>, rotations: KeyRotation[] = [], nonce = NONCE) {
  return {
    key: pem(key.publicKey),
    rotations,
    welcome: signWelcome(key, {
      agentName: 'svc',
      nonce,
      channel: 'chan_0123456789abcdef',
      serverTime: 1,
      heartbeatIntervalMs: 1000,
    }),
  };
}
const check = (pins: string[], retired: string[] = []) => ({ pins, retired: new Set(retired), nonce: NONCE });

test('a fingerprint is sha256: and the hex digest of the SPKI key; pins parse strictly', () => {
  assert.match(keyFingerprint(first.publicKey), /^sha256:[0-9a-f]{64}$/);
  assert.equal(keyIdOf(first.publicKey), keyFingerprint(first.publicKey).slice(7, 23));
  const a = keyFingerprint(first.publicKey);
  const b = keyFingerprint(second.publicKey);
  assert.deepEqual(parseKeyPins(` ${a}, ${b.toUpperCase().replace('SHA256', 'sha256')} `), [a, b]);
  for (const bad of ['', 'sha1:abcd', a.slice(0, -1), `${a}0`])
    assert.throws(() => parseKeyPins(bad), TypeError);
});

test('a welcome signed by a pinned key over the agent nonce is trusted', () => {
  const r = verifyWelcome(welcome(first), check([keyFingerprint(first.publicKey)]));
  assert.equal(r.ok, true);
  assert.equal(r.ok && r.payload.channel, 'chan_0123456789abcdef');
});

test('attack: welcomes the agent must refuse', () => {
  const pins = [keyFingerprint(first.publicKey)];
  const forgedRotation = signKeyRotation(attacker, second.publicKey, 1);
  const cases: [string, Parameters<typeof verifyWelcome>[0], string][] = [
    ['the attacker key in place of the gateway key', welcome(attacker), 'unpinned-key'],
    [
      'a rotation to the attacker key signed by the attacker',
      welcome(attacker, [signKeyRotation(attacker, attacker.publicKey, 1)]),
      'unpinned-key',
    ],
    [
      'a rotation to a real key not signed by a trusted key',
      welcome(second, [forgedRotation]),
      'unpinned-key',
    ],
    [
      'a welcome replayed from another connection',
      welcome(first, [], 'nonce-of-another-connection'),
      'wrong-nonce',
    ],
    [
      'a pinned key with a welcome signed by another key',
      { ...welcome(first), welcome: welcome(attacker).welcome },
      'bad-signature',
    ],
    ['not a key', { ...welcome(first), key: 'garbage' }, 'malformed'],
  ];
  for (const [name, message, reason] of cases)
    assert.deepEqual(verifyWelcome(message, check(pins)), { ok: false, reason }, name);
});

test('rotations: the new key is announced by the old one; a chain is followed; the old key retires', () => {
  const pins = [keyFingerprint(first.publicKey)];
  const chain = [signKeyRotation(first, second.publicKey, 1), signKeyRotation(second, third.publicKey, 2)];
  const r = verifyWelcome(welcome(third, chain), check(pins));
  assert.equal(r.ok, true);
  assert.deepEqual(r.ok && r.superseded, [keyFingerprint(first.publicKey), keyFingerprint(second.publicKey)]);
  assert.deepEqual(verifyWelcome(welcome(first, chain), check(pins)), { ok: false, reason: 'retired-key' });
  assert.deepEqual(
    verifyWelcome(welcome(first), check(pins, [keyFingerprint(first.publicKey)])),
    { ok: false, reason: 'retired-key' },
    'an agent that saw the rotation refuses the old key alone',
  );
});
