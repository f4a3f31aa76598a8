import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { signCheckpoint } from '../checkpoint.js';
import { chainEvent, computeEventHash, GENESIS_HASH, type ChainedEvent } from '../event.js';
import { auditColumns } from '../columns.js';
import { writeExportFile, type AuditRecord } from '../export-format.js';
import { AuditKeyring, generateAuditKey } from '../keys.js';
import { buildTrail, exportToString, inChunks, sampleInput } from '../test-trail.js';
import { canonicalJson } from '@glovebox/protocol';
import { verifyExport } from './export.js';
import { verifyEvents } from './live.js';
import type { VerifyReport } from './report.js';

const ring = new AuditKeyring(generateAuditKey('2026-01-01T00:00:00.000Z'));
const trustedKeys = ring.publicKeys();
const attacker = generateAuditKey('2026-01-01T00:00:00.000Z');

// Export lines are edited freely here, the way an attacker would edit the file.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Line = Record<string, any>;

interface Trail {
  lines: Line[];
  count: number;
}

const trailArb = fc.record({
  count: fc.integer({ min: 2, max: 30 }),
  every: fc.integer({ min: 1, max: 8 }),
  chunk: fc.integer({ min: 7, max: 4096 }),
});

async function makeTrail(count: number, every: number): Promise<Trail> {
  const { records } = buildTrail(count, ring, { checkpointEvery: every });
  const text = await exportToString(records, ring);
  const lines = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Line);
  return { lines, count };
}

function render(lines: Line[]): string {
  return lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
}

function eventIndex(lines: Line[], seq: number): number {
  return lines.findIndex((line) => line.kind === 'event' && line.event.seq === seq);
}

function rehash(event: Record<string, unknown>): void {
  event.hash = computeEventHash(event);
}

async function check(lines: Line[], chunk: number, publicKeys?: unknown[]): Promise<VerifyReport> {
  return verifyExport(inChunks(render(lines), chunk), publicKeys === undefined ? {} : { publicKeys });
}

function expectBad(report: VerifyReport, problem: string, seq?: number): void {
  assert.equal(report.ok, false, `expected ${problem}, got ok: ${report.message}`);
  assert.equal(report.problem, problem, report.message);
  if (seq !== undefined) assert.equal(report.firstBadSeq, seq, report.message);
}

// GBX_FC_RUNS raises the run count for a deeper local search.
const RUNS = { numRuns: Number(process.env.GBX_FC_RUNS ?? 60) };

describe('verifyExport on untouched trails', () => {
  test('an untouched trail verifies, with embedded and with trusted keys, across any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, async ({ count, every, chunk }) => {
        const { lines } = await makeTrail(count, every);
        for (const keys of [undefined, trustedKeys]) {
          const report = await check(lines, chunk, keys);
          assert.equal(report.ok, true, report.message);
          assert.equal(report.events, count);
          assert.equal(report.checkpoints, Math.floor(count / every));
          assert.equal(report.unsignedTail, count % every);
          assert.equal(report.keys, keys === undefined ? 'embedded' : 'provided');
        }
      }),
      RUNS,
    );
  });

  test('a trail whose signing key was rotated midway verifies with old and new keys', async () => {
    const rotating = new AuditKeyring(generateAuditKey());
    const { records } = buildTrail(40, rotating, { checkpointEvery: 5, rotateAt: 20 });
    const text = await exportToString(records, rotating);
    const keyIds = new Set(records.flatMap((r) => (r.kind === 'checkpoint' ? [r.checkpoint.keyId] : [])));
    assert.equal(keyIds.size, 2);
    assert.equal((await verifyExport(inChunks(text, 100))).ok, true);
    assert.equal((await verifyExport(inChunks(text, 100), { publicKeys: rotating.publicKeys() })).ok, true);
    const onlyNew = rotating.publicKeys().slice(-1);
    expectBad(await verifyExport(inChunks(text, 100), { publicKeys: onlyNew }), 'unknown-key', 5);
  });

  test('an empty trail (header and end only) verifies', async () => {
    const text = await exportToString([], ring);
    const report = await verifyExport(inChunks(text, 10));
    assert.equal(report.ok, true);
    assert.equal(report.events, 0);
    assert.equal(report.headHash, GENESIS_HASH);
  });
});

