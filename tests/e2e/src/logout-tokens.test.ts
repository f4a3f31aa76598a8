import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, deploy, type StoreKind } from './harness.js';

const codeOf = (r: { stdout: string }) => (JSON.parse(r.stdout) as { error?: { code: string } }).error?.code;
/** What a failed step printed, so that a failure in CI says why. */
const printed = (r: { code: number; stdout: string; stderr: string }) =>
  `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

for (const store of ['sqlite', 'postgres'] as StoreKind[]) {
  test(
    `attack: a login and the tokens minted from it outlive glovebox logout, through the CLI on ${store}`,
    { timeout: 180_000 },
    async () => {
      const d = await deploy(store);
      try {
        const olivia = await d.addUser('olivia', ['engineers']);
        const minted = await cli(['tokens', 'create', '--ttl', '1h', '--json'], olivia);
        assert.equal(minted.code, 0, printed(minted));
        const script = { ...d.userEnv('script'), GLOVEBOX_TOKEN: minted.json<{ token: string }>().token };
        const before = await cli(['whoami', '--json'], script);
        assert.equal(before.code, 0, printed(before));

        const logout = await cli(['logout', '--json'], olivia);
        assert.equal(logout.code, 0, printed(logout));
        const after = await cli(['whoami', '--json'], script);
        assert.equal(
          codeOf(after),
          'GBX_AUTH_FAILED',
          `the minted token ends with the login\n${printed(after)}`,
        );
        const audit = await cli(['audit', '--type', 'auth.logout', '--json'], d.adminEnv);
        assert.match(audit.stdout, /"tokensRevoked": 1/, printed(audit));
      } finally {
        await d.stop();
      }
    },
  );
}
