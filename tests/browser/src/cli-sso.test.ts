// `glovebox login --sso`: the real CLI runs the device flow against a gateway whose identity
// provider is a real oidc-provider; the person confirms the code at the provider.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer } from '@glovebox/gateway';
import { approveDevice, startTestIdp } from '@glovebox/gateway/testing/oidc-provider';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('an engineer logs in with SSO from the CLI (device flow)', async (t) => {
  const idp = await startTestIdp(['http://127.0.0.1/unused']);
  idp.accounts.set('erin', { groups: ['idp-engineers'] });
  const dir = mkdtempSync(join(tmpdir(), 'gbx-cli-sso-'));
  const gw = buildServer({
    dataDir: join(dir, 'data'),
    policiesDir: join(ROOT, 'examples/policies'),
    bootstrapToken: 'gbx_t_admin-bootstrap-token-for-cli-sso-000',
    watchPolicies: false,
    logLevel: 'silent',
    port: 0,
    oidc: {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      groupMapping: { 'idp-engineers': ['engineers'] },
    },
  });
  const url = await gw.listen();
  t.after(async () => {
    await gw.close();
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const home = join(dir, 'home');
  const child = spawn(process.execPath, [join(ROOT, 'apps/cli/dist/main.js'), 'login', '--sso', '--json'], {
    env: { PATH: process.env.PATH ?? '', GLOVEBOX_URL: url, GLOVEBOX_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const link = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /open (\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('close', () => reject(new Error(`the CLI exited early: ${stderr}`)));
  });
  assert.match(stderr, /confirm the code [A-Z-]+/);
  await approveDevice(link, 'erin');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout) as { user: string; groups: string[]; method: string };
  assert.deepEqual([result.user, result.groups, result.method], ['erin', ['engineers'], 'sso']);
  const saved = JSON.parse(readFileSync(join(home, 'credentials.json'), 'utf8')) as { token: string };
  const whoami = await fetch(`${url}/api/v1/whoami`, { headers: { authorization: `Bearer ${saved.token}` } });
  assert.equal(((await whoami.json()) as { user: string }).user, 'erin');
});
