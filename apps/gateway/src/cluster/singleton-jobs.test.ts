import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Gateway } from '../server.js';
import {
  apiClient,
  CLUSTER_ADMIN,
  CLUSTER_MASTER_KEY,
  CLUSTER_POLICIES,
  testCluster,
} from './test-cluster.js';

const GATEWAY = fileURLToPath(new URL('../main.js', import.meta.url));

/** Files `count` one-second sessions of alice on `svc` through the given gateways in turn. */
async function shortSessions(gateways: Gateway[], urls: string[], count: number): Promise<string[]> {
  const first = apiClient(urls[0]!);
  await first('POST', '/users', CLUSTER_ADMIN, {
    name: 'alice',
    groups: ['engineers'],
    password: 'alice-password-123',
  });
  assert.equal((await first('POST', '/agents', CLUSTER_ADMIN, { name: 'svc', env: 'staging' })).status, 201);
  const login = await first('POST', '/auth/login', null, { user: 'alice', password: 'alice-password-123' });
  const token = login.json.token as string;
  const ids = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const api = apiClient(urls[i % urls.length]!);
      const created = await api('POST', '/requests', token, {
        target: 'svc',
        actions: ['facts'],
        reason: `short session ${i}`,
        duration: '1s',
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      assert.equal(created.json.status, 'active');
      return created.json.id as string;
    }),
  );
  assert.equal(gateways.length, urls.length);
  return ids;
}

async function endedEvents(gw: Gateway): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const row of await gw.services.store.readAuditAfter(0, 100_000))
    if (row.type === 'session.ended' && row.sessionId)
      counts.set(row.sessionId, (counts.get(row.sessionId) ?? 0) + 1);
  return counts;
}

async function waitUntilEnded(gw: Gateway, ids: string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const live = await gw.services.store.listLiveRequests();
    if (!live.some((r) => ids.includes(r.id))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const live = await gw.services.store.listLiveRequests();
  throw new Error(
    `sessions did not end: ${live.length} live; ended events ${JSON.stringify([...(await endedEvents(gw)).values()])}`,
  );
}

for (const replicas of [1, 3]) {
  test(`exactly one session.ended per session with ${replicas} gateway(s) on one PostgreSQL, however fast the reaper runs`, async (t) => {
    // A reaper pass that takes longer than its interval overlaps the next one: both saw the session
    // live, both wrote session.ended (37 of 60 doubled on one gateway, 1,188 events for 60 sessions
    // on three).
    const cluster = testCluster(replicas, { reaperIntervalMs: 5 });
    t.after(() => cluster.dispose());
    const urls: string[] = [];
    for (const gw of cluster.gateways) urls.push(await gw.listen());
    const ids = await shortSessions(cluster.gateways, urls, 30);
    await waitUntilEnded(cluster.gateways[0]!, ids);
    // Give every replica's reaper time to (wrongly) run again over the ended sessions.
    await new Promise((r) => setTimeout(r, 500));
    const counts = await endedEvents(cluster.gateways[0]!);
    const doubled = ids.filter((id) => (counts.get(id) ?? 0) !== 1);
    assert.deepEqual(
      doubled.map((id) => `${id}: ${counts.get(id) ?? 0}`),
      [],
      'every session has exactly one session.ended',
    );
  });
}

test('three gateway processes started at once on an empty database all start, with one admin', async (t) => {
  const cluster = testCluster(0);
  t.after(() => cluster.dispose());
  const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'gbx-start-')));
  t.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const children = dirs.map((dir) =>
    spawn(
      process.execPath,
      [
        GATEWAY,
        '--data',
        dir,
        '--policies',
        CLUSTER_POLICIES,
        '--listen',
        '127.0.0.1:0',
        '--store',
        cluster.storeUrl,
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          GLOVEBOX_BOOTSTRAP_TOKEN: CLUSTER_ADMIN,
          GLOVEBOX_MASTER_KEY: CLUSTER_MASTER_KEY,
          GLOVEBOX_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    ),
  );
  t.after(() => children.forEach((c) => c.kill('SIGKILL')));
  const outcomes = await Promise.all(
    children.map(
      (child) =>
        new Promise<string>((resolve) => {
          let err = '';
          child.stderr.on('data', (d: Buffer) => {
            err += d.toString();
            const url = /listening on (http:\/\/\S+)/.exec(err);
            if (url) resolve(url[1]!);
          });
          child.on('exit', (code) => resolve(`exited ${code}: ${err.trim()}`));
        }),
    ),
  );
  assert.ok(
    outcomes.every((o) => o.startsWith('http://')),
    `every replica listens: ${JSON.stringify(outcomes)}`,
  );
  for (const url of outcomes) {
    const whoami = await apiClient(url)('GET', '/whoami', CLUSTER_ADMIN);
    assert.equal(whoami.status, 200, JSON.stringify(whoami.json));
  }
  const check = apiClient(outcomes[0]!);
  const users = await check('GET', '/users', CLUSTER_ADMIN);
  assert.deepEqual(
    (users.json.users as { name: string }[]).map((u) => u.name),
    ['admin'],
  );
});

test('three replicas with the same sink: it receives each event once, from the leader', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-sink-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'central.jsonl');
  const cluster = testCluster(3, {
    audit: { sinks: [{ type: 'file', name: 'central', path, fsync: false }] },
  });
  t.after(() => cluster.dispose());
  const urls: string[] = [];
  for (const gw of cluster.gateways) urls.push(await gw.listen());
  await Promise.all(
    Array.from({ length: 60 }, (_, i) => apiClient(urls[i % 3]!)('GET', '/whoami', CLUSTER_ADMIN)),
  );
  const head = (await cluster.gateways[0]!.services.store.readAuditAfter(0, 100_000)).at(-1)!.seq;
  const seqs = (): number[] => {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { seq?: number; kind?: string })
      .filter((r) => r.kind !== 'checkpoint')
      .map((r) => r.seq!);
  };
  const deadline = Date.now() + 15_000;
  while (!seqs().includes(head) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const delivered = seqs().filter((s) => s <= head);
  assert.deepEqual(
    delivered,
    Array.from({ length: head }, (_, i) => i + 1),
    'every event once, in order',
  );
});
