import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildServer, type Gateway } from './server.js';
import { CLUSTER_ADMIN, CLUSTER_POLICIES } from './cluster/test-cluster.js';
import { scryptWork } from './services/secrets.js';

const PASSWORD = 'olivia-password-123';

async function gateway(t: TestContext): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-passwords-'));
  const gw = buildServer({
    dataDir: dir,
    policiesDir: CLUSTER_POLICIES,
    bootstrapToken: CLUSTER_ADMIN,
    watchPolicies: false,
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
  });
  await gw.ready();
  t.after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return gw;
}

const login = (gw: Gateway, user: string, password: string) =>
  gw.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { user, password } });

/** A hash in the stored format with chosen scrypt parameters (what older gateways wrote). */
function hashWith(password: string, N: number): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', N, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

const costOf = (hash: string | null) => Number(hash?.split('$')[1]);

test("attack: a password pasted into a failed login's user field never reaches the audit trail", async (t) => {
  const gw = await gateway(t);
  await gw.services.identity.createUser('olivia', ['engineers'], PASSWORD);
  // the last one is a password shaped like a user name
  for (const user of ['Correct-Horse-Battery-9!', 'olivia@example.com', 'olivia', 'summer2026secret'])
    assert.equal((await login(gw, user, 'guessed-password-1')).statusCode, 401);
  const rows = await gw.services.store.queryAudit({ type: 'auth.login_failed', limit: 10 });
  const trail = rows.map((r) => r.event).join('\n');
  assert.ok(!trail.includes('Correct-Horse-Battery-9!'), 'the pasted password is not in the trail');
  assert.ok(!trail.includes('olivia@example.com'), 'nor an e-mail address');
  assert.ok(!trail.includes('summer2026secret'), 'nor a password that looks like a name');
  assert.ok(trail.includes('"olivia"'), 'a user that exists is named: guessing at her password shows');
  assert.equal(
    rows.filter((r) => r.event.includes('"[unknown user]"') && r.event.includes('"source"')).length,
    1,
    'a name no user has is recorded as unknown, with the source address',
  );
});

test('new password hashes cost scrypt N = 2^17 or more', async (t) => {
  const gw = await gateway(t);
  const user = await gw.services.identity.createUser('olivia', ['engineers'], PASSWORD);
  assert.ok(costOf(user.passwordHash) >= 2 ** 17, `N = ${costOf(user.passwordHash)}`);
});

test('an older hash is rehashed at the next successful login, and not by a failed one', async (t) => {
  const gw = await gateway(t);
  const { store, identity } = gw.services;
  const user = await identity.createUser('olivia', ['engineers'], PASSWORD);
  const old = hashWith(PASSWORD, 2 ** 15);
  assert.equal(await store.replacePasswordHash(user.id, user.passwordHash!, old), true);
  assert.equal((await login(gw, 'olivia', 'wrong-password-12')).statusCode, 401);
  assert.equal((await store.getUserById(user.id))?.passwordHash, old, 'a failed login changes nothing');
  assert.equal((await login(gw, 'olivia', PASSWORD)).statusCode, 200, 'the old hash still verifies');
  const now = (await store.getUserById(user.id))?.passwordHash ?? null;
  assert.ok(costOf(now) >= 2 ** 17, `rehashed to N = ${costOf(now)}`);
  assert.equal((await login(gw, 'olivia', PASSWORD)).statusCode, 200, 'and the new one verifies');
});

test('attack: a stored hash with hostile parameters is refused without computing it', async (t) => {
  const gw = await gateway(t);
  const { store, identity } = gw.services;
  const user = await identity.createUser('olivia', ['engineers'], PASSWORD);
  const salt = randomBytes(16).toString('base64url');
  for (const hostile of [`scrypt$${2 ** 24}$8$1$${salt}$AAAA`, `scrypt$16384$64$16$${salt}$AAAA`]) {
    const current = (await store.getUserById(user.id))!.passwordHash!;
    await store.replacePasswordHash(user.id, current, hostile);
    const res = await login(gw, 'olivia', PASSWORD);
    assert.equal(res.json<{ error: { code: string } }>().error.code, 'GBX_AUTH_FAILED', hostile);
  }
});

test('attack: a failed login costs one scrypt at today’s parameters whoever it names (no enumeration by timing)', async (t) => {
  const gw = await gateway(t);
  const { store, identity } = gw.services;
  const current = await identity.createUser('olivia', ['engineers'], PASSWORD);
  const older = await identity.createUser('oscar', ['engineers'], PASSWORD);
  await store.replacePasswordHash(older.id, older.passwordHash!, hashWith(PASSWORD, 2 ** 14));
  const disabled = await identity.createUser('dora', ['engineers'], PASSWORD);
  await store.setUserDisabled(disabled.id, true);
  await identity.createUser('sso-only', ['engineers'], null);
  const broken = await identity.createUser('mona', ['engineers'], PASSWORD);
  await store.replacePasswordHash(broken.id, broken.passwordHash!, `scrypt$${2 ** 24}$8$1$AAAA$AAAA`);
  assert.ok(current.passwordHash);
  await login(gw, 'nobody', 'warm-the-decoy-1'); // the decoy hash is made once per process

  // Counted, not timed: scrypt's work grows with N, so every check must add up to the N of the
  // unknown name's decoy check, 2^17 (an older hash: its own N, then checks against nothing).
  const work: number[] = [];
  scryptWork.observer = (N) => work.push(N);
  t.after(() => (scryptWork.observer = null));
  for (const name of ['nobody', 'Not A Name!', 'olivia', 'oscar', 'dora', 'sso-only', 'mona']) {
    work.length = 0;
    assert.equal((await login(gw, name, 'wrong-password-12')).statusCode, 401, name);
    const total = work.reduce((a, b) => a + b, 0);
    assert.equal(total, 2 ** 17, `${name}: ${JSON.stringify(work)}`);
  }
  work.length = 0;
  assert.equal((await login(gw, 'oscar', PASSWORD)).statusCode, 200, 'the older hash still verifies');
  assert.deepEqual(work, [2 ** 14, 2 ** 14, 2 ** 15, 2 ** 16, 2 ** 17], 'then is rehashed at 2^17');
});
