import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { authenticator } from 'otplib';
import { AgentRuntime } from '@glovebox/agent';
import { buildServer } from './server.js';
import { apiClient } from './cluster/test-cluster.js';

const POLICIES = fileURLToPath(new URL('../../../examples/policies', import.meta.url));
const ADMIN = 'gbx_t_admin-bootstrap-token-mfa-enroll-0';
const PASSWORD = 'olivia-password-123';

/** A code for the next TOTP step: codes are single use, so a second check in one step is refused. */
const nextCode = (secret: string) => authenticator.clone({ epoch: Date.now() + 30_000 }).generate(secret);

async function setup(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-mfa-'));
  const gw = buildServer({
    dataDir: dir,
    policiesDir: POLICIES,
    bootstrapToken: ADMIN,
    port: 0,
    watchPolicies: false,
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
  });
  const url = await gw.listen();
  const api = apiClient(url);
  const created = await api('POST', '/users', ADMIN, {
    name: 'olivia',
    groups: ['engineers', 'oncall'],
    password: PASSWORD,
  });
  await api('POST', '/users', ADMIN, {
    name: 'bob',
    groups: ['engineers', 'sre-leads'],
    password: 'bob-password-1234',
  });
  const reg = await api('POST', '/agents', ADMIN, { name: 'svc-prod', env: 'prod' });
  const ran: string[] = [];
  const runtime = new AgentRuntime({
    url,
    token: reg.json.credential as string,
    gatewayKeys: reg.json.gatewayKeys as string[],
    modules: [
      {
        actions: {
          facts: async () => ({ result: { ok: true } }),
          query: async (params) => {
            ran.push(String((params as { sql?: unknown }).sql));
            return { result: { rows: [] } };
          },
        },
        endSession: async () => undefined,
        close: async () => undefined,
      },
    ],
    log: () => undefined,
  });
  await runtime.start();
  t.after(async () => {
    await runtime.stop();
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const login = async (otp?: string) =>
    api('POST', '/auth/login', null, { user: 'olivia', password: PASSWORD, ...(otp ? { otp } : {}) });
  const breakGlass = (token: string) =>
    api('POST', '/requests', token, {
      target: 'svc-prod',
      actions: ['facts'],
      reason: 'INC-99 payments are down',
      breakGlass: true,
    });
  /** A login of olivia that passed step-up: ticket, enroll, confirm, then a login with a code. */
  const steppedUp = async (): Promise<string> => {
    const first = (await login()).json.token as string;
    const ticket = (created.json.enrollmentTicket as { ticket: string }).ticket;
    const secret = (await api('POST', '/mfa/enroll', first, { ticket })).json.secret as string;
    await api('POST', '/mfa/verify', first, { code: authenticator.generate(secret) });
    return (await login(nextCode(secret))).json.token as string;
  };
  const bob = async () =>
    (await api('POST', '/auth/login', null, { user: 'bob', password: 'bob-password-1234' })).json
      .token as string;
  return { gw, api, login, breakGlass, created: created.json, steppedUp, bob, ran };
}

type Api = Awaited<ReturnType<typeof setup>>['api'];
const auditOf = async (api: Api, type: string) =>
  (
    (await api('GET', '/audit?limit=1000', ADMIN)).json.events as {
      type: string;
      outcome: string;
      event: { details?: { via?: string } };
    }[]
  ).filter((e) => e.type === type);

const code = (r: { json: Record<string, unknown> }) => (r.json.error as { code: string } | undefined)?.code;

test('attack: with only a password, enrolling TOTP does not open a production break-glass session', async (t) => {
  const { api, login, breakGlass } = await setup(t);
  const token = (await login()).json.token as string;
  const enroll = await api('POST', '/mfa/enroll', token, {});
  assert.equal(enroll.status, 403, 'no first factor without an enrollment ticket');
  assert.equal(code(enroll), 'GBX_MFA_TICKET_REQUIRED');
  const bg = await breakGlass(token);
  assert.equal(code(bg), 'GBX_STEP_UP_REQUIRED', 'the login proved no second factor');
});

test('a ticket enrolls the first factor once; it counts for step-up only in a later login', async (t) => {
  const { api, login, breakGlass, created } = await setup(t);
  const ticket = (created.enrollmentTicket as { ticket: string }).ticket;
  const token = (await login()).json.token as string;
  const enroll = await api('POST', '/mfa/enroll', token, { ticket });
  assert.equal(enroll.status, 200);
  const secret = enroll.json.secret as string;
  const again = await api('POST', '/mfa/enroll', token, { ticket });
  assert.equal(code(again), 'GBX_MFA_TICKET_REQUIRED', 'the ticket is single use');
  const confirm = await api('POST', '/mfa/verify', token, { code: authenticator.generate(secret) });
  assert.equal(confirm.status, 200);
  assert.equal(confirm.json.enrolled, true);
  assert.equal(code(await breakGlass(token)), 'GBX_STEP_UP_REQUIRED', 'enrolling is not a step-up');
  const reverify = await api('POST', '/mfa/verify', token, { code: nextCode(secret) });
  assert.equal(code(reverify), 'GBX_MFA_SAME_LOGIN', 'nor is checking the new factor in the same login');
  assert.equal(code(await breakGlass(token)), 'GBX_STEP_UP_REQUIRED');

  assert.equal(code(await login()), 'GBX_AUTH_MFA_REQUIRED');
  const fresh = (await login(nextCode(secret))).json.token as string;
  const bg = await breakGlass(fresh);
  assert.equal(bg.status, 201, JSON.stringify(bg.json));
  assert.equal(bg.json.status, 'active');

  const events = await auditOf(api, 'auth.mfa_enrolled');
  assert.ok(
    events.some((e) => e.outcome === 'pending' && e.event.details?.via === 'ticket'),
    'started',
  );
  assert.ok(
    events.some((e) => e.outcome === 'success'),
    'and confirmed, audited',
  );
});

test('adding a factor needs a fresh check of an existing one; reset-mfa removes all and issues a ticket', async (t) => {
  const { api, login, created } = await setup(t);
  const ticket = (created.enrollmentTicket as { ticket: string }).ticket;
  const first = (await login()).json.token as string;
  const secret = (await api('POST', '/mfa/enroll', first, { ticket })).json.secret as string;
  await api('POST', '/mfa/verify', first, { code: authenticator.generate(secret) });
  const keyOptions = await api('POST', '/mfa/webauthn/register/options', first, {});
  assert.equal(code(keyOptions), 'GBX_STEP_UP_REQUIRED', 'the TOTP enrolled in this login does not count');

  const second = (await login(nextCode(secret))).json.token as string;
  assert.equal((await api('POST', '/mfa/webauthn/register/options', second, {})).status, 200);
  const replace = await api('POST', '/mfa/enroll', second, {});
  assert.equal(replace.status, 200, 'a fresh check with the existing factor allows a new one');

  const reset = await api('POST', '/users/olivia/reset-mfa', ADMIN, {});
  assert.equal(reset.status, 200);
  assert.match((reset.json.enrollmentTicket as { ticket: string }).ticket, /^gbx_e_/);
  const third = await login();
  assert.equal(third.status, 200, 'no factor is left, so the password logs in');
  const users = await api('GET', '/users', ADMIN);
  assert.deepEqual(
    (users.json.users as { name: string; mfaEnrolled: boolean }[]).find((u) => u.name === 'olivia')
      ?.mfaEnrolled,
    false,
  );
  assert.equal((await auditOf(api, 'auth.mfa_removed')).length, 1);
});

test('attack: an approval for SELECT count(*) does not let the session run DELETE or UPDATE', async (t) => {
  const { api, steppedUp, bob, ran } = await setup(t);
  const olivia = await steppedUp();
  const request = await api('POST', '/requests', olivia, {
    target: 'svc-prod',
    actions: ['query'],
    reason: 'INC-7 count the orders',
    scope: { sql: ['SELECT count(*) FROM orders'] },
  });
  assert.equal(request.json.status, 'pending', JSON.stringify(request.json));
  assert.deepEqual(request.json.scope, { sql: ['SELECT count(*) FROM orders'] }, 'the approver sees it');
  const id = request.json.id as string;
  const approval = await api('POST', `/requests/${id}/approve`, await bob(), {
    digest: request.json.digest,
  });
  assert.equal(approval.json.status, 'active', JSON.stringify(approval.json));
  const query = (sql: string) => api('POST', `/sessions/${id}/actions/query`, olivia, { params: { sql } });
  assert.equal((await query('SELECT count(*) FROM orders')).status, 200);
  for (const sql of [
    'DELETE FROM orders WHERE id = 1',
    "UPDATE orders SET note = 'x' WHERE id = 1",
    'SELECT * FROM orders',
  ]) {
    const refused = await query(sql);
    assert.equal(code(refused), 'GBX_ACTION_NOT_GRANTED', sql);
  }
  assert.deepEqual(ran, ['SELECT count(*) FROM orders'], 'nothing outside the approval reached the agent');
});

test('an approved request that names no statement covers reads only', async (t) => {
  const { api, steppedUp, bob, ran } = await setup(t);
  const olivia = await steppedUp();
  const request = await api('POST', '/requests', olivia, {
    target: 'svc-prod',
    actions: ['query'],
    reason: 'INC-8 look at orders',
  });
  assert.deepEqual(request.json.scope, { class: 'read' });
  const id = request.json.id as string;
  await api('POST', `/requests/${id}/approve`, await bob(), { digest: request.json.digest });
  const query = (sql: string) => api('POST', `/sessions/${id}/actions/query`, olivia, { params: { sql } });
  assert.equal((await query('SELECT id FROM orders')).status, 200);
  assert.equal(code(await query('DELETE FROM orders WHERE id = 1')), 'GBX_ACTION_NOT_GRANTED');
  assert.deepEqual(ran, ['SELECT id FROM orders']);
});

test("attack: approving or denying someone else's request answers exactly like a missing one", async (t) => {
  const { api, steppedUp } = await setup(t);
  const olivia = await steppedUp();
  const request = await api('POST', '/requests', olivia, {
    target: 'svc-prod',
    actions: ['facts'],
    reason: 'INC-9 look around',
  });
  assert.equal(request.json.status, 'pending');
  await api('POST', '/users', ADMIN, { name: 'dave', groups: ['engineers'], password: 'dave-password-123' });
  const dave = (await api('POST', '/auth/login', null, { user: 'dave', password: 'dave-password-123' })).json
    .token as string;
  for (const verb of ['approve', 'deny']) {
    const theirs = await api('POST', `/requests/${request.json.id as string}/${verb}`, dave, {
      digest: request.json.digest,
    });
    const missing = await api('POST', `/requests/ses_doesnotexist00/${verb}`, dave, {
      digest: request.json.digest,
    });
    assert.deepEqual([theirs.status, theirs.json], [missing.status, missing.json], verb);
    assert.equal(code(theirs), 'GBX_NOT_FOUND');
  }
});
