// The CLI as an on-call engineer uses it: the session just opened is remembered, actions default
// to it or to a target name, mistakes are explained before anything is sent, every state change
// says what to run next, and exit codes and output formats keep their contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, deploy, waitFor, type CliResult, type Registration } from './harness.js';

interface RequestJson {
  id: string;
  status: string;
  target: string;
}

function expectExit(r: CliResult, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

test('context, messages, formats and exit codes through the real CLI', { timeout: 120_000 }, async (t) => {
  const d = await deploy('sqlite');
  t.after(() => d.stop());
  const admin = d.adminEnv;
  const alice = d.userEnv('alice');
  const added = await cli(
    ['users', 'add', 'alice', '--groups', 'engineers', '--password-stdin'],
    admin,
    'alice-password-123\n',
  );
  expectExit(added, 0, 'users add');
  assert.match(added.stderr, /next: glovebox login --user alice --password-stdin/);
  for (const [name, env] of [
    ['svc-staging', 'staging'],
    ['svc-prod', 'prod'],
  ] as const) {
    const reg = await cli(['agents', 'register', name, '--env', env, '--json'], admin);
    expectExit(reg, 0, 'agents register');
    if (env === 'staging') await d.startAgentService(reg.json<Registration>());
  }
  await waitFor(
    async () =>
      (await cli(['agents', '--json'], admin)).json<{ connected: boolean }[]>().some((a) => a.connected),
    'agent connected',
  );
  const login = await cli(['login', '--user', 'alice', '--password-stdin'], alice, 'alice-password-123\n');
  expectExit(login, 0, 'login');
  assert.match(login.stderr, /next: glovebox targets/);

  await t.test('mistakes are explained before anything is sent (exit 2)', async () => {
    const noSession = await cli(['facts'], alice);
    expectExit(noSession, 2, 'facts without a session');
    assert.match(noSession.stderr, /no current session for http:\/\/127\.0\.0\.1:\d+/);
    assert.match(noSession.stderr, /glovebox request TARGET/);
    const shortReason = await cli(['request', 'svc-staging', '--actions', 'facts', '--reason', 'x'], alice);
    expectExit(shortReason, 2, 'short reason');
    assert.match(shortReason.stderr, /--reason must be at least 3 visible characters \(got 1\)/);
    const breakGlass = await cli(
      ['request', 'svc-staging', '--actions', 'facts', '--reason', 'urgent', '--break-glass'],
      alice,
    );
    expectExit(breakGlass, 2, 'short break-glass reason');
    assert.match(breakGlass.stderr, /at least 10 visible characters for --break-glass/);
    const bareDuration = await cli(
      ['request', 'svc-staging', '--actions', 'facts', '--reason', 'latency', '--duration', '5'],
      alice,
    );
    expectExit(bareDuration, 2, 'duration without a unit');
    assert.match(bareDuration.stderr, /--duration: the duration "5" has no unit: write 5s, 5m or 5h/);
    // A zero duration opened a session that had already ended (exit 0), and minted a dead token.
    const zero = await cli(
      ['request', 'svc-staging', '--actions', 'facts', '--reason', 'latency', '--duration', '0s'],
      alice,
    );
    expectExit(zero, 2, 'zero duration');
    assert.match(zero.stderr, /--duration: the duration "0s" is zero/);
    const zeroTtl = await cli(['tokens', 'create', '--ttl', '0m'], alice);
    expectExit(zeroTtl, 2, 'zero token lifetime');
    assert.match(zeroTtl.stderr, /--ttl: the duration "0m" is zero/);
    const bareTtl = await cli(['tokens', 'create', '--ttl', '5'], alice);
    expectExit(bareTtl, 2, 'token lifetime without a unit');
    // Beyond what the agent accepts: refused here, not by the agent as "invalid debugger parameters".
    for (const [args, message] of [
      [['snapshot', 'svc-staging', 'a.js:1', '--wait', '2h'], /--wait must be at most 1h/],
      [['snapshot', 'svc-staging', 'a.js:1', '--hits', '101'], /--hits must be a whole number from 1 to 100/],
      [['eval', 'svc-staging', '1', '--timeout', '2m'], /--timeout must be at most 1m/],
      [
        ['logpoint', 'svc-staging', 'a.js:1', 'x', '--follow', '--duration', '2d'],
        /--duration must be at most 24h/,
      ],
    ] as const) {
      const r = await cli([...args], alice);
      expectExit(r, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
    const unknownAction = await cli(
      ['request', 'svc-staging', '--actions', 'facts,debug', '--reason', 'latency'],
      alice,
    );
    expectExit(unknownAction, 2, 'unknown action');
    assert.match(unknownAction.stderr, /unknown action "debug" in --actions \(known: facts, snapshot/);
    const requests = (await cli(['requests', '--json'], alice)).json<RequestJson[]>();
    assert.equal(requests.length, 0, 'none of these reached the gateway');
  });

  await t.test('the gateway refuses them too, with the same explanation', async () => {
    const { token } = JSON.parse(readFileSync(join(alice.GLOVEBOX_HOME!, 'credentials.json'), 'utf8')) as {
      token: string;
    };
    const post = async (body: Record<string, unknown>) => {
      const res = await fetch(`${d.url}/api/v1/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ target: 'svc-staging', actions: ['facts'], ...body }),
      });
      return {
        status: res.status,
        error: ((await res.json()) as { error: { code: string; message: string } }).error,
      };
    };
    const bare = await post({ reason: 'latency', duration: '5' });
    assert.equal(bare.status, 400);
    assert.equal(bare.error.code, 'GBX_REQUEST_INVALID');
    assert.match(bare.error.message, /the duration "5" has no unit/);
    const zero = await post({ reason: 'latency', duration: '0m' });
    assert.equal(zero.status, 400);
    assert.match(zero.error.message, /the duration "0m" is zero/);
    const short = await post({ reason: ' x ' });
    assert.equal(short.status, 400);
    assert.match(short.error.message, /a request needs a reason of at least 3 visible characters \(got 1\)/);
  });

  let first = '';
  await t.test('a new session becomes the current one; actions use it without an id', async () => {
    const r = await cli(
      [
        'request',
        'svc-staging',
        '--actions',
        'facts,snapshot',
        '--reason',
        'latency spike',
        '--duration',
        '9h',
      ],
      alice,
    );
    expectExit(r, 0, 'request');
    assert.match(r.stdout, /status: {3}active/);
    // a duration policy shortened is said, not only shown in the numbers
    assert.match(r.stderr, /--duration 9h is more than policy allows: the session lasts \d+h/);
    assert.match(
      r.stderr,
      /next: glovebox facts {3}# session ses_\w+ is active and now your current session/,
    );
    first = /id: {7}(ses_\w+)/.exec(r.stdout)?.[1] ?? '';
    assert.ok(first);
    const facts = await cli(['facts', '--json'], alice);
    expectExit(facts, 0, 'facts in the current session');
    assert.equal(facts.json<{ runtime: { node: string } }>().runtime.node, process.versions.node);
    const show = await cli(['request', 'show'], alice);
    expectExit(show, 0, 'request show');
    assert.match(show.stdout, new RegExp(`id: {7}${first}`));
    assert.match(show.stdout, /target: {3}svc-staging {2}\[STAGING\]/, 'the environment is shown');
    const use = await cli(['use', '--json'], alice);
    assert.equal(use.json<{ session: string }>().session, first);
    const byTarget = await cli(['facts', 'svc-staging', '--json'], alice);
    expectExit(byTarget, 0, 'facts by target name');
  });

  await t.test('validation comes before waiting: no "waiting…" before a refusal', async () => {
    const noLine = await cli(['snapshot', 'src/server.ts'], alice);
    expectExit(noLine, 2, 'location without a line');
    assert.match(noLine.stderr, /FILE:LINE/);
    expectExit(await cli(['snapshot', 'src/server.ts:0'], alice), 2, 'line 0');
    expectExit(await cli(['snapshot', 'src/server.ts:3', '--wait', '30'], alice), 2, 'wait without a unit');
    expectExit(await cli(['snapshot', 'src/server.ts:3', '--hits', 'many'], alice), 2, 'hits not a number');
    const missing = await cli(['snapshot', 'no/such/file.ts:12', '--wait', '20s'], alice);
    expectExit(missing, 1, 'unknown location');
    assert.match(missing.stderr, /no loaded script matches that file/);
    assert.doesNotMatch(missing.stderr, /waiting/, 'nothing said it was waiting for a line that cannot run');
  });

  await t.test('json, yaml and table outputs; --json stays an alias of --output json', async () => {
    const json = await cli(['sessions', '--json'], alice);
    const output = await cli(['sessions', '--output', 'json'], alice);
    assert.deepEqual(json.json(), output.json());
    assert.equal(json.stderr, '', 'nothing but the document in json mode');
    const yaml = await cli(['-o', 'yaml', 'sessions'], alice);
    expectExit(yaml, 0, 'yaml');
    assert.match(yaml.stdout, new RegExp(`^- id: ${first}\\n {2}status: active\\n`));
    const table = await cli(['sessions'], alice);
    assert.match(table.stdout, new RegExp(`^ID +STATUS +REQUESTER +TARGET[^\\n]*\\n${first} \\* +active`));
    const usageJson = await cli(['sessions', '--bogus', '--json'], alice);
    expectExit(usageJson, 2, 'unknown option');
    assert.equal(usageJson.json<{ error: { code: string } }>().error.code, 'GBX_USAGE');
    const errYaml = await cli(['facts', 'ses_0000000000000000', '-o', 'yaml'], alice);
    expectExit(errYaml, 1, 'unknown session');
    assert.match(errYaml.stdout, /^error:\n {2}code: GBX_NOT_FOUND\n/);
  });

  let second = '';
  await t.test(
    'a target name picks the only active session on it, and refuses to guess between two',
    async () => {
      const r = await cli(
        ['request', 'svc-staging', '--actions', 'facts', '--reason', 'second look', '--json'],
        alice,
      );
      expectExit(r, 0, 'second request');
      second = r.json<RequestJson>().id;
      assert.equal((await cli(['use', '--json'], alice)).json<{ session: string }>().session, second);
      const ambiguous = await cli(['facts', 'svc-staging'], alice);
      expectExit(ambiguous, 2, 'two sessions on the target');
      assert.match(
        ambiguous.stderr,
        new RegExp(`2 of your sessions are active on svc-staging \\(.*${first}.*\\)`),
      );
      const switched = await cli(['use', first], alice);
      expectExit(switched, 0, 'use');
      assert.match(switched.stderr, /next: glovebox facts/);
      const ended = await cli(['end'], alice);
      expectExit(ended, 0, 'end the current session');
      assert.match(ended.stdout, new RegExp(`ended ${first} on svc-staging`));
      assert.match(ended.stderr, new RegExp(`next: glovebox recordings --session ${first}`));
      expectExit(await cli(['facts'], alice), 2, 'the ended session is no longer current');
      const gone = await cli(['facts', first], alice);
      expectExit(gone, 3, 'an ended session refuses actions');
      assert.match(gone.stderr, /hint: the session has ended/);
      expectExit(await cli(['facts', 'svc-staging', '--json'], alice), 0, 'the target now names one session');
    },
  );

  await t.test('exit codes: 0 ok, 1 error, 2 usage, 3 denied, 4 waiting', async () => {
    expectExit(await cli(['whoami'], alice), 0, 'whoami');
    expectExit(await cli(['request', 'show', 'ses_0000000000000000'], alice), 1, 'not found');
    expectExit(await cli(['frobnicate'], alice), 2, 'unknown command');
    expectExit(await cli(['eval', second, '1+1'], alice), 3, 'action not granted');
    const prod = await cli(['request', 'svc-prod', '--actions', 'facts', '--reason', 'INC-42 errors'], alice);
    expectExit(prod, 4, 'prod needs a fresh MFA');
    assert.match(prod.stderr, /hint: run `glovebox mfa verify CODE`/);
    expectExit(await cli(['completion', 'tcsh'], alice), 2, 'unknown shell');
    const bash = await cli(['completion', 'bash'], alice);
    expectExit(bash, 0, 'bash completion');
    assert.match(bash.stdout, /complete -o filenames -F _glovebox glovebox/);
  });
});
