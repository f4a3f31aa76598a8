// `api.request` events gate nothing, so they join the next audit transaction instead of paying
// for a commit of their own. What must still hold: they are written (alone within
// TRAILING_MAX_MS when nothing else comes), in order, and a flush waits for them.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '@glovebox/core';
import { createRedactor } from '@glovebox/redact';
import { TEST_STORES } from '../store/test-stores.js';
import type { Store } from '../store/index.js';
import { AuditService, TRAILING_MAX_MS, type AuditRecord } from './audit-service.js';

const call = (n: number): AuditRecord => ({
  type: 'api.request',
  actor: { kind: 'user', id: 'alice' },
  outcome: 'success',
  details: { method: 'GET', route: `/api/v1/r${n}`, status: 200 },
});

async function service(t: TestContext) {
  const opened = await TEST_STORES.find((s) => s.name === 'sqlite')!.open();
  t.after(() => opened.dispose());
  const commits: number[] = [];
  const store: Store = Object.create(opened.store) as Store;
  store.appendAudit = async (build, anchor) => {
    const rows = await opened.store.appendAudit(build, anchor);
    commits.push(rows.length);
    return rows;
  };
  const audit = new AuditService({ store, clock: systemClock, redactor: createRedactor() });
  audit.anchorAt(null);
  return { audit, store: opened.store, commits };
}

test('trailing events ride with the next commit, in the order recorded', async (t) => {
  const { audit, store, commits } = await service(t);
  audit.recordTrailing(call(1));
  audit.recordTrailing(call(2));
  await audit.record({
    type: 'system.started',
    actor: { kind: 'system', id: 'gateway' },
    outcome: 'success',
  });
  assert.deepEqual(commits, [3], 'one commit for the three');
  const routes = (await store.readAuditAfter(0, 10)).map(
    (r) => (JSON.parse(r.event) as { type: string }).type,
  );
  assert.deepEqual(routes, ['api.request', 'api.request', 'system.started']);
});

test('alone, a trailing event is written within its bound; a flush does not wait for the bound', async (t) => {
  const { audit, store, commits } = await service(t);
  audit.recordTrailing(call(1));
  await new Promise((r) => setTimeout(r, TRAILING_MAX_MS * 5));
  assert.deepEqual(commits, [1], 'written on its own');
  audit.recordTrailing(call(2));
  await audit.flush();
  assert.deepEqual(commits, [1, 1], 'flushed at once');
  assert.equal((await store.readAuditAfter(0, 10)).length, 2);
  await audit.flush(); // nothing waiting: resolves
});
