import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { cli, deploy, waitFor, type Deployment, type StoreKind } from './harness.js';

interface Report {
  ok: boolean;
  problem?: string;
  code?: string;
  headSeq: number;
  witnessSeq?: number;
}

/** The attacker's database login: removes every event and checkpoint after `cut`, triggers aside. */
async function cutTail(d: Deployment, cut: number): Promise<void> {
  const statements = [
    `DELETE FROM audit_events WHERE seq > ${cut}`,
    `DELETE FROM audit_checkpoints WHERE seq > ${cut}`,
  ];
  if (d.store.startsWith('sqlite:')) {
    const db = d.store.slice('sqlite:'.length);
    const triggers = execFileSync('sqlite3', [db, "SELECT name FROM sqlite_master WHERE type = 'trigger'"])
      .toString()
      .split('\n')
      .filter(Boolean);
    const drop = triggers.map((name) => `DROP TRIGGER ${name};`).join(' ');
    execFileSync('sqlite3', [db, `${drop} BEGIN; ${statements.join('; ')}; COMMIT;`]);
    return;
  }
  const url = new URL(d.store);
  const schema = url.searchParams.get('schema')!;
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    for (const statement of statements) await client.query(statement);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/** The latest `audit.checkpoint` head the file sink delivered, or 0. */
function sinkHeadSeq(path: string): number {
  let seq = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /"checkpoint":\{[^}]*?"seq":(\d+)/.exec(line);
    if (match) seq = Math.max(seq, Number(match[1]));
  }
  return seq;
}

/**
 * Invariant 7 against someone with the database and the gateway's host: they cut the newest
 * events and checkpoints and delete the local witness file, so the restarted gateway has nothing
 * to compare with and a fresh export verifies. A head witnessed elsewhere — an earlier export,
 * the file sink's output, a head noted by hand — must still prove the trail went backwards,
 * live and offline, with exit code 1 and GBX_AUDIT_ROLLED_BACK.
 */
for (const store of ['sqlite', 'postgres'] as StoreKind[]) {
  test(
    `a cut tail is caught by audit verify with a witnessed head on ${store}`,
    { timeout: 180_000 },
    async (t) => {
      const work = mkdtempSync(join(tmpdir(), 'gbx-e2e-witness-'));
      const sinkPath = join(work, 'sink.jsonl');
      const config = join(work, 'gateway.yaml');
      writeFileSync(
        config,
        `audit:\n  verifyProgressEvery: 5\n  sinks:\n    - { type: file, name: local, path: ${sinkPath} }\n`,
      );
      const d = await deploy(store, undefined, { args: ['--config', config] });
      t.after(async () => {
        await d.stop();
        rmSync(work, { recursive: true, force: true });
      });
      const admin = d.adminEnv;
      const keys = join(d.dir, 'data', 'keys', 'audit');
      // Each call leaves an api.request event.
      const activity = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const res = await fetch(`${d.url}/api/v1/whoami`, {
            headers: { authorization: `Bearer ${admin.GLOVEBOX_TOKEN}` },
          });
          assert.equal(res.status, 200);
        }
      };
      await activity(3);
      const before = join(work, 'before.jsonl');
      assert.equal((await cli(['audit', 'export', '--out', before], admin)).code, 0);
      const cut = (JSON.parse(readFileSync(before, 'utf8').trim().split('\n').at(-1)!) as { headSeq: number })
        .headSeq;
      // More events after the cut than the rest of the test writes, so the trail stays behind the head.
      await activity(60);
      const witnessed = join(work, 'witnessed.jsonl');
      assert.equal((await cli(['audit', 'export', '--out', witnessed], admin)).code, 0);
      const end = JSON.parse(readFileSync(witnessed, 'utf8').trim().split('\n').at(-1)!) as {
        headSeq: number;
        headHash: string;
      };
      assert.ok(end.headSeq > cut);
      await waitFor(async () => sinkHeadSeq(sinkPath) >= end.headSeq, 'the sink witnessed the head', 30_000);

      // Live verify streams its progress (every 5 events here) to stderr, the report to stdout.
      const intact = await cli(['audit', 'verify', '--head-file', witnessed, '--key', keys], admin);
      assert.equal(intact.code, 0, intact.stdout + intact.stderr);
      assert.match(intact.stderr, /verified 5 event\(s\), up to seq 5 of \d+/);

      await d.restartGateway(async () => {
        await cutTail(d, cut);
        rmSync(join(d.dir, 'data', 'keys', 'audit-witness.jsonl'), { force: true });
      });

      // The attack works against everything that lives with the store.
      const blind = await cli(['audit', 'verify', '--json'], admin);
      assert.equal(blind.code, 0, `without a witnessed head the cut goes unseen: ${blind.stdout}`);
      const after = join(work, 'after.jsonl');
      assert.equal((await cli(['audit', 'export', '--out', after], admin)).code, 0);
      assert.equal((await cli(['audit', 'verify', '--file', after, '--key', keys], admin)).code, 0);

      const attempts: [string, string[]][] = [
        ['live, head from an earlier export', ['--head-file', witnessed, '--key', keys]],
        ['live, head from the file sink', ['--head-file', sinkPath, '--key', keys]],
        ['live, head noted by hand', ['--head', `${end.headSeq}:${end.headHash}`]],
        ['offline, head from an earlier export', ['--file', after, '--key', keys, '--head-file', witnessed]],
        ['offline, head from the file sink', ['--file', after, '--head-file', sinkPath]],
      ];
      for (const [name, args] of attempts) {
        const run = await cli(['audit', 'verify', '--json', ...args], admin);
        assert.equal(run.code, 1, `${name}: exit 1 (${run.stdout}${run.stderr})`);
        const report = run.json<Report>();
        assert.equal(report.ok, false, name);
        assert.equal(report.problem, 'rolled-back', name);
        assert.equal(report.code, 'GBX_AUDIT_ROLLED_BACK', name);
        assert.ok((report.witnessSeq ?? 0) >= end.headSeq, name);
      }
      const human = await cli(['audit', 'verify', '--head', `${end.headSeq}:${end.headHash}`], admin);
      assert.equal(human.code, 1);
      assert.match(human.stdout, /FAILED \(GBX_AUDIT_ROLLED_BACK\) at seq \d+: rolled-back/);

      const bad = await cli(['audit', 'verify', '--head', 'latest'], admin);
      assert.equal(bad.code, 2, 'a head that is not SEQ:HASH is a usage error');
      const none = await cli(['audit', 'verify', '--head-file', config], admin);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /GBX_AUDIT_WITNESS_INVALID|holds no signed head/);
    },
  );
}
