import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, deploy, enrollTotp, type StoreKind } from './harness.js';

const PASSWORD = 'olivia-password-123';
const codeOf = (r: { stdout: string }) => (JSON.parse(r.stdout) as { error?: { code: string } }).error?.code;

for (const store of ['sqlite', 'postgres'] as StoreKind[]) {
  test(
    `attack: guesses spread over two gateway processes on ${store} share one limit (CLI)`,
    { timeout: 180_000 },
    async () => {
      const d = await deploy(store);
      try {
        const replica = await d.startReplica('b');
        const added = await cli(
          ['users', 'add', 'olivia', '--groups', 'engineers', '--password-stdin', '--json'],
          d.adminEnv,
          `${PASSWORD}\n`,
        );
        assert.equal(added.code, 0, added.stderr);
        const on = (i: number) => ({ ...d.userEnv('mallory'), GLOVEBOX_URL: i % 2 ? replica : d.url });
        const logins: (string | undefined)[] = [];
        for (let i = 0; i < 7; i++) {
          const guess = ['login', '--user', 'olivia', '--password-stdin', '--json'];
          logins.push(codeOf(await cli(guess, on(i), 'wrong-password-1\n')));
        }
        assert.deepEqual(logins, [
          ...Array(5).fill('GBX_AUTH_FAILED'),
          'GBX_RATE_LIMITED',
          'GBX_RATE_LIMITED',
        ]);

        // A stolen password of a user with TOTP: the second-factor guesses are limited across both.
        const env = await d.addUser('victor', ['engineers'], 'victor-password-12');
        await enrollTotp(d.adminEnv, env, 'victor', 'victor-password-12');
        const verifies: (string | undefined)[] = [];
        for (let i = 0; i < 7; i++) {
          const r = await cli(['mfa', 'verify', '000000', '--json'], {
            ...env,
            GLOVEBOX_URL: i % 2 ? replica : d.url,
          });
          verifies.push(codeOf(r));
        }
        assert.deepEqual(verifies, [
          ...Array(5).fill('GBX_MFA_INVALID'),
          'GBX_RATE_LIMITED',
          'GBX_RATE_LIMITED',
        ]);
      } finally {
        await d.stop();
      }
    },
  );
}
