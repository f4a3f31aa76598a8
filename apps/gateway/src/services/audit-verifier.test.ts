import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { ManualClock } from '@glovebox/core';
import type { VerifyProgress } from '@glovebox/audit';
import { createRedactor } from '@glovebox/redact';
import { TEST_STORES } from '../store/test-stores.js';
import { AuditService } from './audit-service.js';
import { AuditVerifier } from './audit-verifier.js';

/** Verification runs in a worker with its own store connection and reports progress while it reads. */
for (const backend of TEST_STORES) {
  test(`the verifier streams the live trail in a worker and reports progress (${backend.name})`, async (t) => {
    const opened = await backend.open();
    t.after(() => opened.dispose());
    const audit = new AuditService({
      store: opened.store,
      clock: new ManualClock(Date.parse('2026-12-04T10:00:00Z')),
      redactor: createRedactor(),
    });
    audit.anchorAt(null);
    const written = await Promise.all(
      Array.from({ length: 35 }, (_, i) =>
        audit.record({
          type: 'api.request',
          actor: { kind: 'user', id: 'u' },
          outcome: 'success',
          details: { i },
        }),
      ),
    );
    const verifier = new AuditVerifier({
      store: opened.url,
      dataDir: tmpdir(),
      publicKeys: () => [],
      progressEvery: 10,
    });
    const progress: VerifyProgress[] = [];
    const report = await verifier.verify([{ seq: 35, hash: written.at(-1)!.hash }], (p) => progress.push(p));
    assert.equal(report.ok, true, report.message);
    assert.equal(report.events, 35);
    assert.deepEqual(
      progress.map((p) => p.events),
      [10, 20, 30],
    );
    const behind = await verifier.verify([{ seq: 36, hash: written.at(-1)!.hash }]);
    assert.equal(behind.ok, false, 'a trail behind a witnessed head fails');
    assert.equal(behind.problem, 'rolled-back');
  });
}
