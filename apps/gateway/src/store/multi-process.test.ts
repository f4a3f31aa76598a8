import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { verifyEvents, type ChainedEvent } from '@glovebox/audit';
import { ManualClock } from '@glovebox/core';
import { createRedactor } from '@glovebox/redact';
import { AuditService } from '../services/audit-service.js';
import { PostgresStore } from './postgres-store.js';
import { TEST_PG_URL } from './test-stores.js';

/**
 * Several gateway processes on one PostgreSQL: each has its own connection pool and its own
 * AuditService; their concurrent appends still form one gap-free, correctly linked chain.
 */
test('audit appends from several gateways on one PostgreSQL keep one gap-free chain', async (t) => {
  const schema = `gbx_multi_${randomBytes(4).toString('hex')}`;
  const gateways = [0, 1, 2].map(() => new PostgresStore({ connectionString: TEST_PG_URL, schema, max: 4 }));
  await gateways[0]!.migrate();
  t.after(async () => {
    await gateways[0]!.dropSchema();
    for (const g of gateways) await g.close();
  });
  const clock = new ManualClock(Date.parse('2026-11-29T10:00:00Z'));
  const services = gateways.map((store) => new AuditService({ store, clock, redactor: createRedactor() }));
  await Promise.all(
    services.flatMap((audit, g) =>
      Array.from({ length: 40 }, (_, i) =>
        audit.record({
          type: 'api.request',
          actor: { kind: 'user', id: `gw${g}` },
          outcome: 'success',
          details: { i },
        }),
      ),
    ),
  );
  const rows = await gateways[1]!.readAuditAfter(0, 1000);
  assert.deepEqual(
    rows.map((r) => r.seq),
    Array.from({ length: 120 }, (_, i) => i + 1),
  );
  const report = await verifyEvents(
    rows.map((r) => JSON.parse(r.event) as ChainedEvent),
    new Map(),
  );
  assert.equal(report.ok, true, report.message);
});
