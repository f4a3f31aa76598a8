import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from '@glovebox/protocol';
import { auditColumns, columnMismatch } from './columns.js';
import { chainedEventSchema, chainEvent } from './event.js';
import { inspectEvent, isChainedEvent } from './event-check.js';
import { sampleInput } from './test-trail.js';

const RUNS = { numRuns: Number(process.env.GBX_FC_RUNS ?? 300) };

const event = chainEvent(null, sampleInput(3), 'evt_1');
const text = canonicalJson(event);

// Values an attacker (or a corrupted store) can put where an event belongs: the real event with
// one field replaced, removed or added, and arbitrary JSON.
const fieldValue = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue(),
  fc.string({ maxLength: 300 }),
  fc.integer(),
  fc.constantFrom('a'.repeat(64), '0'.repeat(63), 'Z'.repeat(64), 'x.y', 'X.y', 'user', 'pending', 'W'),
  fc.constantFrom('2026-02-29T00:00:00.000Z', '2028-02-29T00:00:00.000Z', '2026-01-01T00:00:00Z'),
  fc.record({ kind: fc.constantFrom('user', 'robot'), id: fc.string({ maxLength: 300 }) }),
  fc.record({
    allowed: fc.boolean(),
    determiningPolicies: fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }),
    policyVersion: fc.string({ maxLength: 3 }),
    reasons: fc.array(fc.string(), { maxLength: 2 }),
  }),
  fc.dictionary(fc.string({ maxLength: 130 }), fc.jsonValue({ maxDepth: 10 }), { maxKeys: 3 }),
);
const fieldName = fc.constantFrom(
  ...Object.keys(event),
  'sessionId',
  'action',
  'target',
  'decision',
  'extra',
  '__proto__',
);

describe('isChainedEvent', () => {
  test('agrees with chainedEventSchema on every mutation of a real event', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 3 }), (edits) => {
        const value: Record<string, unknown> = JSON.parse(text) as Record<string, unknown>;
        for (const [name, replacement] of edits) {
          if (replacement === undefined) delete value[name];
          else value[name] = replacement;
        }
        const parsed = JSON.parse(JSON.stringify(value)) as unknown;
        assert.equal(
          isChainedEvent(parsed),
          chainedEventSchema.safeParse(parsed).success,
          JSON.stringify(parsed),
        );
      }),
      RUNS,
    );
  });

  test('agrees with chainedEventSchema on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.equal(isChainedEvent(value), chainedEventSchema.safeParse(value).success);
      }),
      RUNS,
    );
  });

  test('details deeper than 8 levels or over 32 KiB are refused, as the schema does', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 9; i++) deep = { d: deep };
    const tooDeep = { ...JSON.parse(text), details: deep } as unknown;
    assert.equal(isChainedEvent(tooDeep), false);
    assert.equal(chainedEventSchema.safeParse(tooDeep).success, false);
    const big = { ...JSON.parse(text), details: { blob: 'x'.repeat(33 * 1024) } } as unknown;
    assert.equal(isChainedEvent(big, JSON.stringify(big)), false);
  });
});

describe('inspectEvent', () => {
  test('an intact canonical event matches its hash on the fast path and the slow path alike', () => {
    assert.deepEqual(inspectEvent(JSON.parse(text), text), { event: JSON.parse(text), selfOk: true });
    assert.equal(inspectEvent(JSON.parse(text))?.selfOk, true);
    const reordered = JSON.stringify(event);
    assert.equal(
      inspectEvent(JSON.parse(reordered), reordered)?.selfOk,
      true,
      'non-canonical order re-serializes',
    );
  });

  test('any change to any field is caught, on the fast path and the slow path', () => {
    fc.assert(
      fc.property(fieldName, fc.jsonValue(), fc.boolean(), (name, replacement, passText) => {
        const value = JSON.parse(text) as Record<string, unknown>;
        if (
          name === 'hash' ||
          name === '__proto__' ||
          JSON.stringify(value[name]) === JSON.stringify(replacement)
        )
          return;
        value[name] = replacement;
        const changed = canonicalJson(value);
        const inspected = inspectEvent(JSON.parse(changed), passText ? changed : undefined);
        assert.ok(inspected === null || !inspected.selfOk, `${name} changed but the event still verifies`);
      }),
      RUNS,
    );
  });

  test('a lone surrogate (no canonical form) never verifies, even with a hash over its raw text', () => {
    const at = text.lastIndexOf(',"hash":"');
    const body = (text.slice(0, at) + text.slice(at + 74)).replace('"payments-api"', '"a\\ud800b"');
    const hash = createHash('sha256').update(body).digest('hex');
    const forged = `${body.slice(0, at)},"hash":"${hash}"${body.slice(at)}`;
    assert.equal((JSON.parse(forged) as { hash: string }).hash, hash);
    assert.equal(inspectEvent(JSON.parse(forged), forged)?.selfOk, false);
  });
});

describe('auditColumns', () => {
  test('derives every search column from the event, and columnMismatch names the edited one', () => {
    const columns = auditColumns(event);
    assert.equal(columns.actor, `${event.actor.kind}:${event.actor.id}`);
    assert.equal(columns.decision, 'allow');
    assert.equal(columnMismatch(columns, event), null);
    assert.deepEqual(columnMismatch({ ...columns, outcome: 'denied' }, event), {
      column: 'outcome',
      stored: 'denied',
      hashed: event.outcome,
    });
    assert.equal(columnMismatch({ actor: columns.actor }, event), null, 'absent columns are not compared');
  });
});
