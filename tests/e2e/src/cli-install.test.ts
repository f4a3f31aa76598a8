// The installable CLI: packed from the repository, installed into a fresh prefix, and run from outside
// the repository as an engineer's `glovebox` on PATH, against a real gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deploy, ROOT } from './harness.js';

function run(
  bin: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  input = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

test(
  'npm pack + npm install -g gives a working glovebox outside the repository',
  { timeout: 300_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'gbx-install-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const packed = execFileSync(process.execPath, [join(ROOT, 'apps/cli/scripts/pack.mjs'), '--out', dir], {
      encoding: 'utf8',
    });
    const tarball = packed.trim().split(/\s+/)[0]!;
    assert.match(tarball, /glovebox-cli-\d+\.\d+\.\d+\.tgz$/, 'a scoped package: @glovebox/cli');
    const prefix = join(dir, 'prefix');
    // The third-party packages it installs are the ones `npm ci` put in the cache.
    execFileSync(
      'npm',
      ['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'],
      {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const bin = join(prefix, 'bin', 'glovebox');
    const installed = JSON.parse(
      readFileSync(join(prefix, 'lib/node_modules/@glovebox/cli/package.json'), 'utf8'),
    ) as { name: string; dependencies: Record<string, string> };
    assert.equal(installed.name, '@glovebox/cli');
    assert.deepEqual(
      Object.keys(installed.dependencies).filter((name) => name.startsWith('@glovebox/')),
      [],
      'none of our packages is fetched from a registry',
    );
    // Outside the repository: another working directory, no NODE_PATH, only the prefix and the system on PATH.
    const cwd = mkdtempSync(join(tmpdir(), 'gbx-elsewhere-'));
    t.after(() => rmSync(cwd, { recursive: true, force: true }));
    const PATH = `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`;

    const version = await run('glovebox', ['--version'], { PATH }, cwd);
    assert.equal(version.code, 0, version.stderr);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'apps/cli/package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout.trim(), pkg.version);

    const d = await deploy('sqlite');
    t.after(() => d.stop());
    const env = { PATH, GLOVEBOX_URL: d.url, GLOVEBOX_HOME: join(cwd, 'home') };
    const added = await run(
      bin,
      ['users', 'add', 'erin', '--groups', 'engineers', '--password-stdin'],
      { ...env, GLOVEBOX_TOKEN: d.adminEnv.GLOVEBOX_TOKEN! },
      cwd,
      'erin-password-123\n',
    );
    assert.equal(added.code, 0, added.stderr);
    const login = await run(
      bin,
      ['login', '--user', 'erin', '--password-stdin'],
      env,
      cwd,
      'erin-password-123\n',
    );
    assert.equal(login.code, 0, login.stderr);
    const me = await run(bin, ['whoami', '--json'], env, cwd);
    assert.equal(me.code, 0, me.stderr);
    assert.equal((JSON.parse(me.stdout) as { user: string }).user, 'erin');
    const sessions = await run(bin, ['sessions', '-o', 'yaml'], env, cwd);
    assert.equal(sessions.code, 0, sessions.stderr);
    assert.equal(sessions.stdout.trim(), '[]');

    const policy = await run(
      bin,
      ['policy', 'validate', join(ROOT, 'examples/policies'), '--json'],
      { PATH },
      cwd,
    );
    assert.equal(policy.code, 0, policy.stderr);
    assert.equal(
      (JSON.parse(policy.stdout) as { ok: boolean }).ok,
      true,
      'the policy engine (WebAssembly) loads',
    );
    const redacted = await run(bin, ['redact'], { PATH }, cwd, 'mail jane.doe@example.com\n');
    assert.doesNotMatch(redacted.stdout, /jane\.doe@example\.com/);
    const agent = await run(bin, ['agent', '--config', join(cwd, 'missing.yaml')], { PATH }, cwd);
    assert.equal(agent.code, 1);
    assert.match(
      agent.stderr,
      /GBX_CONFIG_INVALID/,
      'the standalone agent loads and reads its configuration',
    );
    const server = await run(bin, ['server', '--json'], { PATH }, cwd);
    assert.equal(server.code, 1);
    assert.equal(
      (JSON.parse(server.stdout) as { error: { code: string } }).error.code,
      'GBX_COMPONENT_NOT_INSTALLED',
    );
  },
);
