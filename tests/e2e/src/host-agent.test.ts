import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import {
  cli,
  deploy,
  ROOT,
  TEST_PG_URL,
  waitFor,
  type Registration,
  type StoreKind,
  enrollTotp,
} from './harness.js';

/** A password the database never needs (trust auth) but that must never reach anyone. */
const DB_PASSWORD = `db-pass-${randomBytes(6).toString('hex')}`;
/** A value masked by its column's name (`secret`), which must not leak through error texts either. */
const VAULT_SECRET = `horse-battery-${randomBytes(4).toString('hex')}`;
const SHADOW_HEAD = readFileSync('/etc/shadow', 'utf8').split(':')[0] + ':';

function agentConfig(d: { dir: string; url: string }, keys: string[], lines: string[]): string {
  const file = join(d.dir, `agent-${randomBytes(3).toString('hex')}.yaml`);
  writeFileSync(
    file,
    [
      'gateway:',
      `  url: ${d.url.replace('http', 'ws')}`,
      '  credential: { env: GLOVEBOX_AGENT_TOKEN }',
      `  keys: [${keys.join(', ')}]`,
      'recordings:',
      `  dir: ${join(d.dir, 'agent-recordings')}`,
      ...lines,
      '',
    ].join('\n'),
  );
  return file;
}