describe('verifyExport detects every kind of tampering and names the seq', () => {
  const editableFields = [
    'actor',
    'outcome',
    'details',
    'time',
    'id',
    'seq',
    'prevHash',
    'hash',
    'type',
    'target',
  ] as const;

  function edit(event: Line, field: (typeof editableFields)[number]): void {
    switch (field) {
      case 'actor':
        event.actor = { ...event.actor, id: `${event.actor.id}x` };
        break;
      case 'outcome':
        event.outcome = event.outcome === 'success' ? 'denied' : 'success';
        break;
      case 'details':
        event.details = { ...event.details, bytes: (event.details.bytes as number) + 1 };
        break;
      case 'time':
        event.time = new Date(Date.parse(event.time as string) + 1).toISOString();
        break;
      case 'id':
        event.id = `${event.id}z`;
        break;
      case 'seq':
        event.seq = (event.seq as number) + 1000;
        break;
      case 'prevHash':
        event.prevHash = 'f'.repeat(64);
        break;
      case 'hash':
        event.hash = 'e'.repeat(64);
        break;
      case 'type':
        event.type = 'session.revoked';
        break;
      case 'target':
        event.target = 'another-target';
        break;
    }
  }

  test('a field edited in place: changed at that seq', async () => {
    await fc.assert(
      fc.asyncProperty(
        trailArb,
        fc.nat(),
        fc.constantFrom(...editableFields),
        async ({ count, every, chunk }, pick, field) => {
          const { lines } = await makeTrail(count, every);
          const seq = (pick % count) + 1;
          edit(lines[eventIndex(lines, seq)]!.event, field);
          expectBad(await check(lines, chunk), 'changed', seq);
        },
      ),
      RUNS,
    );
  });

  test('an event edited and re-hashed: changed at that seq', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), async ({ count, every, chunk }, pick) => {
        const { lines } = await makeTrail(count, every);
        const seq = (pick % count) + 1;
        const event = lines[eventIndex(lines, seq)]!.event;
        event.outcome = 'denied';
        event.details = { note: 'rewritten' };
        rehash(event);
        expectBad(await check(lines, chunk), 'changed', seq);
      }),
      RUNS,
    );
  });

  test('an event no checkpoint covers that hashes to itself but is no event: malformed at that seq', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), async ({ count, every, chunk }, pick) => {
        const lastSigned = Math.floor(count / every) * every;
        fc.pre(lastSigned < count);
        const { lines } = await makeTrail(count, every);
        const seq = count;
        const event = lines[eventIndex(lines, seq)]!.event;
        event.outcome = ['exploded', 'denied', 'success'][pick % 3];
        if (pick % 3 !== 0) event.details = { deep: JSON.parse('['.repeat(40) + ']'.repeat(40)) as unknown };
        rehash(event);
        lines.at(-1)!.headHash = event.hash;
        const report = await check(lines, chunk);
        expectBad(report, 'malformed', seq);
        assert.equal(report.events, seq - 1);
        assert.equal(report.headSeq, seq - 1);
      }),
      RUNS,
    );
  });

  test('an event edited and the rest of the chain re-hashed: changed at the next checkpoint', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), async ({ count, every, chunk }, pick) => {
        fc.pre(count >= every);
        const { lines } = await makeTrail(count, every);
        const lastSigned = Math.floor(count / every) * every;
        const seq = (pick % lastSigned) + 1;
        let prev = seq === 1 ? GENESIS_HASH : lines[eventIndex(lines, seq - 1)]!.event.hash;
        for (const line of lines) {
          if (line.kind !== 'event' || line.event.seq < seq) continue;
          if (line.event.seq === seq) line.event.details = { note: 'rewritten' };
          line.event.prevHash = prev;
          rehash(line.event);
          prev = line.event.hash;
        }
        const end = lines.at(-1)!;
        end.headHash = prev;
        expectBad(await check(lines, chunk), 'changed', Math.ceil(seq / every) * every);
      }),
      RUNS,
    );
  });

  test('an event deleted: missing at that seq (truncated when it was the last)', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), async ({ count, every, chunk }, pick) => {
        const { lines } = await makeTrail(count, every);
        const seq = (pick % count) + 1;
        lines.splice(eventIndex(lines, seq), 1);
        expectBad(await check(lines, chunk), seq === count ? 'truncated' : 'missing', seq);
      }),
      RUNS,
    );
  });

  test('a copy of an event inserted: inserted where it appears', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), fc.nat(), async ({ count, every, chunk }, pickCopy, pickAt) => {
        const { lines } = await makeTrail(count, every);
        const copied = (pickCopy % count) + 1;
        const before = (pickAt % (count + 1)) + 1;
        const at = before <= count ? eventIndex(lines, before) : lines.length - 1;
        lines.splice(at, 0, structuredClone(lines[eventIndex(lines, copied)]!));
        expectBad(await check(lines, chunk), 'inserted', copied === before ? before + 1 : before);
      }),
      RUNS,
    );
  });

  test('a forged event claiming an existing seq inserted before or after the real one: inserted at that seq', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), fc.boolean(), async ({ count, every, chunk }, pick, afterReal) => {
        const { lines } = await makeTrail(count, every);
        const seq = (pick % count) + 1;
        const head =
          seq === 1 ? null : { seq: seq - 1, hash: lines[eventIndex(lines, seq - 1)]!.event.hash as string };
        const forged = chainEvent(
          head,
          { ...sampleInput(seq), outcome: 'denied', details: { forged: true } },
          'evt_forged',
        );
        const at = afterReal
          ? seq < count
            ? eventIndex(lines, seq + 1)
            : lines.length - 1
          : eventIndex(lines, seq);
        lines.splice(at, 0, { kind: 'event', event: forged });
        expectBad(await check(lines, chunk), 'inserted', seq);
      }),
      RUNS,
    );
  });

  test('a forged event with a wrong hash inserted before an event: inserted at that seq', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), async ({ count, every, chunk }, pick) => {
        const { lines } = await makeTrail(count, every);
        const seq = (pick % count) + 1;
        const forged = {
          ...structuredClone(lines[eventIndex(lines, seq)]!.event),
          hash: 'a'.repeat(64),
          id: 'evt_forged',
        };
        lines.splice(eventIndex(lines, seq), 0, { kind: 'event', event: forged });
        expectBad(await check(lines, chunk), 'inserted', seq);
      }),
      RUNS,
    );
  });

  test('two events swapped: reordered at the lower seq', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), fc.nat(), async ({ count, every, chunk }, a, b) => {
        const { lines } = await makeTrail(count, every);
        const low = (a % (count - 1)) + 1;
        const high = low + 1 + (b % (count - low));
        const i = eventIndex(lines, low);
        const j = eventIndex(lines, high);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        expectBad(await check(lines, chunk), 'reordered', low);
      }),
      RUNS,
    );
  });

  test('an event moved earlier: reordered where it lands', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), fc.nat(), async ({ count, every, chunk }, a, b) => {
        const { lines } = await makeTrail(count, every);
        const low = (a % (count - 1)) + 1;
        const high = low + 1 + (b % (count - low));
        const [moved] = lines.splice(eventIndex(lines, high), 1);
        lines.splice(eventIndex(lines, low), 0, moved!);
        expectBad(await check(lines, chunk), 'reordered', low);
      }),
      RUNS,
    );
  });

  test('the file cut anywhere: truncated right after the last whole event', async () => {
    await fc.assert(
      fc.asyncProperty(
        trailArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        async ({ count, every, chunk }, where) => {
          const { lines } = await makeTrail(count, every);
          const text = Buffer.from(render(lines));
          const cut = Math.floor(where * (text.length - 2));
          const kept = text.subarray(0, cut);
          let lastSeq = 0;
          for (const line of kept.toString('utf8').split('\n')) {
            try {
              const parsed = JSON.parse(line) as Line;
              if (parsed.kind === 'event') lastSeq = parsed.event.seq as number;
            } catch {
              // a cut-off line
            }
          }
          expectBad(await verifyExport(inChunks(kept, chunk)), 'truncated', lastSeq + 1);
        },
      ),
      RUNS,
    );
  });

  test('a checkpoint re-signed with another key under its key id: bad-signature at its seq', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), fc.boolean(), async ({ count, every, chunk }, pick, alter) => {
        fc.pre(count >= every);
        const { lines } = await makeTrail(count, every);
        const checkpoints = lines.filter((line) => line.kind === 'checkpoint');
        const target = checkpoints[pick % checkpoints.length]!;
        const claim = {
          seq: target.checkpoint.seq,
          headHash: alter ? 'b'.repeat(64) : target.checkpoint.headHash,
          time: target.checkpoint.time,
        };
        const forged = signCheckpoint(claim, {
          keyId: target.checkpoint.keyId as string,
          privateKey: attacker.privateKey,
        });
        target.checkpoint = forged;
        expectBad(await check(lines, chunk), 'bad-signature', claim.seq);
        expectBad(await check(lines, chunk, trustedKeys), 'bad-signature', claim.seq);
      }),
      RUNS,
    );
  });

  test('a checkpoint re-signed with the attacker’s own key: unknown-key, even if the header carries that key', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), async ({ count, every, chunk }, pick) => {
        fc.pre(count >= every);
        const { lines } = await makeTrail(count, every);
        const checkpoints = lines.filter((line) => line.kind === 'checkpoint');
        const target = checkpoints[pick % checkpoints.length]!;
        target.checkpoint = signCheckpoint(target.checkpoint as never, attacker);
        expectBad(await check(lines, chunk), 'unknown-key', target.checkpoint.seq);
        lines[0]!.publicKeys = [
          ...lines[0]!.publicKeys,
          {
            keyId: attacker.keyId,
            algorithm: 'Ed25519',
            publicKey: attacker.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          },
        ];
        expectBad(await check(lines, chunk, trustedKeys), 'unknown-key', target.checkpoint.seq);
      }),
      RUNS,
    );
  });

  test('a checkpoint line removed: missing', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), async ({ count, every, chunk }, pick) => {
        fc.pre(count >= every);
        const { lines } = await makeTrail(count, every);
        const indexes = lines.flatMap((line, i) => (line.kind === 'checkpoint' ? [i] : []));
        lines.splice(indexes[pick % indexes.length]!, 1);
        expectBad(await check(lines, chunk), 'missing');
      }),
      RUNS,
    );
  });
});

