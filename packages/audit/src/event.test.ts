import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { isGloveboxError, ManualClock } from '@glovebox/core';
import { canonicalJson } from '@glovebox/protocol';
import { CheckpointPolicy, signCheckpoint, verifyCheckpointSignature } from './checkpoint.js';
import {
  AUDIT_EVENT_TYPES,
  chainEvent,
  computeEventHash,
  GENESIS_HASH,
  linkEvent,
  MAX_DETAILS_BYTES,
  MAX_EVENT_BYTES,
  parseChainedEvent,
  prepareEvent,
  type AuditEventInput,
} from './event.js';
import { generateAuditKey } from './keys.js';
import { sampleInput } from './test-trail.js';

const base: AuditEventInput = {
  type: 'action.intent',
  time: '2026-01-01T00:00:00.000Z',
  actor: { kind: 'user', id: 'alice' },
  sessionId: 'ses_1',
  action: 'snapshot',
  target: 'payments-api',
  decision: { allowed: true, determiningPolicies: ['p1'], policyVersion: 'v1', reasons: [] },
  outcome: 'pending',
  details: { location: 'src/orders.ts:42' },
};

describe('chainEvent', () => {
  test('links events into a gap-free chain from the genesis hash', () => {
    const first = chainEvent(null, base, 'evt_1');
    const second = chainEvent(first, { ...base, type: 'action.result', outcome: 'success' }, 'evt_2');
    assert.equal(first.seq, 1);
    assert.equal(first.prevHash, GENESIS_HASH);
    assert.equal(second.seq, 2);
    assert.equal(second.prevHash, first.hash);
    assert.equal(first.severity, 'I', 'severity defaults to the catalogue');
    assert.equal(computeEventHash(first), first.hash);
    assert.deepEqual(parseChainedEvent(JSON.parse(JSON.stringify(second))), second);
    assert.equal(parseChainedEvent({ ...second, extra: 1 }), null);
  });

  test('the hash covers every field but itself, in canonical form', () => {
    const event = chainEvent(null, base, 'evt_1');
    const { hash, ...rest } = event;
    const reordered = Object.fromEntries(Object.entries(rest).reverse());
    assert.equal(computeEventHash(reordered), hash);
    for (const field of Object.keys(rest)) {
      const changed = {
        ...rest,
        [field]: field === 'seq' ? 2 : field === 'actor' ? { kind: 'user', id: 'bob' } : 'x',
      };
      assert.notEqual(computeEventHash(changed), hash, `changing ${field} must change the hash`);
    }
    assert.ok(canonicalJson(rest).length > 0);
  });

  const invalid: { name: string; input: unknown }[] = [
    { name: 'an unknown type', input: { ...base, type: 'made.up' } },
    { name: 'a bad severity', input: { ...base, severity: 'X' } },
    { name: 'a time that is not ISO', input: { ...base, time: 'yesterday' } },
    { name: 'a time with an offset', input: { ...base, time: '2026-01-01T01:00:00.000+01:00' } },
    { name: 'an unknown actor kind', input: { ...base, actor: { kind: 'root', id: 'x' } } },
    { name: 'an empty actor id', input: { ...base, actor: { kind: 'user', id: '' } } },
    { name: 'an unknown outcome', input: { ...base, outcome: 'maybe' } },
    { name: 'an extra field', input: { ...base, password: 'hunter2' } },
    { name: 'details with a function', input: { ...base, details: { f: () => 1 } } },
    { name: 'details with NaN', input: { ...base, details: { n: Number.NaN } } },
    { name: 'details with a Date', input: { ...base, details: { d: new Date() } } },
    {
      name: 'details nested too deep',
      input: { ...base, details: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } },
    },
    { name: 'details too large', input: { ...base, details: { blob: 'x'.repeat(40_000) } } },
    {
      name: 'too many determining policies',
      input: { ...base, decision: { ...base.decision!, determiningPolicies: Array(65).fill('p') } },
    },
    { name: 'a lone surrogate in the actor id', input: { ...base, actor: { kind: 'user', id: 'a\ud800b' } } },
    { name: 'a lone surrogate in details', input: { ...base, details: { note: '\udc00' } } },
    { name: 'a target too long', input: { ...base, target: 't'.repeat(300) } },
  ];
  for (const { name, input } of invalid) {
    test(`refuses ${name} with GBX_AUDIT_EVENT_INVALID`, () => {
      assert.throws(
        () => chainEvent(null, input as AuditEventInput, 'evt_1'),
        (error: unknown) =>
          isGloveboxError(error, 'GBX_AUDIT_EVENT_INVALID') && !error.message.includes('hunter2'),
      );
    });
  }

  test('API misuse (bad id or head) is a TypeError', () => {
    assert.throws(() => chainEvent(null, base, ''), TypeError);
    assert.throws(() => chainEvent({ seq: 0, hash: GENESIS_HASH }, base, 'evt_1'), TypeError);
    assert.throws(() => chainEvent({ seq: 1, hash: 'nothex' }, base, 'evt_1'), TypeError);
  });

  test('sample inputs of the test trail are valid', () => {
    for (let i = 1; i < 20; i++) chainEvent(null, sampleInput(i), `evt_${i}`);
  });
});