function startAgent(config: string, token: string, dbUrl: string): ReturnType<typeof spawn> {
  return spawn(process.execPath, [join(ROOT, 'apps/cli/dist/main.js'), 'agent', '--config', config], {
    env: { PATH: process.env.PATH ?? '', GLOVEBOX_AGENT_TOKEN: token, GBX_E2E_DB_URL: dbUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

for (const store of ['sqlite', 'postgres'] as StoreKind[]) {
  test(
    `commands and SQL through the standalone agent, end to end on ${store}`,
    { timeout: 600_000 },
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
      await db.query(
        `CREATE TABLE ${schema}.vault (id int, secret text); INSERT INTO ${schema}.vault VALUES (1, '${VAULT_SECRET}')`,
      );
      await db.query(
        `CREATE FUNCTION ${schema}.reap(integer) RETURNS boolean LANGUAGE sql VOLATILE AS 'SELECT pg_cancel_backend($1)'`,
      );
      // An allowed directory holding a symbolic link to /etc/shadow (outside /tmp: the sandbox hides it).
      const files = mkdtempSync('/var/tmp/gbx-e2e-');
      mkdirSync(join(files, 'logs'));
      writeFileSync(join(files, 'logs', 'app.log'), 'started ok\n');
      symlinkSync('/etc/shadow', join(files, 'logs', 'leak'));
      const agentUrl = new URL(TEST_PG_URL);
      agentUrl.password = DB_PASSWORD;
      const admin = d.adminEnv;
      const alice = d.userEnv('alice');
      const bob = d.userEnv('bob');
      const agents: ReturnType<typeof spawn>[] = [];
      t.after(async () => {
        for (const agent of agents) agent.kill('SIGKILL');
        await db.query(`DROP SCHEMA ${schema} CASCADE`);
        await db.end();
        await d.stop();
      });

      await t.test('an admin registers the host agent, which connects with its config', async () => {
        await d.addUser('alice', ['engineers']);
        await d.addUser('bob', ['engineers', 'sre-leads']);
        const reg = (
          await cli(['agents', 'register', 'db-staging', '--env', 'staging', '--json'], admin)
        ).json<Registration>();
        const config = agentConfig(d, reg.gatewayKeys, [
          'sandbox: auto',
          'targets:',
          '  - type: exec',
          '    name: host',
          '    commands:',
          '      - { name: echo, path: /bin/echo, class: read, args: [{ pattern: "[A-Za-z0-9._@:=-]{1,64}" }], maxArgs: 4 }',
          `      - { name: ls, path: /bin/ls, class: read, args: [-la, { pattern: "/[A-Za-z0-9/_-]{1,64}" }], paths: [${files}, /var/empty-gbx], maxArgs: 2 }`,
          `      - { name: cat, path: /bin/cat, class: read, args: [{ pattern: "/[A-Za-z0-9/_.-]{1,80}" }], paths: [${files}/logs], maxArgs: 2 }`,
          `      - { name: tar, path: /usr/bin/tar, class: read, args: [-c, -f, "-", { pattern: "/[A-Za-z0-9/_.-]{1,80}" }], paths: [${files}/logs], maxArgs: 4 }`,
          '      - { name: touch, path: /usr/bin/touch, class: mutating, args: [{ pattern: "/tmp/gbx-e2e-[a-z0-9]{1,16}" }], maxArgs: 1 }',
          '  - type: postgres',
          '    name: db',
          '    connection: { env: GBX_E2E_DB_URL }',
          '    rowLimit: 100',
        ]);
        agents.push(startAgent(config, reg.credential, agentUrl.toString()));
        await waitFor(
          async () =>
            (await cli(['agents', '--json'], admin)).json<{ connected: boolean }[]>()[0]?.connected === true,
          'host agent',
        );
      });

      await t.test('a configuration whose patterns reach a dangerous option never starts', async () => {
        for (const [command, option] of [
          [
            '{ name: tar, path: /usr/bin/tar, class: read, args: [{ pattern: "--[a-z-]+(=[a-z=]+)?" }] }',
            'checkpoint-action|to-command',
          ],
          [
            '{ name: find, path: /usr/bin/find, class: read, args: [{ pattern: "-[a-z]+" }] }',
            '-delete|-exec',
          ],
          [
            '{ name: git, path: /usr/bin/git, class: read, args: [-c, { pattern: "[a-z.]+=[a-z!]+" }] }',
            '-c',
          ],
        ] as [string, string][]) {
          const bad = agentConfig(
            d,
            [`sha256:${'0'.repeat(64)}`],
            ['targets:', '  - type: exec', '    name: host', '    commands:', `      - ${command}`],
          );
          const r = await cli(['agent', '--config', bad], { GLOVEBOX_AGENT_TOKEN: 'gbx_a_unused' });
          assert.notEqual(r.code, 0);
          assert.match(r.stderr, /GBX_CONFIG_INVALID/);
          assert.match(r.stderr, new RegExp(option));
        }
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
        const missing = await cli(['exec', session, '--', 'ls', '-la', '/var/empty-gbx'], alice);
        assert.equal(missing.code, 2, 'ls exit code mirrored');
      });

      await t.test('not allow-listed, injection and mutating commands are refused', async () => {
        // off the allow-list (GBX_EXEC_NOT_ALLOWED): a guardrail of the grant, exit 3 like a policy deny
        assert.equal((await cli(['exec', session, '--', 'rm', '-rf', '/'], alice)).code, 3);
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

      await t.test('commands cannot escape through symbolic links or options after operands', async () => {
        const leak = await cli(['exec', session, '--', 'cat', join(files, 'logs', 'leak')], alice);
        assert.notEqual(leak.code, 0);
        assert.match(leak.stderr, /outside the allowed paths/);
        assert.ok(!leak.stdout.includes(SHADOW_HEAD + readFileSync('/etc/shadow', 'utf8').split(':')[1]));
        const log = await cli(['exec', session, '--', 'cat', join(files, 'logs', 'app.log')], alice);
        assert.equal(log.code, 0, log.stderr);
        assert.match(log.stdout, /started ok/);
        const archive = await cli(
          ['exec', session, '--', 'tar', '-c', '-f', '-', join(files, 'logs')],
          alice,
        );
        assert.equal(archive.code, 0, archive.stderr);
        assert.ok(
          !archive.stdout.includes(readFileSync('/etc/shadow', 'utf8').split('\n')[0]!),
          'link not followed',
        );
        const late = await cli(['exec', session, '--', 'ls', files, '-la'], alice);
        assert.notEqual(late.code, 0);
        assert.match(late.stderr, /options go before operands/);
        // The gateway answers GBX_AGENT_REFUSED with the agent's message; the agent's code is audited.
        const audit = await cli(['audit', '--all', '--json', '--session', session], admin);
        assert.ok(audit.stdout.includes('GBX_EXEC_OPERAND_REFUSED'), 'refusals are audited with their code');
      });

      await t.test('SQL: attribute calls, catalog-resolved functions and error texts', async () => {
        const victim = new pg.Client({ connectionString: TEST_PG_URL });
        victim.on('error', () => undefined);
        await victim.connect();
        const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        const kill = await cli(
          ['query', session, `SELECT (pid).pg_terminate_backend FROM pg_stat_activity WHERE pid = ${pid}`],
          alice,
        );
        assert.equal(kill.code, 3, kill.stderr);
        assert.equal((await victim.query('SELECT 1 AS one')).rows[0].one, 1, 'the victim backend lives');
        await victim.end();
        assert.equal(
          (await cli(['query', session, "SELECT ('/etc/hostname'::text).pg_read_file"], alice)).code,
          3,
        );
        const reap = await cli(['query', session, `SELECT ${schema}.reap(1)`], alice);
        assert.notEqual(reap.code, 0);
        assert.match(reap.stderr, /is admin/);
        assert.match(reap.stderr, new RegExp(`${schema}\\.reap`));
        const cast = await cli(['query', session, `SELECT secret::int FROM ${schema}.vault`], alice);
        assert.notEqual(cast.code, 0);
        assert.ok(!cast.stderr.includes(VAULT_SECRET) && !cast.stdout.includes(VAULT_SECRET), cast.stderr);
        const alias = await cli(
          ['query', session, `SELECT secret AS x FROM ${schema}.vault`, '--json'],
          alice,
        );
        assert.equal(alias.code, 0, alias.stderr);
        assert.ok(!alias.stdout.includes(VAULT_SECRET), 'an alias does not unmask');
        const audit = await cli(['audit', '--all', '--json', '--session', session], admin);
        assert.ok(!audit.stdout.includes(VAULT_SECRET), 'the error text reached the audit trail masked');
        assert.ok(audit.stdout.includes('GBX_SQL_NOT_AUTHORIZED'));
      });

      await t.test("an approved write stops at the agent's own ceiling (maxClass: read)", async () => {
        const reg = (
          await cli(['agents', 'register', 'db-prod', '--env', 'prod', '--json'], admin)
        ).json<Registration>();
        const config = agentConfig(d, reg.gatewayKeys, [
          'targets:',
          '  - type: postgres',
          '    name: db',
          '    connection: { env: GBX_E2E_DB_URL }',
          '    maxClass: read',
        ]);
        agents.push(startAgent(config, reg.credential, agentUrl.toString()));
        await waitFor(
          async () =>
            (await cli(['agents', '--json'], admin))
              .json<{ name: string; connected: boolean }[]>()
              .some((a) => a.name === 'db-prod' && a.connected),
          'prod agent',
        );
        // Production needs a fresh second factor (examples/policies/access.cedar).
        await enrollTotp(admin, alice, 'alice', 'alice-password-123');
        const r = await cli(
          [
            'request',
            'db-prod',
            '--actions',
            'query',
            '--reason',
            'INC-7 fix a row',
            '--sql',
            `UPDATE ${schema}.customers SET note = 'changed' WHERE id = 1`,
            '--json',
          ],
          alice,
        );
        assert.equal(r.code, 4, r.stderr);
        const prod = r.json<{ id: string }>().id;
        const approval = await cli(['approve', prod, '--comment', 'ok'], bob);
        assert.equal(approval.code, 0, approval.stdout + approval.stderr);
        const write = await cli(
          ['query', prod, `UPDATE ${schema}.customers SET note = 'changed' WHERE id = 1`],
          alice,
        );
        assert.notEqual(write.code, 0);
        assert.match(write.stderr, /is write/);
        assert.match(write.stderr, /maxClass: read/);
        const other = await cli(['query', prod, `DELETE FROM ${schema}.customers WHERE id = 1`], alice);
        assert.equal(other.code, 3, 'a statement outside the approval is refused by the gateway');
        assert.match(other.stderr, /GBX_ACTION_NOT_GRANTED|does not cover/);
        const audit = await cli(['audit', '--all', '--json', '--session', prod], admin);
        assert.ok(audit.stdout.includes('GBX_SQL_NOT_AUTHORIZED'), 'the refusal is audited with its code');
        const note = await db.query(`SELECT note FROM ${schema}.customers WHERE id = 1`);
        assert.equal(note.rows[0].note, 'order ord_123 ok', 'nothing was written');
      });

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
          const audit = await cli(['audit', '--all', '--json', '--session', session], admin);
          assert.ok(!audit.stdout.includes(DB_PASSWORD));
          assert.ok(!audit.stdout.includes('4111111111111111'));
          assert.ok(audit.stdout.includes('"sqlClass"'), 'the statement class is audited');
          assert.equal((await cli(['audit', 'verify', '--json'], admin)).code, 0);
        },
      );
    },
  );
}
