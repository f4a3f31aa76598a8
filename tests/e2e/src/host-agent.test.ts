import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { cli, deploy, ROOT, TEST_PG_URL, waitFor, type StoreKind } from './harness.js';

/** A password the database never needs (trust auth) but that must never reach anyone. */
const DB_PASSWORD = `db-pass-${randomBytes(6).toString('hex')}`;

for (const store of ['sqlite', 'postgres'] as StoreKind[]) {
  test(
    `commands and SQL through the standalone agent, end to end on ${store}`,
    { timeout: 120_000 },
    async (t) => {
      const d = await deploy(store);
      const schema = `gbx_e2e_app_${randomBytes(4).toString('hex')}`;
      const db = new pg.Client({ connectionString: TEST_PG_URL });
      await db.connect();
      await db.query(`CREATE SCHEMA ${schema}`);
      await db.query(`CREATE TABLE ${schema}.customers (id int, email text, card text, note text)`);
      await db.query(
        `INSERT INTO ${schema}.customers VALUES (1, 'jane.doe@example.com', '4111111111111111', 'order ord_123 ok'), (2, 'john@example.org', '5555555555554444', 'fine')`,
      );
      const agentUrl = new URL(TEST_PG_URL);
      agentUrl.password = DB_PASSWORD;
      const admin = d.adminEnv;
      const alice = d.userEnv('alice');
      let agent: ReturnType<typeof spawn> | undefined;
      t.after(async () => {
        agent?.kill('SIGKILL');
        await db.query(`DROP SCHEMA ${schema} CASCADE`);
        await db.end();
        await d.stop();
      });

      await t.test('an admin registers the host agent, which connects with its config', async () => {
        await cli(
          ['users', 'add', 'alice', '--groups', 'engineers', '--password-stdin'],
          admin,
          'alice-password-123\n',
        );
        const reg = (
          await cli(['agents', 'register', 'db-staging', '--env', 'staging', '--json'], admin)
        ).json<{ credential: string }>();
        const config = join(d.dir, 'agent.yaml');
        writeFileSync(
          config,
          [
            'gateway:',
            `  url: ${d.url.replace('http', 'ws')}`,
            '  credential: { env: GLOVEBOX_AGENT_TOKEN }',
            'recordings:',
            `  dir: ${join(d.dir, 'agent-recordings')}`,
            'sandbox: off',
            'targets:',
            '  - type: exec',
            '    name: host',
            '    commands:',
            '      - { name: echo, path: /bin/echo, class: read, args: [{ pattern: "[A-Za-z0-9._@:=-]{1,64}" }], maxArgs: 4 }',
            '      - { name: ls, path: /bin/ls, class: read, args: [{ pattern: "/[a-z0-9/_-]{1,64}" }], maxArgs: 1 }',
            '      - { name: touch, path: /usr/bin/touch, class: mutating, args: [{ pattern: "/tmp/gbx-e2e-[a-z0-9]{1,16}" }], maxArgs: 1 }',
            '  - type: postgres',
            '    name: db',
            '    connection: { env: GBX_E2E_DB_URL }',
            '    rowLimit: 100',
            '',
          ].join('\n'),
        );
        agent = spawn(process.execPath, [join(ROOT, 'apps/cli/dist/main.js'), 'agent', '--config', config], {
          env: {
            PATH: process.env.PATH ?? '',
            GLOVEBOX_AGENT_TOKEN: reg.credential,
            GBX_E2E_DB_URL: agentUrl.toString(),
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        await waitFor(
          async () =>
            (await cli(['agents', '--json'], admin)).json<{ connected: boolean }[]>()[0]?.connected === true,
          'host agent',
        );
        assert.equal(
          (await cli(['login', '--user', 'alice', '--password-stdin'], alice, 'alice-password-123\n')).code,
          0,
        );
      });

      let session = '';
      await t.test('read commands stream back redacted and mirror the exit code', async () => {
        const r = await cli(
          ['request', 'db-staging', '--actions', 'exec,query', '--reason', 'disk and data check', '--json'],
          alice,
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        session = r.json<{ id: string }>().id;
        const echo = await cli(
          ['exec', session, '--', 'echo', 'key=AKIAIOSFODNN7EXAMPLE', 'mail=jane.doe@example.com'],
          alice,
        );
        assert.equal(echo.code, 0, echo.stderr);
        assert.ok(!echo.stdout.includes('AKIAIOSFODNN7EXAMPLE'), 'AWS key redacted');
        assert.ok(!echo.stdout.includes('jane.doe@example.com'), 'email redacted');
        assert.match(echo.stdout, /key=/);
        const missing = await cli(['exec', session, '--', 'ls', '/nonexistent-dir'], alice);
        assert.equal(missing.code, 2, 'ls exit code mirrored');
      });

      await t.test('not allow-listed, injection and mutating commands are refused', async () => {
        assert.equal((await cli(['exec', session, '--', 'rm', '-rf', '/'], alice)).code, 1);
        assert.notEqual((await cli(['exec', session, '--', 'echo', 'a;id'], alice)).code, 0);
        assert.equal(
          (await cli(['exec', session, '--', 'touch', '/tmp/gbx-e2e-x'], alice)).code,
          3,
          'mutating needs approval',
        );
      });

      await t.test(
        'SQL reads are masked; writes, DELETE without WHERE and side effects are refused',
        async () => {
          const q = await cli(
            ['query', session, `SELECT id, email, card, note FROM ${schema}.customers ORDER BY id`, '--json'],
            alice,
          );
          assert.equal(q.code, 0, q.stdout + q.stderr);
          const res = q.json<{ columns: { name: string }[]; rows: unknown[][] }>();
          assert.deepEqual(
            res.columns.map((c) => c.name),
            ['id', 'email', 'card', 'note'],
          );
          const text = JSON.stringify(res.rows);
          assert.ok(!text.includes('jane.doe@example.com') && !text.includes('4111111111111111'), text);
          assert.ok(text.includes('ord_123'), 'ordinary data stays readable');
          assert.equal(
            (await cli(['query', session, `UPDATE ${schema}.customers SET note = 'x' WHERE id = 1`], alice))
              .code,
            3,
          );
          assert.equal((await cli(['query', session, `DELETE FROM ${schema}.customers`], alice)).code, 3);
          assert.equal(
            (
              await cli(
                ['query', session, `WITH d AS (DELETE FROM ${schema}.customers RETURNING 1) SELECT * FROM d`],
                alice,
              )
            ).code,
            3,
          );
          assert.equal((await cli(['query', session, 'SELECT pg_terminate_backend(1)'], alice)).code, 3);
          assert.equal((await cli(['query', session, 'SELEC nonsense'], alice)).code, 1);
          assert.equal(
            Number((await db.query(`SELECT count(*) FROM ${schema}.customers`)).rows[0].count),
            2,
            'nothing was deleted',
          );
        },
      );

      await t.test(
        'recordings replay and verify against the audit chain; the credential appears nowhere',
        async () => {
          const list = (await cli(['recordings', '--session', session, '--json'], alice)).json<
            { id: string; action: string }[]
          >();
          assert.ok(list.length >= 1);
          const play = await cli(['play', list[0]!.id, '--speed', '100', '--json'], alice);
          assert.equal(play.code, 0, play.stdout);
          assert.equal(play.json<{ verification: { ok: boolean } }>().verification.ok, true);
          const audit = await cli(['audit', '--json', '--session', session], admin);
          assert.ok(!audit.stdout.includes(DB_PASSWORD));
          assert.ok(!audit.stdout.includes('4111111111111111'));
          assert.ok(audit.stdout.includes('"sqlClass"'), 'the statement class is audited');
          assert.equal((await cli(['audit', 'verify', '--json'], admin)).code, 0);
        },
      );
    },
  );
}
