// `localHour` and `weekday` feed policies such as "no debugging outside business hours": the
// answer kept for a minute must equal a fresh one at every instant, in zones whose offsets are
// not whole hours and across daylight-saving changes (Lord Howe moves by 30 minutes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '@glovebox/core';
import type { PolicyEngine } from '@glovebox/policy';
import { Authorizer } from './authorizer.js';

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'America/St_Johns',
  'Australia/Lord_Howe',
];

const authorizer = (timeZone: string) =>
  new Authorizer({ engine: {} as PolicyEngine, clock: systemClock, timeZone });

test('the local hour and weekday kept for a minute equal a fresh answer at every instant', () => {
  // around the 2026 changes: Europe 29 March, St. John's 8 March, Lord Howe 5 April and 4 October
  const spans = [
    '2026-03-07T18:00:00Z',
    '2026-03-28T18:00:00Z',
    '2026-04-04T10:00:00Z',
    '2026-10-03T10:00:00Z',
  ];
  for (const zone of ZONES) {
    const kept = authorizer(zone);
    const fresh = authorizer(zone);
    const freshAnswer = (at: number) => {
      fresh.localTime(at - 3600_000); // another minute: the next answer is computed, not kept
      return fresh.localTime(at);
    };
    for (const start of spans) {
      const t0 = Date.parse(start);
      // every 37 seconds for 30 hours, so minutes are entered at different seconds
      for (let at = t0; at < t0 + 30 * 3600_000; at += 37_000)
        assert.deepEqual(kept.localTime(at), freshAnswer(at), `${zone} at ${new Date(at).toISOString()}`);
    }
  }
});
