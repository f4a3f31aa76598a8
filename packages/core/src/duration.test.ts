import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, formatDuration } from './duration.js';
import { isGloveboxError } from './errors.js';

test('parseDuration accepts numbers with a unit', () => {
  for (const [text, ms] of [
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['250ms', 250],
  ] as const) {
    assert.equal(parseDuration(text), ms, text);
  }
});

test('parseDuration rejects garbage with a coded error', () => {
  for (const bad of ['', '-1s', '1y', '1.5h', 'abc', '9999999999s', '5s5']) {
    assert.throws(
      () => parseDuration(bad),
      (e) => isGloveboxError(e, 'GBX_REQUEST_INVALID'),
      bad,
    );
  }
});

test('parseDuration refuses a zero duration, which would end before it starts', () => {
  for (const zero of ['0s', '0ms', '00m', '0d']) {
    assert.throws(
      () => parseDuration(zero),
      (e) => isGloveboxError(e, 'GBX_REQUEST_INVALID') && /is zero: give a positive one/.test(e.message),
      zero,
    );
  }
});

test('formatDuration is short and readable', () => {
  assert.equal(formatDuration(5400_000), '1h30m');
  assert.equal(formatDuration(45_000), '45s');
  assert.equal(formatDuration(0), '0ms');
});

test('parseDuration refuses a number without a unit and says which units to write', () => {
  assert.throws(
    () => parseDuration('5'),
    (e) => isGloveboxError(e, 'GBX_REQUEST_INVALID') && /no unit: write 5s, 5m or 5h/.test(e.message),
  );
});
