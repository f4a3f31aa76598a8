import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, deploy, type StoreKind } from './harness.js';

const PASSWORD = 'olivia-password-123';
const codeOf = (r: { stdout: string }) => (JSON.parse(r.stdout) as { error?: { code: string } }).error?.code;

for (const store of ['sqlite', 'postgres'] as StoreKind[]) {
  test(
    `tokens bounded by policy, users disable|enable and agents rotate|revoke through the CLI on ${store}`,
    { timeout: 180_000 },
    async () => {
      const d = await deploy(store);
      try {
        const admin = d.adminEnv;
        const olivia = d.userEnv('olivia');
        await cli(
          ['users', 'add', 'olivia', '--groups', 'engineers', '--password-stdin'],
          admin,
          `${PASSWORD}\n`,
        );
        assert.equal(
          (await cli(['login', '--user', 'olivia', '--password-stdin'], olivia, `${PASSWORD}\n`)).code,
          0,
        );
        const minted = await cli(['tokens', 'create', '--ttl', '30d', '--json'], olivia);
        assert.equal(minted.code, 0, minted.stderr);
        const token = minted.json<{ token: string; limitedBy: string; expiresAt: number }>();
        assert.equal(token.limitedBy, 'login', 'a 30-day token from an 8-hour login ends with the login');
        const script = { ...d.userEnv('script'), GLOVEBOX_TOKEN: token.token };
        assert.equal((await cli(['whoami', '--json'], script)).code, 0);

        const disabled = await cli(['users', 'disable', 'olivia', '--json'], admin);
        assert.equal(disabled.code, 0, disabled.stderr);
        assert.equal(disabled.json<{ tokensRevoked: number }>().tokensRevoked, 2);
        assert.equal(codeOf(await cli(['whoami', '--json'], script)), 'GBX_AUTH_FAILED');
        assert.equal(codeOf(await cli(['whoami', '--json'], olivia)), 'GBX_AUTH_FAILED');
        assert.equal((await cli(['users', 'enable', 'olivia', '--json'], admin)).code, 0);
        assert.equal(
          codeOf(await cli(['whoami', '--json'], script)),
          'GBX_AUTH_FAILED',
          'old tokens stay revoked',
        );
        assert.equal(
          (await cli(['login', '--user', 'olivia', '--password-stdin'], olivia, `${PASSWORD}\n`)).code,
          0,
        );

        const registered = await cli(['agents', 'register', 'svc', '--env', 'staging', '--json'], admin);
        const first = registered.json<{ credential: string }>().credential;
        const rotated = await cli(['agents', 'rotate', 'svc', '--json'], admin);
        assert.equal(rotated.code, 0, rotated.stderr);
        assert.notEqual(rotated.json<{ credential: string }>().credential, first);
        const revoked = await cli(['agents', 'revoke', 'svc', '--json'], admin);
        assert.deepEqual(revoked.json(), { agent: 'svc', sessionsClosed: 0 });
        assert.equal(codeOf(await cli(['agents', 'rotate', 'svc', '--json'], admin)), 'GBX_NOT_FOUND');
      } finally {
        await d.stop();
      }
    },
  );
}
