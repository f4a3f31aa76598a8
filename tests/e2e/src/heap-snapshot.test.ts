import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentEnv, cli, deploy, ROOT, waitFor, type Deployment, type Registration } from './harness.js';
import { freePorts } from './ports.js';

function encodings(value: string): Record<string, string> {
  return {
    raw: value,
    base64: Buffer.from(value).toString('base64'),
    hex: Buffer.from(value).toString('hex'),
    utf16le: Buffer.from(value, 'utf16le').toString('latin1'),
    url: encodeURIComponent(value),
  };
}

/** Starts the heap fixture service with its agent; returns it and the values it planted. */
async function service(d: Deployment, name: string, env: Record<string, string> = {}) {
  const reg = (
    await cli(['agents', 'register', name, '--env', 'staging', '--json'], d.adminEnv)
  ).json<Registration>();
  const port = await freePorts();
  const plantedFile = join(d.dir, `${name}-planted.json`);
  const app: ChildProcess = spawn(process.execPath, [join(ROOT, 'tests/e2e/fixtures/heap-service.mjs')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      PLANTED_FILE: plantedFile,
      ...agentEnv(d.url, reg),
      ...env,
    },
    stdio: ['ignore', 'ignore', process.env.GLOVEBOX_E2E_DEBUG ? 'inherit' : 'ignore'],
  });
  await waitFor(
    async () =>
      (await cli(['agents', '--json'], d.adminEnv))
        .json<{ name: string; connected: boolean }[]>()
        .some((a) => a.name === name && a.connected),
    `agent ${name}`,
  );
  const planted = JSON.parse(readFileSync(plantedFile, 'utf8')) as Record<string, string>;
  return { app, port, planted };
}

test(
  'redacted heap snapshots through the CLI: capture, audit, download, diff, refusal',
  { timeout: 300_000 },
  async (t) => {
    const d = await deploy('sqlite');
    const alice = d.userEnv('alice');
    const apps: ChildProcess[] = [];
    try {
      await d.addUser('alice', ['engineers']);
      const svc = await service(d, 'heapsvc');
      apps.push(svc.app);
      const session = (
        await cli(
          ['request', 'heapsvc', '--actions', 'heapstats,heapsnapshot', '--reason', 'memory grows', '--json'],
          alice,
        )
      ).json<{ id: string; status: string }>();
      assert.equal(session.status, 'active');
      const first = join(d.dir, 'first.heapsnapshot');

      await t.test(
        'heapsnapshot writes a redacted .heapsnapshot whose hash is in the audit trail',
        async () => {
          const r = await cli(['heapsnapshot', session.id, '--out', first, '--json'], alice);
          assert.equal(r.code, 0, r.stderr);
          const out = r.json<{ file: string; sha256: string; bytes: number; pauseMs: number }>();
          const bytes = readFileSync(first);
          assert.equal(out.sha256, createHash('sha256').update(bytes).digest('hex'));
          assert.equal(out.bytes, bytes.length);
          const text = bytes.toString('latin1');
          const parsed = JSON.parse(text) as {
            snapshot: { node_count: number; meta: { node_fields: string[] } };
            nodes: number[];
          };
          assert.equal(
            parsed.nodes.length,
            parsed.snapshot.node_count * parsed.snapshot.meta.node_fields.length,
          );
          for (const [shape, value] of Object.entries(svc.planted)) {
            for (const [encoding, form] of Object.entries(encodings(value))) {
              assert.ok(!text.includes(form), `${shape} leaked (${encoding})`);
            }
          }
          assert.match(text, /\[PASSWORD [0-9a-f]{6} len \d+-\d+\]/);
          const events = (await cli(['audit', '--all', '--session', session.id, '--json'], d.adminEnv)).json<
            {
              type: string;
              action: string | null;
              outcome: string;
              event: { details?: Record<string, unknown> };
            }[]
          >();
          const result = events.find(
            (e) => e.type === 'action.result' && e.action === 'heapsnapshot' && e.outcome === 'success',
          );
          const artifact = result?.event.details?.artifact as
            { id: string; sha256: string; bytes: number } | undefined;
          assert.equal(artifact?.sha256, out.sha256, 'the file is the one the audit trail vouches for');
          const accessed = result?.event.details?.accessed as {
            heapsnapshot?: { pauseMs: number; nodes: number };
          };
          assert.equal(accessed.heapsnapshot?.nodes, parsed.snapshot.node_count);
          assert.ok(events.some((e) => e.type === 'artifact.downloaded'));
          const { token } = JSON.parse(
            readFileSync(join(d.dir, 'home', 'alice', 'credentials.json'), 'utf8'),
          ) as {
            token: string;
          };
          const again = await fetch(`${d.url}/api/v1/sessions/${session.id}/artifacts/${artifact.id}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          assert.equal(again.status, 404, 'a snapshot policy does not keep is downloaded once');
          assert.ok(!JSON.stringify(events).includes(svc.planted.password!), 'no value in the audit trail');
        },
      );

      await t.test('heapstats shows constructors, spaces and retainers', async () => {
        const r = await cli(['heapstats', session.id, '--top', '5', '--json'], alice);
        assert.equal(r.code, 0, r.stderr);
        const s = r.json<{
          constructors: { name: string }[];
          spaces: unknown[];
          largestRetainers: unknown[];
        }>();
        assert.equal(s.constructors.length, 5);
        assert.ok(s.spaces.length > 3 && s.largestRetainers.length === 5);
      });

      await t.test('heapdiff shows the growth of a leaking constructor', async () => {
        await fetch(`http://127.0.0.1:${svc.port}/leak`);
        const second = join(d.dir, 'second.heapsnapshot');
        assert.equal((await cli(['heapsnapshot', session.id, '--out', second, '--json'], alice)).code, 0);
        const r = await cli(['heapdiff', first, second, '--json'], alice);
        assert.equal(r.code, 0, r.stderr);
        const leaky = r
          .json<{ growth: { name: string; countDelta: number; added: number }[] }>()
          .growth.find((g) => g.name === 'LeakyThing');
        assert.equal(leaky?.countDelta, 5000);
        assert.equal(leaky?.added, 5000);
      });

      await t.test('a target short of memory refuses, naming the figures', async () => {
        const tight = await service(d, 'tightsvc', { HEAP_MEMORY_FACTOR: '100000' });
        apps.push(tight.app);
        const req = await cli(
          ['request', 'tightsvc', '--actions', 'heapsnapshot', '--reason', 'memory grows', '--json'],
          alice,
        );
        assert.equal(req.code, 0, req.stdout + req.stderr);
        const s2 = req.json<{ id: string }>();
        const out = join(d.dir, 'refused.heapsnapshot');
        const r = await cli(['heapsnapshot', s2.id, '--out', out, '--json'], alice);
        assert.equal(r.code, 1);
        assert.match(r.stderr + r.stdout, /GBX_HEAP_MEMORY_INSUFFICIENT|needs about \d+ MB/, req.stdout);
        assert.ok(!existsSync(out));
      });
    } finally {
      for (const a of apps) a.kill();
      await d.stop();
    }
  },
);