describe('verifyExport never crashes on garbage', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gbx-verify-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const header = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      kind: 'header',
      format: 'glovebox-audit-export',
      version: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      publicKeys: [],
      ...extra,
    });

  const cases: { name: string; content: string | Buffer; problem: string }[] = [
    { name: 'empty file', content: '', problem: 'truncated' },
    { name: 'binary junk', content: Buffer.from([0, 255, 1, 10, 200, 13, 10, 0, 0]), problem: 'malformed' },
    { name: 'a CSV file', content: 'seq,type\n1,auth.login\n', problem: 'malformed' },
    { name: 'a JSON array', content: '[1,2,3]\n', problem: 'malformed' },
    { name: 'another JSON-lines format', content: '{"level":30,"msg":"hello"}\n', problem: 'malformed' },
    { name: 'an unsupported version', content: `${header({ version: 99 })}\n`, problem: 'malformed' },
    {
      name: 'a header whose key is junk',
      content: `${header({ publicKeys: ['not a key'] })}\n`,
      problem: 'malformed',
    },
    { name: 'an unknown line kind', content: `${header()}\n{"kind":"surprise"}\n`, problem: 'malformed' },
    {
      name: 'an event of the wrong shape',
      content: `${header()}\n{"kind":"event","event":{"seq":"one"}}\n{"kind":"end"}\n`,
      problem: 'malformed',
    },
    {
      name: 'a deeply nested event',
      content: `${header()}\n{"kind":"event","event":${'['.repeat(50_000)}${']'.repeat(50_000)}}\n`,
      problem: 'malformed',
    },
    {
      name: 'a line over the size cap',
      content: `${header()}\n${'x'.repeat(3 * 1024 * 1024)}\n`,
      problem: 'malformed',
    },
    {
      name: 'a first line over the size cap',
      content: `${'{'.repeat(2 * 1024 * 1024)}`,
      problem: 'malformed',
    },
    {
      name: 'data after the end line',
      content: `${header()}\n{"kind":"end","events":0,"checkpoints":0,"headSeq":0,"headHash":"${GENESIS_HASH}"}\n{"x":1}\n`,
      problem: 'malformed',
    },
    {
      name: 'a malformed end line',
      content: `${header()}\n{"kind":"end","events":"many"}\n`,
      problem: 'malformed',
    },
  ];

  for (const { name, content, problem } of cases) {
    test(`${name}: ${problem}`, async () => {
      const path = join(dir, `${name.replaceAll(' ', '-')}.jsonl`);
      await writeFile(path, content);
      const report = await verifyExport(path);
      expectBad(report, problem);
      assert.ok(report.message.length > 0);
    });
  }

  test('writeExportFile writes a 0600 file that verifies from another folder', async () => {
    const { records } = buildTrail(25, ring, { checkpointEvery: 5 });
    const path = join(dir, 'export.jsonl');
    const summary = await writeExportFile(records, path, { publicKeys: ring.publicKeys() });
    assert.equal(summary.events, 25);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const copy = join(dir, 'elsewhere.jsonl');
    await copyFile(path, copy);
    const report = await verifyExport(copy, { publicKeys: trustedKeys });
    assert.equal(report.ok, true, report.message);
    await assert.rejects(writeExportFile(records, join(dir, 'no', 'such', 'dir.jsonl'), { publicKeys: [] }));
  });

  test('a missing file is unreadable, not a crash', async () => {
    expectBad(await verifyExport(join(dir, 'nope.jsonl')), 'unreadable');
  });

  test('a wrong trusted public key: unknown-key at the first checkpoint', async () => {
    const { lines } = await makeTrail(12, 4);
    const other = new AuditKeyring(generateAuditKey()).publicKeys();
    expectBad(await check(lines, 64, other), 'unknown-key', 4);
  });

  test('a header key that claims another key id is refused', async () => {
    const { lines } = await makeTrail(4, 2);
    lines[0]!.publicKeys[0].keyId = 'ak_00000000000000000000';
    expectBad(await check(lines, 64), 'malformed');
  });

  test('a malformed trusted key is API misuse (TypeError)', async () => {
    await assert.rejects(verifyExport(inChunks('', 1), { publicKeys: ['nope'] }), TypeError);
  });
});

