import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, deploy, type StoreKind } from './harness.js';

const PASSWORD = 'olivia-password-123';
const codeOf = (r: { stdout: string }) => (JSON.parse(r.stdout) as { error?: { code: string } }).error?.code;
/** What a failed step printed, so that a failure in CI says why. */
const printed = (r: { code: number; stdout: string; stderr: string }) =>
  `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
async function refusedWith(
  r: Promise<{ code: number; stdout: string; stderr: string }>,
  code: string,
  what = '',
) {
  const out = await r;
  assert.equal(codeOf(out), code, `${what}\n${printed(out)}`);
}

for (const store of ['sqlite', 'postgres'] as StoreKind[]) {
  test(
    `tokens bounded by policy, users disable|enable and agents rotate|revoke through the CLI on ${store}`,
    { timeout: 180_000 },
    async () => {
      const d = await deploy(store);
      try {
        const admin = d.adminEnv;
        const olivia = await d.addUser('olivia', ['engineers'], PASSWORD);
        const login = () => cli(['login', '--user', 'olivia', '--password-stdin'], olivia, `${PASSWORD}\n`);
        const minted = await cli(['tokens', 'create', '--ttl', '30d', '--json'], olivia);
        assert.equal(minted.code, 0, printed(minted));
        const token = minted.json<{ token: string; limitedBy: string; expiresAt: number }>();
        assert.equal(token.limitedBy, 'login', 'a 30-day token from an 8-hour login ends with the login');
        const script = { ...d.userEnv('script'), GLOVEBOX_TOKEN: token.token };
        const scripted = await cli(['whoami', '--json'], script);
        assert.equal(scripted.code, 0, printed(scripted));

        const disabled = await cli(['users', 'disable', 'olivia', '--json'], admin);
        assert.equal(disabled.code, 0, printed(disabled));
        assert.equal(disabled.json<{ tokensRevoked: number }>().tokensRevoked, 2, printed(disabled));
        await refusedWith(cli(['whoami', '--json'], script), 'GBX_AUTH_FAILED', 'the minted token');
        await refusedWith(cli(['whoami', '--json'], olivia), 'GBX_AUTH_FAILED', 'the login');
        const enabled = await cli(['users', 'enable', 'olivia', '--json'], admin);
        assert.equal(enabled.code, 0, printed(enabled));
        await refusedWith(cli(['whoami', '--json'], script), 'GBX_AUTH_FAILED', 'old tokens stay revoked');
        const again = await login();
        assert.equal(again.code, 0, printed(again));

        const registered = await cli(['agents', 'register', 'svc', '--env', 'staging', '--json'], admin);
        assert.equal(registered.code, 0, printed(registered));
        const credential = registered.json<{ credential: string }>().credential;
        const rotated = await cli(['agents', 'rotate', 'svc', '--json'], admin);
        assert.equal(rotated.code, 0, printed(rotated));
        assert.notEqual(rotated.json<{ credential: string }>().credential, credential);
        const revoked = await cli(['agents', 'revoke', 'svc', '--json'], admin);
        assert.deepEqual(revoked.json(), { agent: 'svc', sessionsClosed: 0 }, printed(revoked));
        await refusedWith(cli(['agents', 'rotate', 'svc', '--json'], admin), 'GBX_NOT_FOUND');
      } finally {
        await d.stop();
      }
    },
  );
}
