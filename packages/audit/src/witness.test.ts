import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isGloveboxError } from '@glovebox/core';
import { signCheckpoint } from './checkpoint.js';
import { AuditKeyring, generateAuditKey } from './keys.js';
import { FileSink } from './sinks/file.js';
import { buildTrail, exportToString, inChunks } from './test-trail.js';
import { verifyExport } from './verify/export.js';
import { readWitnessedHead, WitnessFile } from './witness.js';

const ring = new AuditKeyring(generateAuditKey('2026-01-01T00:00:00.000Z'));
const dir = await mkdtemp(join(tmpdir(), 'gbx-witness-'));
after(() => rm(dir, { recursive: true, force: true }));

const head = (seq: number, hash = 'a'.repeat(64)) =>
  signCheckpoint({ seq, headHash: hash, time: '2026-01-01T00:00:00.000Z' }, ring.active);

describe('WitnessFile', () => {
  test('appends signed heads and reads back the highest, ignoring a torn last line', async () => {
    const witness = new WitnessFile({ path: join(dir, 'w1', 'witness.jsonl') });
    assert.equal(await witness.latest(), null, 'nothing witnessed yet');
    await witness.append(head(3));
    await witness.append(head(9));
    await witness.append(head(7));
    await appendFile(witness.path, '{"kind":"checkpoint","checkpoint":{"seq":99');
    assert.equal((await witness.latest())?.seq, 9);
  });

  test('rotates when full and still finds the latest head in the previous file', async () => {
    const witness = new WitnessFile({ path: join(dir, 'w2', 'witness.jsonl'), maxBytes: 4096 });
    for (let seq = 1; seq <= 40; seq++) await witness.append(head(seq));
    assert.equal((await witness.latest())?.seq, 40);
    const current = await readFile(witness.path, 'utf8');
    assert.ok(current.length <= 4096);
    await writeFile(witness.path, '');
    assert.equal((await witness.latest())?.seq !== undefined, true, 'an empty live file falls back to .1');
  });

  test('a file with no readable head is GBX_AUDIT_WITNESS_INVALID, not "nothing witnessed"', async () => {
    const path = join(dir, 'garbage.jsonl');
    await writeFile(path, 'this is not a witness\n');
    await assert.rejects(new WitnessFile({ path }).latest(), (error) =>
      isGloveboxError(error, 'GBX_AUDIT_WITNESS_INVALID'),
    );
  });

  test('archive moves the file aside and keeps it', async () => {
    const witness = new WitnessFile({ path: join(dir, 'w3', 'witness.jsonl') });
    await witness.append(head(5));
    const archived = await witness.archive('rolled-back-1');
    assert.ok(archived);
    assert.equal(await witness.latest(), null);
    assert.match(await readFile(archived, 'utf8'), /"seq":5/);
  });
});

describe('readWitnessedHead', () => {
  test('finds the latest signed head in an export, a native and an OCSF file sink', async () => {
    const { records, events } = buildTrail(30, ring, { checkpointEvery: 10 });
    const exported = await exportToString(records, ring);
    const fromExport = await readWitnessedHead(inChunks(exported, 100), ring.verificationKeys());
    assert.equal(fromExport?.head.seq, 30);
    for (const format of ['native', 'ocsf'] as const) {
      const path = join(dir, `sink-${format}.jsonl`);
      const sink = new FileSink({ name: format, path, format });
      await sink.deliver(events.slice(0, 10), head(10, events[9]!.hash));
      await sink.deliver(events.slice(10, 20));
      await sink.close();
      const read = await readWitnessedHead(path, ring.verificationKeys());
      assert.equal(read?.head.seq, 10, format);
      assert.equal(read?.head.headHash, events[9]!.hash, format);
    }
  });

  test('heads that do not verify with the trusted keys are skipped', async () => {
    const path = join(dir, 'forged.jsonl');
    const forged = signCheckpoint(
      { seq: 500, headHash: 'b'.repeat(64), time: '2026-01-01T00:00:00.000Z' },
      generateAuditKey(),
    );
    await writeFile(
      path,
      `${JSON.stringify({ kind: 'checkpoint', checkpoint: head(4) })}\n${JSON.stringify({ kind: 'checkpoint', checkpoint: forged })}\n`,
    );
    const read = await readWitnessedHead(path, ring.verificationKeys());
    assert.deepEqual([read?.head.seq, read?.found, read?.skipped], [4, 1, 1]);
    assert.equal(
      await readWitnessedHead(join(dir, 'w1', 'nothing-here'), ring.verificationKeys()).catch(
        () => 'unreadable',
      ),
      'unreadable',
    );
  });
});

describe('verification against a witnessed head', () => {
  test('an export that stops before a witnessed head is rolled-back; one that reaches it verifies', async () => {
    const { records, events } = buildTrail(20, ring, { checkpointEvery: 5 });
    const cut = records.filter((r) => r.kind !== 'event' || r.event.seq <= 15);
    const lastCut = cut.findLastIndex((r) => r.kind === 'event');
    const shortened = await exportToString(cut.slice(0, lastCut + 2), ring);
    const witnesses = [{ seq: 20, hash: events[19]!.hash }];
    const report = await verifyExport(inChunks(shortened, 64), { witnesses });
    assert.equal(report.ok, false);
    assert.equal(report.problem, 'rolled-back', report.message);
    assert.equal(report.firstBadSeq, 16);
    const whole = await exportToString(records, ring);
    assert.equal((await verifyExport(inChunks(whole, 64), { witnesses })).ok, true);
  });

  test('an export holding another event at the witnessed seq is changed there', async () => {
    const { records } = buildTrail(12, ring, { checkpointEvery: 4 });
    const report = await verifyExport(inChunks(await exportToString(records, ring), 64), {
      witnesses: [{ seq: 8, hash: 'c'.repeat(64) }],
    });
    assert.equal(report.problem, 'changed', report.message);
    assert.equal(report.firstBadSeq, 8);
  });

  test('an export carries the writer’s witnessed head in its header and is held against it', async () => {
    const { records, events } = buildTrail(10, ring, { checkpointEvery: 5 });
    const witness = signCheckpoint({ seq: 12, headHash: 'd'.repeat(64), time: events[9]!.time }, ring.active);
    const text = await exportToString(records, ring, witness);
    const report = await verifyExport(inChunks(text, 64));
    assert.equal(report.problem, 'rolled-back', report.message);
    assert.equal(report.witnessSeq, 12);
    const fake = signCheckpoint(
      { seq: 12, headHash: 'd'.repeat(64), time: events[9]!.time },
      generateAuditKey(),
    );
    const refused = await verifyExport(inChunks(await exportToString(records, ring, fake), 64), {
      publicKeys: ring.publicKeys(),
    });
    assert.equal(refused.problem, 'unknown-key', refused.message);
  });
});