describe('verifyEvents (live store path)', () => {
  test('verifies records from the store and catches a changed row', async () => {
    const { records, events } = buildTrail(25, ring, { checkpointEvery: 10 });
    const keys = ring.verificationKeys();
    const ok = await verifyEvents(records, keys, { expectedHead: { seq: 25, hash: events[24]!.hash } });
    assert.equal(ok.ok, true, ok.message);
    assert.equal(ok.checkpoints, 2);

    const plain = await verifyEvents(
      (async function* () {
        for (const event of events) yield event;
      })(),
      keys,
    );
    assert.equal(plain.ok, true, plain.message);

    const tampered: ChainedEvent[] = structuredClone(events);
    tampered[6]!.outcome = 'denied';
    expectBad(await verifyEvents(tampered, keys), 'changed', 7);
  });

  test('stored texts with their columns: an edited column anywhere, and a self-hashing non-event no checkpoint covers', async () => {
    const { records } = buildTrail(25, ring, { checkpointEvery: 10 });
    const keys = ring.verificationKeys();
    const stored = (): AuditRecord[] =>
      records.map((r) =>
        r.kind === 'event'
          ? { kind: 'stored', seq: r.event.seq, text: canonicalJson(r.event), columns: auditColumns(r.event) }
          : r,
      );
    const intact = await verifyEvents(stored(), keys);
    assert.equal(intact.ok, true, intact.message);
    assert.equal(intact.events, 25);

    for (const seq of [4, 10, 23]) {
      const edited = stored();
      const row = edited.find((r) => r.kind === 'stored' && r.seq === seq) as Extract<
        AuditRecord,
        { kind: 'stored' }
      >;
      row.columns = { ...row.columns, actor: 'user:mallory' };
      expectBad(await verifyEvents(edited, keys), 'changed', seq);
    }

    const forged = stored();
    const last = forged.find((r) => r.kind === 'stored' && r.seq === 25) as Extract<
      AuditRecord,
      { kind: 'stored' }
    >;
    const event = JSON.parse(last.text) as Record<string, unknown>;
    event.outcome = 'exploded';
    event.hash = computeEventHash(event);
    last.text = canonicalJson(event);
    last.columns = { ...last.columns, outcome: 'exploded', hash: event.hash as string };
    const report = await verifyEvents(forged, keys);
    expectBad(report, 'malformed', 25);
    assert.equal(report.events, 24);
  });

  test('a trail that stops short of the store head or of its checkpoint is truncated', async () => {
    const { records, events } = buildTrail(20, ring, { checkpointEvery: 10 });
    const keys = ring.verificationKeys();
    expectBad(
      await verifyEvents(events.slice(0, 15), keys, { expectedHead: { seq: 20, hash: events[19]!.hash } }),
      'truncated',
      16,
    );
    const withoutTail = records.filter(
      (r) => r.kind === 'checkpoint' || (r.kind === 'event' && r.event.seq <= 17),
    );
    expectBad(await verifyEvents(withoutTail, keys), 'truncated', 18);
  });

  test('a store that throws while iterating is unreadable, not a crash', async () => {
    const failing = (async function* () {
      yield* buildTrail(3, ring).events;
      throw Object.assign(new Error('connection lost'), { code: 'ECONNRESET' });
    })();
    expectBad(await verifyEvents(failing, ring.verificationKeys()), 'unreadable');
  });
});
