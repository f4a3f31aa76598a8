import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGloveboxError } from '@glovebox/core';
import { auditSearchQuery, nextPage } from './audit-search.js';

const NOW = Date.parse('2026-12-04T10:30:00.000Z');
const berlin = () => 60;

test("times are read in the reader's zone and sent as UTC instants", () => {
  const q = auditSearchQuery({ since: 'yesterday', until: '1h' }, NOW, berlin);
  assert.equal(q.get('since'), '2026-12-02T23:00:00.000Z');
  assert.equal(q.get('until'), '2026-12-04T09:30:00.000Z');
  const exact = auditSearchQuery({ since: '2026-12-03T09:00:00-05:00' }, NOW, berlin);
  assert.equal(exact.get('since'), '2026-12-03T14:00:00.000Z');
});

test('every filter, the page size and the cursors go into the query', () => {
  const q = auditSearchQuery(
    {
      actor: 'bob',
      session: 'ses_1',
      target: 'shop',
      action: 'logs',
      type: 'request.approved',
      outcome: 'denied',
      decision: 'deny',
      limit: '20',
      before: '900',
      after: '100',
    },
    NOW,
  );
  assert.equal(
    q.toString(),
    'actor=bob&session=ses_1&target=shop&action=logs&type=request.approved&outcome=denied&decision=deny&limit=20&before=900&after=100',
  );
  assert.equal(auditSearchQuery({}, NOW).toString(), 'limit=100', 'a page of 100 by default');
});

test('what the gateway would misread is refused before asking it', () => {
  for (const bad of [
    { since: 'soon' },
    { since: '2026-12-03T09:00:00' },
    { outcome: 'deny' },
    { decision: 'denied' },
    { limit: '0' },
    { limit: 'all' },
    { before: '-1' },
    { after: 'abc' },
  ]) {
    assert.throws(
      () => auditSearchQuery(bad, NOW),
      (e) => isGloveboxError(e, 'GBX_USAGE'),
      JSON.stringify(bad),
    );
  }
});

test('the next page is the same search with its times as resolved and the cursor', () => {
  const q = auditSearchQuery({ since: '1h', actor: 'bob', before: '500' }, NOW);
  assert.equal(
    nextPage(q, 'before', 420),
    'glovebox audit --since 2026-12-04T09:30:00.000Z --actor bob --limit 100 --before 420',
  );
  assert.equal(
    nextPage(q, 'after', 480),
    'glovebox audit --since 2026-12-04T09:30:00.000Z --actor bob --limit 100 --after 480',
  );
});
