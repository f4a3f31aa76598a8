import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  checkAnnotations,
  DEFAULT_OBLIGATIONS,
  mergeObligations,
  parseAnnotatedDuration,
  type Obligations,
} from './annotations.js';

test('parseAnnotatedDuration accepts 1s..7d and nothing else', () => {
  const cases: [string, number | undefined][] = [
    ['30m', 1800],
    ['900', 900],
    ['90s', 90],
    ['1h', 3600],
    ['7d', 604_800],
    ['8d', undefined],
    ['0', undefined],
    ['0s', undefined],
    ['1.5h', undefined],
    ['-1', undefined],
    ['15 m', undefined],
    ['15M', undefined],
    ['', undefined],
    ['1ms', undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseAnnotatedDuration(text), want, text);
});

test('checkAnnotations type-checks every annotation', () => {
  const cases: { effect: 'permit' | 'forbid'; ann: Record<string, string>; error?: RegExp }[] = [
    { effect: 'permit', ann: { id: 'a', maxDuration: '30m', idleTimeout: '5m', masking: 'strict' } },
    { effect: 'permit', ann: { id: 'a', approvals: '2', approverGroups: 'sre-leads, security' } },
    { effect: 'forbid', ann: { id: 'a', reason: 'no', stepUp: 'mfa' } },
    { effect: 'permit', ann: { id: 'a', maxDurration: '30m' }, error: /unknown annotation @maxDurration/ },
    {
      effect: 'permit',
      ann: { id: 'a', maxDuration: 'forever' },
      error: /@maxDuration\("forever"\) must be a duration/,
    },
    { effect: 'permit', ann: { id: 'a', approvals: 'one' }, error: /@approvals\("one"\)/ },
    { effect: 'permit', ann: { id: 'a', approvals: '11', approverGroups: 'x' }, error: /from 0 to 10/ },
    { effect: 'permit', ann: { id: 'a', approvals: '1' }, error: /needs @approverGroups/ },
    { effect: 'permit', ann: { id: 'a', approverGroups: 'x' }, error: /without @approvals/ },
    { effect: 'permit', ann: { id: 'a', approvals: '1', approverGroups: 'x,,y' }, error: /comma-separated/ },
    { effect: 'permit', ann: { id: 'a', masking: 'none' }, error: /"standard" or "strict"/ },
    { effect: 'permit', ann: { id: 'a', reason: 'x' }, error: /@reason is not allowed on a permit/ },
    {
      effect: 'forbid',
      ann: { id: 'a', maxDuration: '1h' },
      error: /@maxDuration is not allowed on a forbid/,
    },
    { effect: 'forbid', ann: { id: 'a', stepUp: 'webauthn' }, error: /must be "mfa"/ },
    { effect: 'forbid', ann: { id: 'a', reason: ' ' }, error: /non-empty/ },
    { effect: 'forbid', ann: { id: 'bad id' }, error: /@id\("bad id"\)/ },
    { effect: 'forbid', ann: { id: 'a', reason: 'line\nbreak' }, error: /control character/ },
  ];
  for (const c of cases) {
    const { errors } = checkAnnotations(c.effect, c.ann);
    if (c.error === undefined) assert.deepEqual(errors, [], JSON.stringify(c.ann));
    else assert.match(errors.join('\n'), c.error, JSON.stringify(c.ann));
  }
});

test('checkAnnotations keeps the parsed obligations', () => {
  const { info } = checkAnnotations('permit', {
    id: 'a',
    maxDuration: '1h',
    approvals: '2',
    approverGroups: 'b, a, b',
  });
  assert.deepEqual(info.obligations, { maxDurationSec: 3600, approvals: 2, approverGroups: ['a', 'b'] });
});

test('mergeObligations fills defaults and picks the most restrictive', () => {
  assert.deepEqual(mergeObligations([{}]), DEFAULT_OBLIGATIONS);
  assert.deepEqual(
    mergeObligations([
      { maxDurationSec: 1800, masking: 'standard' },
      { maxDurationSec: 7200, idleTimeoutSec: 60, approvals: 1, approverGroups: ['sre-leads'] },
      { approvals: 2, approverGroups: ['security'], masking: 'strict', keepArtifactsSec: 3600 },
    ]),
    {
      maxDurationSec: 1800,
      idleTimeoutSec: 60,
      approvals: 2,
      approverGroups: ['security', 'sre-leads'],
      masking: 'strict',
      keepArtifactsSec: 3600,
      maxInstances: 0,
      outlivesLogin: false,
    },
  );
  assert.throws(() => mergeObligations([]), TypeError);
});

test('@maxInstances limits fan-out; merged, the smallest set limit wins and 0 means none', () => {
  assert.equal(checkAnnotations('permit', { maxInstances: '3' }).info.obligations.maxInstances, 3);
  for (const bad of ['0', '-1', 'all', '1001', '2.5'])
    assert.equal(checkAnnotations('permit', { maxInstances: bad }).errors.length, 1, bad);
  assert.equal(checkAnnotations('forbid', { maxInstances: '2' }).errors.length, 1);
  assert.equal(mergeObligations([{}, {}]).maxInstances, 0);
  assert.equal(mergeObligations([{}, { maxInstances: 5 }, { maxInstances: 2 }]).maxInstances, 2);
});

test('@outlivesLogin("allow") holds only when every determining permit says it', () => {
  assert.equal(checkAnnotations('permit', { outlivesLogin: 'allow' }).info.obligations.outlivesLogin, true);
  for (const bad of ['true', 'yes', ''])
    assert.equal(checkAnnotations('permit', { outlivesLogin: bad }).errors.length, 1, bad);
  assert.equal(checkAnnotations('forbid', { outlivesLogin: 'allow' }).errors.length, 1);
  assert.equal(mergeObligations([{ outlivesLogin: true }, { outlivesLogin: true }]).outlivesLogin, true);
  assert.equal(mergeObligations([{ outlivesLogin: true }, {}]).outlivesLogin, false);
});

test('@keepArtifacts takes 0 or a duration up to 7d', () => {
  const ok = checkAnnotations('permit', { keepArtifacts: '7d' });
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.info.obligations.keepArtifactsSec, 7 * 86_400);
  assert.equal(checkAnnotations('permit', { keepArtifacts: '0' }).info.obligations.keepArtifactsSec, 0);
  for (const bad of ['8d', 'forever', '-1', '']) {
    assert.equal(checkAnnotations('permit', { keepArtifacts: bad }).errors.length, 1, bad);
  }
  assert.equal(checkAnnotations('forbid', { keepArtifacts: '1d' }).errors.length, 1);
});

