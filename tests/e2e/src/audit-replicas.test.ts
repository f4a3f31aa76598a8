import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli, deploy } from './harness.js';

interface Report {
  ok: boolean;
  message: string;
  checkpoints: number;
}

/**
 * Two gateway processes on one PostgreSQL sign checkpoints with the audit keyring they share
 * through the store; a rotation on the second is used by the first, and `glovebox audit verify`
 * passes through either, live and on an export checked offline with the second's keys.
 */
test(
  'audit verify passes across two gateway processes and a key rotation on PostgreSQL',
  { timeout: 180_000 },
  async (t) => {
    const d = await deploy('postgres');
    t.after(() => d.stop());
    const second = await d.startReplica('b');
    const a = d.adminEnv;
    const b = { ...d.adminEnv, GLOVEBOX_URL: second };
    const activity = async (env: Record<string, string>) => {
      for (let i = 0; i < 3; i++) assert.equal((await cli(['whoami'], env)).code, 0);
      // An export signs the replica's own head first.
      assert.equal((await cli(['audit', 'export', '--out', join(d.dir, 'scratch.jsonl')], env)).code, 0);
    };
    await activity(a);
    await activity(b);
    assert.equal((await cli(['audit', 'rotate-key'], b)).code, 0);
    await activity(a);
    await activity(b);

    for (const env of [a, b]) {
      const run = await cli(['audit', 'verify', '--json'], env);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.ok(run.json<Report>().checkpoints >= 4, run.stdout);
    }
    const file = join(d.dir, 'from-a.jsonl');
    assert.equal((await cli(['audit', 'export', '--out', file], a)).code, 0);
    const offline = await cli(
      ['audit', 'verify', '--file', file, '--key', join(d.dir, 'data-b', 'keys', 'audit'), '--json'],
      a,
    );
    assert.equal(offline.code, 0, offline.stdout + offline.stderr);
  },
);
