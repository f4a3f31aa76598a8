import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { authenticator } from 'otplib';
import { CLUSTER_ADMIN, singleGateway } from './cluster/test-cluster.js';

const PASSWORD = 'olivia-password-123';

interface Delivery {
  event: string | undefined;
  body: Record<string, unknown>;
}

/** A webhook receiver on loopback: what it was sent, by path. */
async function receiver(t: TestContext): Promise<{ url: string; got: Map<string, Delivery[]> }> {
  const got = new Map<string, Delivery[]>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const list = got.get(req.url ?? '') ?? [];
      list.push({ event: req.headers['x-glovebox-event'] as string | undefined, body: JSON.parse(body) });
      got.set(req.url ?? '', list);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await sleep(25);
  }
  throw new Error(`never: ${what}`);
}

test('attack: enrolling and removing a second factor reach no webhook, only the audit trail', async (t) => {
  const hooks = await receiver(t);
  const { api } = await singleGateway(t, {
    webhooks: [
      { url: `${hooks.url}/security`, format: 'json', events: ['mfa.enrolled', 'mfa.removed'] },
      { url: `${hooks.url}/slack`, format: 'slack' },
      { url: `${hooks.url}/requests-only`, format: 'json', events: ['request.created'] },
    ],
  });
  const created = await api('POST', '/users', CLUSTER_ADMIN, {
    name: 'olivia',
    groups: ['engineers'],
    password: PASSWORD,
  });
  const ticket = (created.json.enrollmentTicket as { ticket: string }).ticket;
  const token = (await api('POST', '/auth/login', null, { user: 'olivia', password: PASSWORD })).json
    .token as string;
  const secret = (await api('POST', '/mfa/enroll', token, { ticket })).json.secret as string;
  const verified = await api('POST', '/mfa/verify', token, { code: authenticator.generate(secret) });
  assert.equal(verified.status, 200, JSON.stringify(verified.json));

  const security = () => hooks.got.get('/security') ?? [];
  await until('the enrollment reaches the security webhook', () => security().length >= 1);
  assert.equal(security()[0]!.event, 'mfa.enrolled');
  assert.deepEqual(security()[0]!.body.user, { name: 'olivia', factor: 'totp', via: 'code' });
  assert.equal(security()[0]!.body.type, 'glovebox.mfa.enrolled');

  const reset = await api('POST', '/users/olivia/reset-mfa', CLUSTER_ADMIN, {});
  assert.equal(reset.status, 200, JSON.stringify(reset.json));
  await until('the removal reaches the security webhook', () => security().length >= 2);
  assert.equal(security()[1]!.event, 'mfa.removed');
  assert.deepEqual(security()[1]!.body.user, { name: 'olivia', factor: 'all', via: 'reset-mfa' });
  assert.equal(security()[1]!.body.by, 'admin');

  await until('both reach the Slack webhook', () => (hooks.got.get('/slack') ?? []).length >= 2);
  const slack = hooks.got.get('/slack')!.map((d) => String(d.body.text));
  assert.match(slack[0]!, /Second factor enrolled: olivia \(totp, via code\)/);
  assert.match(slack[1]!, /Second factors removed by admin: olivia/);
  assert.equal(hooks.got.get('/requests-only'), undefined, 'a webhook subscribed to other notices gets none');
});
