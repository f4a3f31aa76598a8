import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@glovebox/core';
import type { ChainedEvent } from '@glovebox/audit';
import type { Decision } from '@glovebox/policy';
import { createRedactor } from '@glovebox/redact';
import { TEST_STORES } from '../store/test-stores.js';
import type { AuditFilter, Store } from '../store/index.js';
import { searchAudit, type AuditEventView } from './audit-search.js';
import { AuditService, type AuditRecord } from './audit-service.js';

/**
 * Search as auditors rely on it, on both stores: newest first, every filter applied in the query
 * (never after the row limit), and cursor paging that visits every match exactly once in both
 * directions, over a trail many pages long.
 */

const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const N = 260;
const PAGE = 25;
const TYPES = ['action.result', 'request.approved', 'request.created'] as const;
const OUTCOMES = ['success', 'denied', 'failure'] as const;

function decision(allowed: boolean): Decision {
  return { allowed, determiningPolicies: ['p'], policyVersion: 'v1', reasons: [], errors: [] };
}

/** The i-th event: its fields cycle with different periods so every filter picks a mixed subset. */
function spec(i: number): AuditRecord {
  return {
    type: TYPES[i % 3]!,
    actor: { kind: 'user', id: `u${i % 4}` },
    sessionId: `ses_s${i % 5}`,
    target: `t${i % 2}`,
    action: i % 3 === 0 ? 'logs' : undefined,
    outcome: OUTCOMES[(i % 7) % 3]!,
    decision: i % 4 === 1 ? decision(false) : i % 4 === 2 ? decision(true) : undefined,
    details: { i },
  };
}

const minute = (i: number) => new Date(T0 + i * 60_000).toISOString();

/** What a filter must find, by reading each hashed event: the reference the store's query is held to. */
function expected(all: ChainedEvent[], f: AuditFilter): number[] {
  return all
    .filter(
      (e) =>
        (f.actor === undefined || `${e.actor.kind}:${e.actor.id}` === f.actor) &&
        (f.sessionId === undefined || e.sessionId === f.sessionId) &&
        (f.target === undefined || e.target === f.target) &&
        (f.action === undefined || e.action === f.action) &&
        (f.type === undefined || e.type === f.type) &&
        (f.outcome === undefined || e.outcome === f.outcome) &&
        (f.decision === undefined ||
          (e.decision !== undefined && (e.decision.allowed ? 'allow' : 'deny') === f.decision)) &&
        (f.since === undefined || e.time >= f.since) &&
        (f.until === undefined || e.time < f.until) &&
        (f.after === undefined || e.seq > f.after) &&
        (f.before === undefined || e.seq < f.before),
    )
    .map((e) => e.seq)
    .reverse();
}

/** Walks every page down the `older` cursors, then back up the `newer` ones; both walks must agree. */
async function walk(store: Store, filter: AuditFilter, want: number[], label: string): Promise<void> {
  const down: number[] = [];
  const pages: AuditEventView[][] = [];
  let page = await searchAudit(store, { ...filter, limit: PAGE });
  assert.equal(page.newer, null, `${label}: the first page is the newest`);
  assert.equal(page.older === null, want.length <= PAGE, `${label}: an older page exactly when there is one`);
  for (;;) {
    assert.equal(page.events.length, Math.min(PAGE, want.length - down.length), `${label}: pages are full`);
    assert.deepEqual(page.inconsistent, []);
    pages.push(page.events);
    down.push(...page.events.map((e) => e.seq));
    if (page.older === null) break;
    page = await searchAudit(store, { ...filter, before: page.older, limit: PAGE });
    assert.notEqual(page.newer, null, `${label}: an older page links back`);
  }
  assert.deepEqual(down, want, `${label}: every match once, newest first`);
  // Each older page's `newer` cursor leads back to exactly the page before it.
  for (let k = 1; k < pages.length; k++) {
    const back = await searchAudit(store, { ...filter, after: pages[k]![0]!.seq, limit: PAGE });
    assert.deepEqual(
      back.events.map((e) => e.seq),
      pages[k - 1]!.map((e) => e.seq),
      `${label}: page ${k} links back to page ${k - 1}`,
    );
  }
  // Up from the oldest match along the `newer` cursors: every match once again.
  const up: number[][] = [];
  let cursor = want.length ? want.at(-1)! - 1 : undefined;
  while (cursor !== undefined) {
    const next = await searchAudit(store, { ...filter, after: cursor, limit: PAGE });
    up.push(next.events.map((e) => e.seq));
    cursor = next.newer ?? undefined;
  }
  assert.deepEqual(up.reverse().flat(), want, `${label}: the newer cursors reach every match`);
}

for (const backend of TEST_STORES) {
  test(`search is newest first, every filter in the query, paged both ways (${backend.name})`, async (t) => {
    const opened = await backend.open();
    t.after(() => opened.dispose());
    const clock = new ManualClock(T0);
    const audit = new AuditService({ store: opened.store, clock, redactor: createRedactor() });
    audit.anchorAt(null);
    const pending: Promise<ChainedEvent>[] = [];
    for (let i = 0; i < N; i++) {
      clock.set(T0 + i * 60_000);
      pending.push(audit.record(spec(i)));
    }
    const all = await Promise.all(pending);
    assert.deepEqual(
      all.map((e) => e.seq),
      all.map((_, i) => i + 1),
    );

    const filters: [string, AuditFilter][] = [
      ['no filter', {}],
      ['actor', { actor: 'user:u1' }],
      ['session', { sessionId: 'ses_s2' }],
      ['target', { target: 't1' }],
      ['action', { action: 'logs' }],
      ['type', { type: 'request.approved' }],
      ['outcome denied', { outcome: 'denied' }],
      ['decision deny', { decision: 'deny' }],
      ['decision allow', { decision: 'allow' }],
      ['since', { since: minute(100) }],
      ['until', { until: minute(200) }],
      ['window', { since: minute(30), until: minute(230) }],
      ['combined', { actor: 'user:u1', decision: 'deny', since: minute(40), target: 't1' }],
      ['nothing matches', { actor: 'user:nobody' }],
    ];
    for (const [label, filter] of filters) {
      const want = expected(all, filter);
      if (label !== 'nothing matches' && label !== 'combined')
        assert.ok(want.length > PAGE, `${label}: the test needs more matches than a page (${want.length})`);
      await walk(opened.store, filter, want, label);
    }
  });
}