describe('prepareEvent + linkEvent (fields canonicalized once)', () => {
  test('give the same event, hash and stored JSON as chainEvent and canonicalJson', () => {
    const inputs: AuditEventInput[] = [
      base,
      { ...base, decision: { ...base.decision!, errors: ['e'] }, severity: 'W' },
      {
        type: 'system.started',
        time: base.time,
        actor: { kind: 'system', id: 's' },
        outcome: 'success',
        details: {},
      },
      // keys whose order differs between code units and code points, nested, non-ASCII, numbers
      {
        ...base,
        details: { '\u{1F600}': 1, '\uFFFF': 2, é: [1.5, 1e21, -0, 'x\u2028'], a: { z: null, b: true } },
      },
    ];
    let head: { seq: number; hash: string } | null = null;
    for (const [i, input] of inputs.entries()) {
      const expected = chainEvent(head, input, `evt_${i}`);
      const { event, json } = linkEvent(head, prepareEvent(input), `evt_${i}`);
      assert.deepEqual(event, expected);
      assert.deepEqual(Object.keys(event), Object.keys(expected));
      assert.equal(json, canonicalJson(expected));
      assert.equal(computeEventHash(event), event.hash);
      head = event;
    }
  });

  test('prepareEvent rejects what chainEvent rejects', () => {
    for (const input of [
      { ...base, outcome: 'maybe' as 'success' },
      { ...base, details: { a: 'x'.repeat(40_000) } },
      { ...base, details: { a: '\uD800' } },
    ]) {
      assert.throws(() => chainEvent(null, input, 'evt_1'), /rejected|canonical/);
      assert.throws(() => prepareEvent(input), /rejected|canonical/);
    }
  });

  // An event refused only when linked would fail the whole group-committed transaction it shares.
  test('prepareEvent refuses an event that could exceed the cap once linked; what it accepts links with any id and seq', () => {
    const decision = {
      allowed: true,
      determiningPolicies: Array.from({ length: 64 }, () => 'p'.repeat(256)),
      policyVersion: 'v'.repeat(128),
      reasons: Array.from({ length: 32 }, () => 'r'.repeat(512)),
      errors: Array.from({ length: 32 }, () => 'e'.repeat(512)),
    };
    const withBlob = (n: number): AuditEventInput => ({
      ...base,
      decision,
      details: { blob: 'x'.repeat(n) },
    });
    let fits = 0;
    let refused = MAX_DETAILS_BYTES;
    while (refused - fits > 1) {
      const mid = Math.floor((fits + refused) / 2);
      try {
        prepareEvent(withBlob(mid));
        fits = mid;
      } catch (error) {
        assert.ok(isGloveboxError(error, 'GBX_AUDIT_EVENT_INVALID'), String(error));
        assert.match(error.message, new RegExp(`exceeds ${MAX_EVENT_BYTES} bytes`));
        refused = mid;
      }
    }
    assert.ok(refused < MAX_DETAILS_BYTES / 2, 'the event cap, not the details cap, refused it');
    const worst = { seq: Number.MAX_SAFE_INTEGER - 1, hash: 'f'.repeat(64) };
    const linked = linkEvent(worst, prepareEvent(withBlob(fits)), 'e'.repeat(64));
    const bytes = Buffer.byteLength(linked.json);
    assert.ok(bytes <= MAX_EVENT_BYTES && bytes > MAX_EVENT_BYTES - 16, `${bytes} bytes: the bound is tight`);
  });
});

describe('event catalogue', () => {
  test('docs/audit.md lists every event type with its severity', async () => {
    const doc = await readFile(new URL('../../../docs/audit.md', import.meta.url), 'utf8');
    for (const [type, { severity }] of Object.entries(AUDIT_EVENT_TYPES)) {
      assert.match(
        doc,
        new RegExp(`\\| \`${type.replace('.', '\\.')}\` +\\| ${severity} +\\|`),
        `${type} missing from docs/audit.md`,
      );
    }
  });
});

describe('checkpoints', () => {
  test('sign and verify; a changed field or another key fails', () => {
    const key = generateAuditKey();
    const other = generateAuditKey();
    const cp = signCheckpoint({ seq: 10, headHash: 'a'.repeat(64), time: '2026-01-01T00:00:00.000Z' }, key);
    const keys = new Map([[key.keyId, key.publicKey]]);
    assert.equal(verifyCheckpointSignature(cp, keys), 'ok');
    assert.equal(verifyCheckpointSignature({ ...cp, seq: 11 }, keys), 'bad-signature');
    assert.equal(verifyCheckpointSignature({ ...cp, headHash: 'b'.repeat(64) }, keys), 'bad-signature');
    assert.equal(verifyCheckpointSignature({ ...cp, signature: 'AAAA' }, keys), 'bad-signature');
    assert.equal(verifyCheckpointSignature(cp, new Map([[other.keyId, other.publicKey]])), 'unknown-key');
    assert.throws(
      () => signCheckpoint({ seq: 0, headHash: 'a'.repeat(64), time: '2026-01-01T00:00:00.000Z' }, key),
      TypeError,
    );
  });

  test('CheckpointPolicy: due every N events or T ms, never for an unchanged head', () => {
    const clock = new ManualClock(0);
    const policy = new CheckpointPolicy({ everyEvents: 5, everyMs: 1000, clock });
    const cases: [advanceMs: number, head: number, due: boolean][] = [
      [0, 0, false],
      [0, 4, false],
      [0, 5, true],
      [999, 3, false],
      [1, 1, true],
    ];
    for (const [advance, head, due] of cases) {
      clock.advance(advance);
      assert.equal(policy.isDue(head), due, `head ${head} at ${clock.now()} ms`);
    }
    policy.recorded(5);
    assert.equal(policy.isDue(5), false);
    clock.advance(5000);
    assert.equal(policy.isDue(5), false, 'no checkpoint for an unchanged head');
    assert.equal(policy.isDue(6), true);
    assert.equal(policy.msUntilTimeDue(), 0);
    assert.throws(() => new CheckpointPolicy({ everyEvents: 0, clock }), TypeError);
  });
});
