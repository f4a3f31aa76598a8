import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isGloveboxError } from '@glovebox/core';
import { signCheckpoint, verifyCheckpointSignature } from './checkpoint.js';
import { AuditKeyring, generateAuditKey, parsePublicKey, publicKeyMap } from './keys.js';

describe('AuditKeyring', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gbx-keys-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('serializes for a sealed store and reads back; refuses a swapped private key or junk', () => {
    const ring = new AuditKeyring(generateAuditKey());
    const first = ring.active.keyId;
    ring.rotate();
    const back = AuditKeyring.deserialize(ring.serialize());
    assert.equal(back.active.keyId, ring.active.keyId);
    assert.deepEqual([...back.verificationKeys().keys()], [first, ring.active.keyId]);
    const checkpoint = signCheckpoint(
      { seq: 1, headHash: 'a'.repeat(64), time: '2026-01-01T00:00:00.000Z' },
      back.active,
    );
    assert.equal(verifyCheckpointSignature(checkpoint, ring.verificationKeys()), 'ok');

    const swapped = JSON.parse(ring.serialize()) as { privateKey: string };
    swapped.privateKey = generateAuditKey().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    for (const text of [JSON.stringify(swapped), '{"version":1}', 'not json']) {
      assert.throws(
        () => AuditKeyring.deserialize(text),
        (error: unknown) => isGloveboxError(error) && error.code === 'GBX_CONFIG_INVALID',
      );
    }
  });

  test("retain keeps another keyring's public keys so what it signed verifies", () => {
    const shared = new AuditKeyring(generateAuditKey());
    const own = new AuditKeyring(generateAuditKey());
    const signed = signCheckpoint(
      { seq: 3, headHash: 'b'.repeat(64), time: '2026-01-01T00:00:00.000Z' },
      own.active,
    );
    assert.equal(verifyCheckpointSignature(signed, shared.verificationKeys()), 'unknown-key');
    assert.equal(shared.retain(own), true);
    assert.equal(shared.retain(own), false, 'nothing new the second time');
    assert.equal(verifyCheckpointSignature(signed, shared.verificationKeys()), 'ok');
    assert.notEqual(shared.active.keyId, own.active.keyId, 'the shared key keeps signing');
  });

  test('creates, saves with 0600 private keys, rotates and reloads; old checkpoints still verify', async () => {
    const path = join(dir, 'ring');
    const ring = await AuditKeyring.openOrCreate(path);
    const oldCheckpoint = signCheckpoint(
      { seq: 1, headHash: 'a'.repeat(64), time: '2026-01-01T00:00:00.000Z' },
      ring.active,
    );
    const firstId = ring.active.keyId;
    assert.equal((await stat(join(path, `${firstId}.key.pem`))).mode & 0o777, 0o600);

    ring.rotate();
    await ring.save(path);
    const files = await readdir(path);
    assert.ok(!files.includes(`${firstId}.key.pem`), 'the retired private key is deleted');
    assert.ok(files.includes(`${firstId}.pub.pem`), 'the retired public key is kept');

    const reloaded = await AuditKeyring.openOrCreate(path);
    assert.equal(reloaded.active.keyId, ring.active.keyId);
    assert.notEqual(reloaded.active.keyId, firstId);
    assert.deepEqual(
      reloaded.publicKeys().map((key) => key.keyId),
      [firstId, ring.active.keyId],
    );
    assert.equal(verifyCheckpointSignature(oldCheckpoint, reloaded.verificationKeys()), 'ok');
    const newCheckpoint = signCheckpoint(
      { seq: 2, headHash: 'b'.repeat(64), time: '2026-01-01T00:00:01.000Z' },
      reloaded.active,
    );
    assert.equal(verifyCheckpointSignature(newCheckpoint, publicKeyMap(reloaded.publicKeys())), 'ok');
  });

  const broken: { name: string; breakIt: (path: string, keyId: string) => Promise<void> }[] = [
    {
      name: 'a private key readable by others',
      breakIt: (path, keyId) => chmod(join(path, `${keyId}.key.pem`), 0o644),
    },
    { name: 'a missing private key', breakIt: (path, keyId) => rm(join(path, `${keyId}.key.pem`)) },
    { name: 'a manifest that is not JSON', breakIt: (path) => writeFile(join(path, 'keyring.json'), 'nope') },
    {
      name: 'a key file holding another key',
      breakIt: async (path, keyId) => {
        const other = generateAuditKey();
        await writeFile(
          join(path, `${keyId}.key.pem`),
          other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          { mode: 0o600 },
        );
      },
    },
    {
      name: 'garbage in the private key file',
      breakIt: (path, keyId) => writeFile(join(path, `${keyId}.key.pem`), 'garbage', { mode: 0o600 }),
    },
  ];
  for (const { name, breakIt } of broken) {
    test(`refuses ${name} with GBX_CONFIG_INVALID`, async () => {
      const path = await mkdtemp(join(dir, 'broken-'));
      const ring = await AuditKeyring.openOrCreate(path);
      await breakIt(path, ring.active.keyId);
      await assert.rejects(AuditKeyring.load(path), (error: unknown) =>
        isGloveboxError(error, 'GBX_CONFIG_INVALID'),
      );
    });
  }

  test('key ids are derived from the key; a claimed id for another key is refused', async () => {
    const key = generateAuditKey();
    const [exported] = new AuditKeyring(key).publicKeys();
    assert.equal(parsePublicKey(exported)?.keyId, key.keyId);
    assert.equal(parsePublicKey(exported!.publicKey)?.keyId, key.keyId);
    assert.equal(parsePublicKey({ ...exported, keyId: generateAuditKey().keyId }), null);
    assert.equal(parsePublicKey('not a pem'), null);
    assert.equal(parsePublicKey(42), null);
    const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.equal(parsePublicKey(pem)?.keyId, key.keyId, 'a private PEM yields its public key');
    assert.throws(
      () => publicKeyMap(['junk']),
      (error: unknown) => isGloveboxError(error, 'GBX_CONFIG_INVALID'),
    );
  });
});
