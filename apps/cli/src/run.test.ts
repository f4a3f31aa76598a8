import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/glovebox.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), 'gbx-cli-run-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, GLOVEBOX_HOME: home, GLOVEBOX_TOKEN: 'gbx_t_test', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      rmSync(home, { recursive: true, force: true });
      resolve({ code, stderr });
    });
  });
}

test('a mistake on the command line names GBX_USAGE in text mode too (exit 2)', async () => {
  for (const args of [['nosuchcommand'], ['targets', '--bogus'], ['request']]) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^error: .*\(GBX_USAGE\)\n/, args.join(' '));
  }
});

test('a tag given twice is a usage mistake, not a silent choice of the last value', async () => {
  // nothing listens on this port: a request would fail with GBX_GATEWAY_UNREACHABLE instead
  const args = ['agents', 'register', 'svc', '--env', 'prod', '--tag', 'tier=1', '--tag', 'tier=3'];
  const r = await run(args, { GLOVEBOX_URL: 'http://127.0.0.1:9' });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--tag tier is given twice: give each tag once \(GBX_USAGE\)/);
});

test('an empty password is a usage mistake, refused before anything is sent', async () => {
  // nothing listens on this port: a request would fail with GBX_GATEWAY_UNREACHABLE instead
  // (`users add` created a user without any password instead)
  for (const args of [
    ['login', '--user', 'alice', '--password-stdin'],
    ['users', 'add', 'bob', '--password-stdin'],
  ]) {
    const r = await run(args, { GLOVEBOX_URL: 'http://127.0.0.1:9' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the password on stdin is empty \(GBX_USAGE\)/);
  }
});

test('a one-time code that is not 6 digits is a usage mistake, not a spent login attempt', async () => {
  const r = await run(['login', '--user', 'alice', '--password-stdin', '--otp', '12345a'], {
    GLOVEBOX_URL: 'http://127.0.0.1:9',
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--otp: the code is 6 digits \(GBX_USAGE\)/);
});

test('an --out that cannot be written is refused before a snapshot or profile pauses production', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-cli-out-'));
  try {
    for (const [args, message] of [
      [['heapsnapshot', 'svc', '--out', join(dir, 'no', 'such.heapsnapshot')], /there is no directory/],
      [['heapsnapshot', 'svc', '--out', dir], /is a directory: name a file in it/],
      [
        ['profile', 'svc', '--seconds', '5', '--out', join(dir, 'no', 'x.cpuprofile')],
        /there is no directory/,
      ],
      [['audit', 'export', '--out', join(dir, 'no', 'audit.jsonl')], /there is no directory/],
    ] as const) {
      // nothing listens on this port: a request would fail with GBX_GATEWAY_UNREACHABLE instead
      const r = await run([...args], { GLOVEBOX_URL: 'http://127.0.0.1:9' });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an agent's refusal shows the agent's own code next to GBX_AGENT_REFUSED", async (t) => {
  const answers = [
    {
      agentCode: 'GBX_DEBUG_LINE_NOT_PROBEABLE',
      shown: /\(GBX_AGENT_REFUSED: agent GBX_DEBUG_LINE_NOT_PROBEABLE\)/,
    },
    // anything but a known code from the agent is not echoed
    { agentCode: 'GBX_NOT_A_CODE\u001b[2J', shown: /\(GBX_AGENT_REFUSED\)\n/ },
  ];
  for (const { agentCode, shown } of answers) {
    const gateway = createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: {
            code: 'GBX_AGENT_REFUSED',
            message: 'no statement starts on line 2',
            details: { agentCode },
          },
        }),
      );
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => gateway.close(() => resolve())));
    const { port } = gateway.address() as AddressInfo;
    const r = await run(['whoami'], { GLOVEBOX_URL: `http://127.0.0.1:${port}` });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: no statement starts on line 2 /);
    assert.match(r.stderr, shown);
  }
});

test('a step-up refusal exits 4 and its hint also says what to do without a factor or after enrolling in this login', async (t) => {
  const gateway = createServer((_req, res) => {
    res.writeHead(403, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        error: { code: 'GBX_STEP_UP_REQUIRED', message: 'policy requires a fresh MFA check' },
      }),
    );
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => gateway.close(() => resolve())));
  const { port } = gateway.address() as AddressInfo;
  const r = await run(['whoami'], { GLOVEBOX_URL: `http://127.0.0.1:${port}` });
  assert.equal(r.code, 4);
  assert.match(r.stderr, /hint: run `glovebox mfa verify CODE`/);
  assert.match(
    r.stderr,
    /no second factor yet: .*`glovebox users reset-mfa NAME`.*`glovebox mfa enroll --ticket TICKET`/,
  );
  assert.match(r.stderr, /enrolled in this login: `glovebox login` again/);
});

