import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGloveboxError } from './errors.js';
import { parseTimeSpec, type UtcOffsetAt } from './time-spec.js';

const NOW = Date.parse('2026-12-04T10:30:00.000Z');
const iso = (text: string, offsetAt?: UtcOffsetAt, now = NOW) =>
  new Date(parseTimeSpec(text, now, offsetAt)).toISOString();

/** Europe/Berlin: +01:00, +02:00 from 2026-03-29T01:00Z to 2026-10-25T01:00Z. */
const berlin: UtcOffsetAt = (ms) =>
  ms >= Date.parse('2026-03-29T01:00:00Z') && ms < Date.parse('2026-10-25T01:00:00Z') ? 120 : 60;
/** America/Los_Angeles in December: -08:00. */
const losAngeles: UtcOffsetAt = () => -480;

test('spans count back from now', () => {
  assert.equal(iso('now'), '2026-12-04T10:30:00.000Z');
  assert.equal(iso('90s'), '2026-12-04T10:28:30.000Z');
  assert.equal(iso('15m'), '2026-12-04T10:15:00.000Z');
  assert.equal(iso('1h'), '2026-12-04T09:30:00.000Z');
  assert.equal(iso('2d'), '2026-12-02T10:30:00.000Z');
  assert.equal(iso('1w'), '2026-11-27T10:30:00.000Z');
  assert.equal(iso('3h ago'), '2026-12-04T07:30:00.000Z');
  assert.equal(iso(' 1H '), '2026-12-04T09:30:00.000Z');
});

test('today and yesterday start at the local midnight of the reader', () => {
  assert.equal(iso('today'), '2026-12-04T00:00:00.000Z');
  assert.equal(iso('yesterday'), '2026-12-03T00:00:00.000Z');
  assert.equal(iso('yesterday', berlin), '2026-12-02T23:00:00.000Z');
  // 10:30Z is 02:30 in Los Angeles: its today began at 08:00Z.
  assert.equal(iso('today', losAngeles), '2026-12-04T08:00:00.000Z');
  assert.equal(iso('yesterday', losAngeles), '2026-12-03T08:00:00.000Z');
  // The day after the switch to summer time: yesterday began with the winter offset.
  const after = Date.parse('2026-03-30T12:00:00Z');
  assert.equal(iso('yesterday', berlin, after), '2026-03-28T23:00:00.000Z');
  assert.equal(iso('today', berlin, after), '2026-03-29T22:00:00.000Z');
});

test('dates are local days; RFC 3339 times carry their own offset', () => {
  assert.equal(iso('2026-12-01'), '2026-12-01T00:00:00.000Z');
  assert.equal(iso('2026-12-01', berlin), '2026-11-30T23:00:00.000Z');
  assert.equal(iso('2026-07-01', berlin), '2026-06-30T22:00:00.000Z');
  assert.equal(iso('2026-12-01T09:00:00Z', berlin), '2026-12-01T09:00:00.000Z');
  assert.equal(iso('2026-12-01T09:00:00+01:00'), '2026-12-01T08:00:00.000Z');
  assert.equal(iso('2026-12-01T09:00:00-05:30'), '2026-12-01T14:30:00.000Z');
  assert.equal(iso('2026-12-01t09:00:00.123456z'), '2026-12-01T09:00:00.123Z');
  assert.equal(iso('2026-12-01 09:00+00:00'), '2026-12-01T09:00:00.000Z');
  assert.equal(iso('2024-02-29T23:59:59Z'), '2024-02-29T23:59:59.000Z');
});

test('anything else is refused with a coded error, never read as "everything" or "nothing"', () => {
  for (const bad of [
    '',
    'soon',
    '1y',
    '1.5h',
    '-1h',
    '1',
    '2026-12-01T09:00:00',
    '2026-02-30',
    '2026-13-01T00:00:00Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T09:60:00Z',
    '2026-12-01T09:00:00+24:00',
    '2026-12-01T09:00:00+01:60',
    '9999999h',
    '12/01/2026',
  ]) {
    assert.throws(
      () => parseTimeSpec(bad, NOW),
      (e) => isGloveboxError(e, 'GBX_REQUEST_INVALID'),
      bad,
    );
  }
});
