import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { ManualClock } from '@glovebox/core';
import { buildServer } from './server.js';
import { TEST_STORES } from './store/test-stores.js';

/**
 * `GET /audit` as the CLI and the console call it, on both stores: times as people write them
 * (`1h`, `yesterday` in the reader's zone, RFC 3339 with an offset), refusals by outcome, the
 * window as searched echoed back, cursor paging, and a malformed time refused instead of being
 * read as "everything" or "nothing".
 */

const POLICIES = fileURLToPath(new URL('../../../examples/policies', import.meta.url));
const ADMIN = 'gbx_t_admin-bootstrap-token-audit-search-0';
const NOW = Date.parse('2026-12-04T10:30:00.000Z');

interface Page {
  events: { seq: number; time: string; outcome: string; intact: boolean; decision: string | null }[];
  older: number | null;
  newer: number | null;
  since: string | null;
  until: string | null;
}

/** carol's events, by when they happened: the times each search must pick from. */
const CAROL: [string, 'success' | 'denied'][] = [
  ['2026-12-01T10:00:00.000Z', 'success'],
  ['2026-12-03T12:00:00.000Z', 'denied'],
  ['2026-12-03T23:30:00.000Z', 'success'],
  ['2026-12-04T09:00:00.000Z', 'denied'],
  ['2026-12-04T10:00:00.000Z', 'success'],
];

for (const backend of TEST_STORES) {
  test(`the audit API reads times as people write them and pages by cursor (${backend.name})`, async (t) => {
    const opened = await backend.open();
    const dir = mkdtempSync(join(tmpdir(), 'gbx-audit-search-'));
    const clock = new ManualClock(NOW);
    const gw = buildServer({
      dataDir: dir,
      store: opened.url,
      policiesDir: POLICIES,
      bootstrapToken: ADMIN,
      watchPolicies: false,
      clock,
      logDestination: new Writable({ write: (_c, _e, done) => done() }),
    });
    await gw.ready();
    t.after(async () => {
      await gw.close();
      await opened.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    for (const [time, outcome] of CAROL) {
      clock.set(Date.parse(time));
      await gw.services.audit.record({
        type: 'action.result',
        actor: { kind: 'user', id: 'carol' },
        outcome,
        details: {},
      });
    }
    clock.set(NOW);
    const search = async (query: string) => {
      const res = await gw.app.inject({
        method: 'GET',
        url: `/api/v1/audit?actor=carol&${query}`,
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<Page>();
    };
    const times = async (query: string) => (await search(query)).events.map((e) => e.time);
    const at = (...i: number[]) => i.map((k) => CAROL[k]![0]);

    assert.deepEqual(await times(''), at(4, 3, 2, 1, 0), 'newest first');
    assert.deepEqual(await times('since=1h'), at(4));
    assert.deepEqual(await times('since=2h'), at(4, 3));
    assert.deepEqual(await times('since=2d'), at(4, 3, 2, 1));
    assert.deepEqual(await times('since=yesterday&until=today'), at(2, 1), 'yesterday in UTC');
    // In +01:00 yesterday ran from 2026-12-02T23:00Z to 2026-12-03T23:00Z.
    assert.deepEqual(await times('since=yesterday&until=today&tz=60'), at(1), 'yesterday in +01:00');
    assert.deepEqual(await times('since=2026-12-03T13:00:00%2B01:00'), at(4, 3, 2, 1), 'an offset');
    assert.deepEqual(await times('until=2026-12-03'), at(0), 'a date is its start');
    assert.deepEqual(await times('outcome=denied'), at(3, 1), 'refusals');
    const window = await search('since=yesterday&until=1h');
    assert.equal(window.since, '2026-12-03T00:00:00.000Z', 'the window as searched');
    assert.equal(window.until, '2026-12-04T09:30:00.000Z');
    assert.ok(window.events.every((e) => e.intact && e.decision === null));

    const first = await search('limit=2');
    assert.deepEqual(
      first.events.map((e) => e.time),
      at(4, 3),
    );
    assert.equal(first.newer, null);
    const second = await search(`limit=2&before=${first.older}`);
    assert.deepEqual(
      second.events.map((e) => e.time),
      at(2, 1),
    );
    const third = await search(`limit=2&before=${second.older}`);
    assert.deepEqual(
      third.events.map((e) => e.time),
      at(0),
    );
    assert.equal(third.older, null, 'the oldest page says so');
    const back = await search(`limit=2&after=${third.newer}`);
    assert.deepEqual(back.events, second.events, 'the newer cursor leads back');

    for (const bad of ['soon', '2026-12-03T12:00:00', '2026-02-30', '1.5h']) {
      const res = await gw.app.inject({
        method: 'GET',
        url: `/api/v1/audit?since=${encodeURIComponent(bad)}`,
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'GBX_REQUEST_INVALID');
    }
  });
}