test('GLOVEBOX_TOKEN read from a file keeps working with its newline; a token with stray characters is a usage mistake', async () => {
  // a gateway that answers whoami when the bearer is exactly the token
  const server = createServer((req, res) => {
    const ok = req.headers.authorization === 'Bearer gbx_t_file-token';
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        ok
          ? { user: 'alice', groups: [], tokenKind: 'api', mfa: false }
          : { error: { code: 'GBX_AUTH_FAILED', message: 'invalid or expired credentials' } },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const fromFile = await run(['whoami'], { GLOVEBOX_URL: url, GLOVEBOX_TOKEN: 'gbx_t_file-token\n' });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const stray = await run(['whoami'], { GLOVEBOX_URL: url, GLOVEBOX_TOKEN: 'gbx_t_file-token x' });
    assert.equal(stray.code, 2, stray.stderr);
    assert.match(stray.stderr, /GLOVEBOX_TOKEN is not a token.*\(GBX_USAGE\)/);
    assert.doesNotMatch(stray.stderr, /file-token/, 'the token is not echoed');
  } finally {
    server.close();
  }
});

test('query with a session id and no SQL is a usage mistake, not SQL sent to the current session', async () => {
  const r = await run(['query', 'ses_0123456789abcdef'], { GLOVEBOX_URL: 'http://127.0.0.1:9' });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /no SQL: `glovebox query ses_0123456789abcdef "SQL"` \(GBX_USAGE\)/);
});

test('with --json a request denied by policy exits 3 and its document carries error.code', async () => {
  const denied = {
    id: 'ses_0123456789abcdef',
    status: 'denied',
    requester: 'carol',
    target: 'checkout-prod',
    actions: ['facts'],
    reason: 'carol tries',
    ticket: null,
    breakGlass: false,
    durationSec: 0,
    obligations: {
      maxDurationSec: 0,
      idleTimeoutSec: 0,
      approvals: 0,
      approverGroups: [],
      masking: 'strict',
    },
    policyVersion: 'sha256:x',
    determiningPolicies: [],
    digest: 'd',
    createdAt: 0,
    pendingExpiresAt: 0,
    activatedAt: null,
    expiresAt: null,
    lastActivityAt: null,
    endedAt: null,
    endReason: null,
    approvals: [],
    targetEnv: 'prod',
    allowed: {},
  };
  const server = createServer((_req, res) => {
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify(denied));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const home = mkdtempSync(join(tmpdir(), 'gbx-cli-run-'));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const child = spawn(
      process.execPath,
      [BIN, '--json', 'request', 'checkout-prod', '--actions', 'facts', '--reason', 'carol tries'],
      { env: { ...process.env, GLOVEBOX_HOME: home, GLOVEBOX_TOKEN: 'gbx_t_test', GLOVEBOX_URL: url } },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 3);
    const doc = JSON.parse(stdout) as { status: string; error?: { code: string } };
    assert.equal(doc.status, 'denied');
    assert.equal(doc.error?.code, 'GBX_POLICY_DENIED');
  } finally {
    server.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('a URL where no Glovebox gateway answers says so, not HTTP 404 (GBX_INTERNAL)', async () => {
  const server = createServer((_req, res) =>
    res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>nope</h1>'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const r = await run(['targets'], { GLOVEBOX_URL: url });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /answered HTTP 404 but not as a Glovebox gateway.*\(GBX_GATEWAY_UNREACHABLE\)/);
  } finally {
    server.close();
  }
});

test('lengths the API would refuse are usage mistakes, said in the CLI words, before anything is sent', async () => {
  // nothing listens on this port: a request would fail with GBX_GATEWAY_UNREACHABLE instead
  const env = { GLOVEBOX_URL: 'http://127.0.0.1:9' };
  const label = await run(['tokens', 'create', '--label', 'L'.repeat(101)], env);
  assert.equal(label.code, 2, label.stderr);
  assert.match(label.stderr, /--label must be at most 100 characters \(GBX_USAGE\)/);
  const ticket = await run(
    ['request', 'shop', '--actions', 'facts', '--reason', 'ticket length', '--ticket', 'T'.repeat(101)],
    env,
  );
  assert.equal(ticket.code, 2, ticket.stderr);
  assert.match(ticket.stderr, /--ticket must be at most 100 characters/);
  const home = mkdtempSync(join(tmpdir(), 'gbx-cli-run-'));
  try {
    const child = spawn(process.execPath, [BIN, 'users', 'add', 'erin', '--password-stdin'], {
      env: { ...process.env, ...env, GLOVEBOX_HOME: home, GLOVEBOX_TOKEN: 'gbx_t_test' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end('short\n');
    assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 2, stderr);
    assert.match(stderr, /the password on stdin must be at least 12 characters \(GBX_USAGE\)/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a failed login hints at the credentials, not at running login again', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ error: { code: 'GBX_AUTH_FAILED', message: 'invalid or expired credentials' } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const r = await run(['login', '--user', 'alice'], {
      GLOVEBOX_URL: url,
      GLOVEBOX_PASSWORD: 'wrong-password-1',
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /hint: check the user name and the password/);
    assert.doesNotMatch(r.stderr, /run `glovebox login`/);
  } finally {
    server.close();
  }
});

test("deny on one's own request says it was withdrawn; on another's, that it was denied", async () => {
  let endReason = 'withdrawn by requester';
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'ses_0123456789abcdef', requester: 'alice', target: 'shop', endReason }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const home = mkdtempSync(join(tmpdir(), 'gbx-cli-run-'));
  const deny = () =>
    new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'deny', 'ses_0123456789abcdef'], {
        env: { ...process.env, GLOVEBOX_HOME: home, GLOVEBOX_TOKEN: 'gbx_t_test', GLOVEBOX_URL: url },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('exit', () => resolve(stdout));
    });
  try {
    assert.match(await deny(), /^withdrew your request ses_0123456789abcdef on shop$/m);
    endReason = 'denied by approver';
    assert.match(await deny(), /^denied ses_0123456789abcdef \(alice on shop\)$/m);
  } finally {
    server.close();
    rmSync(home, { recursive: true, force: true });
  }
});
