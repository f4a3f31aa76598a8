import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import {
  AuditKeyring,
  generateAuditKey,
  signCheckpoint,
  verifyExport,
  WitnessFile,
  type VerifyReport,
} from '@glovebox/audit';
import { CLUSTER_ADMIN, testCluster } from './cluster/test-cluster.js';
import type { Gateway } from './server.js';

const headers = { authorization: `Bearer ${CLUSTER_ADMIN}` };

async function calls(gw: Gateway, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await gw.app.inject({ method: 'GET', url: '/api/v1/whoami', headers });
    assert.equal(res.statusCode, 200, res.body);
  }
}

/** An export signs the replica's own head first: a checkpoint with that replica's key. */
async function exported(gw: Gateway): Promise<string> {
  const res = await gw.app.inject({ method: 'GET', url: '/api/v1/audit/export', headers });
  assert.equal(res.statusCode, 200, res.body);
  return res.body;
}

async function liveVerify(gw: Gateway): Promise<VerifyReport> {
  const res = await gw.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<VerifyReport>();
}

function checkpointKeys(text: string): Set<string> {
  const ids = new Set<string>();
  for (const line of text.trimEnd().split('\n')) {
    const record = JSON.parse(line) as { kind: string; checkpoint?: { keyId: string } };
    if (record.kind === 'checkpoint') ids.add(record.checkpoint!.keyId);
  }
  return ids;
}

/**
 * Issue 14 item 3 for the audit trail: replicas on one PostgreSQL sign checkpoints with one
 * keyring shared through the store (sealed with the master key), and a rotation on one replica is
 * used and trusted by the others, so `audit verify` passes on a trail written by all of them.
 */
test('two replicas share the audit keyring and its rotation: verify passes live and offline', async (t) => {
  const cluster = testCluster(2);
  t.after(() => cluster.dispose());
  const [a, b] = cluster.gateways as [Gateway, Gateway];
  await a.ready();
  await b.ready();

  await calls(a, 3);
  await calls(b, 3);
  await exported(a);
  await exported(b);
  for (const gw of [a, b]) {
    const report = await liveVerify(gw);
    assert.equal(report.ok, true, `checkpoints signed by both replicas verify: ${report.message}`);
  }

  const rotated = await b.app.inject({
    method: 'POST',
    url: '/api/v1/audit/keys/rotate',
    headers,
    payload: {},
  });
  assert.equal(rotated.statusCode, 200, rotated.body);
  const newKey = rotated.json<{ keyId: string }>().keyId;

  await calls(a, 3);
  await calls(b, 3);
  const fromB = await exported(b);
  const fromA = await exported(a);
  assert.ok(checkpointKeys(fromA).has(newKey), 'replica A signs with the key B rotated to');
  assert.equal(checkpointKeys(fromA).size, 2, 'one keyring: the first key and the rotated one');

  for (const gw of [a, b]) {
    const report = await liveVerify(gw);
    assert.equal(report.ok, true, `after the rotation: ${report.message}`);
  }
  for (const text of [fromA, fromB]) {
    const report = await verifyExport(
      (async function* () {
        yield Buffer.from(text);
      })(),
    );
    assert.equal(report.ok, true, report.message);
  }
  // Every replica keeps the public keys of the shared keyring in its data directory (for --key).
  for (const gw of [a, b]) {
    const keysDir = join(gw.services.config.dataDir, 'keys', 'audit');
    const report = await verifyExport(
      (async function* () {
        yield Buffer.from(fromA);
      })(),
      {
        publicKeys: readdirSync(keysDir)
          .filter((name) => name.endsWith('.pub.pem'))
          .map((name) => readFileSync(join(keysDir, name), 'utf8')),
      },
    );
    assert.equal(report.ok, true, report.message);
  }
});

/**
 * Upgrading replicas that each kept a keyring of their own: the first one's keyring becomes the
 * shared one, and every later one adds its public keys, so what it signed before (its witness
 * file here) still verifies and it starts.
 */
test('a replica that signed with its own keyring before joins the shared keyring with its keys', async (t) => {
  const cluster = testCluster(1);
  t.after(() => cluster.dispose());
  const a = cluster.gateways[0]!;
  await a.ready();
  await calls(a, 2);
  const end = JSON.parse((await exported(a)).trimEnd().split('\n').at(-1)!) as {
    headSeq: number;
    headHash: string;
  };

  const b = cluster.add();
  const keys = join(b.services.config.dataDir, 'keys');
  const own = new AuditKeyring(generateAuditKey());
  await own.save(join(keys, 'audit'));
  const signed = signCheckpoint(
    { seq: end.headSeq, headHash: end.headHash, time: new Date().toISOString() },
    own.active,
  );
  await new WitnessFile({ path: join(keys, 'audit-witness.jsonl') }).append(signed);

  await b.ready();
  const text = await exported(a);
  const header = JSON.parse(text.split('\n')[0]!) as { publicKeys: { keyId: string }[] };
  assert.ok(
    header.publicKeys.some((key) => key.keyId === own.active.keyId),
    'the shared keyring carries the key the replica signed with before',
  );
  const report = await liveVerify(b);
  assert.equal(report.ok, true, report.message);
});
