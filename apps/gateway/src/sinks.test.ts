import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { buildServer } from './server.js';
import { TEST_STORES } from './store/test-stores.js';

const POLICIES = fileURLToPath(new URL('../../../examples/policies', import.meta.url));
const ADMIN = 'gbx_t_admin-bootstrap-token-for-sinks-0000';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

process.env.GBX_TEST_HOOK_SECRET = 'test-hook-secret-0123456789abcdef';

for (const backend of TEST_STORES) {
  test(`audit events reach a file sink; a dead sink lags visibly and never blocks requests (${backend.name})`, async (t) => {
    const opened = await backend.open();
    const dir = mkdtempSync(join(tmpdir(), 'gbx-sinks-'));
    const file = join(dir, 'audit.jsonl');
    const gw = buildServer({
      dataDir: dir,
      store: opened.url,
      policiesDir: POLICIES,
      bootstrapToken: ADMIN,
      watchPolicies: false,
      logDestination: new Writable({ write: (_c, _e, done) => done() }),
      audit: {
        sinks: [
          { type: 'file', name: 'local', path: file, format: 'native' },
          {
            type: 'webhook',
            name: 'dead',
            url: `http://127.0.0.1:${await closedPort()}/hook`,
            secret: { env: 'GBX_TEST_HOOK_SECRET' },
          },
        ],
      },
    });
    await gw.ready();
    t.after(async () => {
      await gw.close();
      await opened.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    const headers = { authorization: `Bearer ${ADMIN}` };
    for (let i = 0; i < 5; i++) {
      const res = await gw.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers,
        payload: { name: `user${i}`, groups: ['engineers'] },
      });
      assert.equal(res.statusCode, 201, 'requests go on while a sink is down');
    }
    const deadline = Date.now() + 10_000;
    let lines: { id?: string; kind?: string; checkpoint?: { seq: number } }[] = [];
    const ids = () => lines.flatMap((l) => (l.id === undefined ? [] : [l.id]));
    while (Date.now() < deadline) {
      lines = existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as (typeof lines)[number])
        : [];
      if (ids().length >= 6 && lines.some((l) => l.kind === 'checkpoint')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ids().length >= 6, `file sink received ${ids().length} events`);
    assert.equal(new Set(ids()).size, ids().length, 'no duplicates without a failure');
    assert.ok(
      lines.some((l) => l.kind === 'checkpoint' && (l.checkpoint?.seq ?? 0) >= 1),
      'the sink also holds a signed head of the trail (it witnesses the head)',
    );
    const sinks = await gw.app.inject({ method: 'GET', url: '/api/v1/audit/sinks', headers });
    const dead = sinks
      .json<{ sinks: { name: string; lag: number; failures: number }[] }>()
      .sinks.find((s) => s.name === 'dead');
    assert.ok(dead && dead.failures > 0 && dead.lag > 0, JSON.stringify(dead));
    const metrics = await gw.app.inject({ method: 'GET', url: '/metrics', headers });
    assert.match(metrics.body, /glovebox_audit_sink_lag\{sink="dead"\} [1-9]/);
  });
}
