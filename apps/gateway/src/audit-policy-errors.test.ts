import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { buildServer } from './server.js';

const POLICIES = fileURLToPath(new URL('../../../examples/policies', import.meta.url));
const ADMIN = 'gbx_t_admin-bootstrap-token-policy-errors';

// Integer overflow at evaluation time: Cedar skips the policy; our engine denies and says why.
const ERRORING_FORBID = `@id("overflowing-forbid") @reason("never reached")
forbid (principal, action == Glovebox::Action::"facts", resource)
when { (context.weekday + 1) + 9223372036854775807 > 0 };`;

test('a deny that came from a policy evaluation error says so in its audit event', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-policy-errors-'));
  const policies = join(dir, 'policies');
  cpSync(POLICIES, policies, { recursive: true });
  writeFileSync(join(policies, 'zz-erroring.cedar'), ERRORING_FORBID);
  const gw = buildServer({
    dataDir: join(dir, 'data'),
    policiesDir: policies,
    bootstrapToken: ADMIN,
    watchPolicies: false,
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
  });
  await gw.ready();
  t.after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = { authorization: `Bearer ${ADMIN}` };
  const call = (
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = admin,
  ) => gw.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  assert.equal(
    (await call('POST', '/users', { name: 'alice', groups: ['engineers'], password: 'alice-password-123' }))
      .statusCode,
    201,
  );
  assert.equal((await call('POST', '/agents', { name: 'svc', env: 'staging' })).statusCode, 201);
  const login = await call('POST', '/auth/login', { user: 'alice', password: 'alice-password-123' }, {});
  const alice = { authorization: `Bearer ${login.json<{ token: string }>().token}` };
  const refused = await call(
    'POST',
    '/requests',
    { target: 'svc', actions: ['facts'], reason: 'checking the policy error path' },
    alice,
  );
  assert.equal(refused.json<{ status: string }>().status, 'denied', refused.body);

  const listed = await call('GET', '/audit?limit=1000');
  const denials = listed
    .json<{ events: { type: string; event: { decision?: { allowed: boolean; errors?: string[] } } }[] }>()
    .events.filter((e) => e.event.decision?.allowed === false);
  assert.ok(denials.length > 0, 'the refusal is audited');
  for (const denial of denials) {
    assert.match(
      denial.event.decision?.errors?.join('\n') ?? '',
      /overflowing-forbid.*failed to evaluate/,
      `${denial.type} says the deny came from an evaluation error`,
    );
  }
});
