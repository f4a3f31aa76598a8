import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GATEWAY = fileURLToPath(new URL('./main.js', import.meta.url));
const POLICIES = fileURLToPath(new URL('../../../examples/policies', import.meta.url));

test('a --config the gateway cannot read or parse is GBX_CONFIG_INVALID (exit 2), without echoing the file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-gw-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, 'listen: "127.0.0.1:7461\nmasterKey: not-for-the-terminal-0123456789\n');
  for (const [config, message] of [
    [
      join(dir, 'missing.yaml'),
      /^glovebox server: GBX_CONFIG_INVALID: cannot read configuration file .*missing\.yaml/,
    ],
    [dir, /^glovebox server: GBX_CONFIG_INVALID: cannot read configuration file /],
    [broken, /^glovebox server: GBX_CONFIG_INVALID: .*broken\.yaml: not valid YAML \(line \d+\)\n$/],
  ] as const) {
    const r = spawnSync(process.execPath, [GATEWAY, '--config', config, '--data', join(dir, 'data')], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /not-for-the-terminal/);
  }
});

test('a policy directory that does not exist is GBX_CONFIG_INVALID (exit 2), not a crash in the watcher', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-gw-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync(
    process.execPath,
    [GATEWAY, '--policies', join(dir, 'policies'), '--data', join(dir, 'data'), '--listen', '127.0.0.1:0'],
    { encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /GBX_CONFIG_INVALID: the policy directory .*policies is not a directory/);
});

test('an unknown GLOVEBOX_LOG_LEVEL is GBX_CONFIG_INVALID (exit 2) naming the levels', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-gw-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync(
    process.execPath,
    [GATEWAY, '--policies', POLICIES, '--data', join(dir, 'data'), '--listen', '127.0.0.1:0'],
    { encoding: 'utf8', timeout: 20_000, env: { ...process.env, GLOVEBOX_LOG_LEVEL: 'verbose' } },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    /GBX_CONFIG_INVALID: GLOVEBOX_LOG_LEVEL must be one of fatal, error, warn, info, debug, silent/,
  );
});

test('a log pipe whose reader went away (`| head`) neither crashes the gateway nor keeps SIGTERM from stopping it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-gw-pipe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [GATEWAY, '--policies', POLICIES, '--data', join(dir, 'data'), '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // The reader closes before the gateway writes a line: every log write fails with EPIPE.
  child.stdout.destroy();
  child.stderr.destroy();
  let up = false;
  for (let i = 0; i < 300 && !up && child.exitCode === null; i++) {
    up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (!up) await sleep(100);
  }
  assert.ok(up, `the gateway never served (exit code ${child.exitCode})`);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

test('an unreachable PostgreSQL at start is GBX_STORE_UNAVAILABLE (exit 1) naming host:port, never the password', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-gw-pg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync(
    process.execPath,
    [
      GATEWAY,
      ...['--policies', POLICIES, '--data', join(dir, 'data')],
      ...['--store', 'postgres://nouser:pw-not-for-the-log@127.0.0.1:1/x'],
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /^glovebox server: GBX_STORE_UNAVAILABLE: cannot connect to PostgreSQL at 127\.0\.0\.1:1: .*ECONNREFUSED/,
  );
  assert.doesNotMatch(r.stderr, /pw-not-for-the-log/);
});