const partialObligations = fc.record(
  {
    maxDurationSec: fc.integer({ min: 1, max: 604_800 }),
    idleTimeoutSec: fc.integer({ min: 1, max: 604_800 }),
    approvals: fc.integer({ min: 0, max: 10 }),
    approverGroups: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'sre-leads'), { maxLength: 3 }),
    masking: fc.constantFrom<Obligations['masking']>('standard', 'strict'),
  },
  { requiredKeys: [] },
);

test('property: merged obligations are at least as restrictive as what every permit states, in any order', () => {
  fc.assert(
    fc.property(fc.array(partialObligations, { minLength: 1, maxLength: 6 }), (permits) => {
      const merged = mergeObligations(permits);
      for (const p of permits) {
        if (p.maxDurationSec !== undefined) assert.ok(merged.maxDurationSec <= p.maxDurationSec);
        if (p.idleTimeoutSec !== undefined) assert.ok(merged.idleTimeoutSec <= p.idleTimeoutSec);
        if (p.approvals !== undefined) assert.ok(merged.approvals >= p.approvals);
        for (const g of p.approverGroups ?? []) assert.ok(merged.approverGroups.includes(g));
        if (p.masking === 'strict') assert.equal(merged.masking, 'strict');
      }
      // The merge never invents: every merged value is one a permit states, or the default when none does.
      const stated = (k: 'maxDurationSec' | 'approvals') =>
        permits.flatMap((p) => (p[k] === undefined ? [] : [p[k]]));
      for (const k of ['maxDurationSec', 'approvals'] as const) {
        const values = stated(k);
        assert.ok(values.length === 0 ? merged[k] === DEFAULT_OBLIGATIONS[k] : values.includes(merged[k]));
      }
      assert.deepEqual(mergeObligations([...permits].reverse()), merged);
    }),
  );
});
