import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRedactor } from '@glovebox/redact';
import { signWebhookBody } from '@glovebox/protocol';
import { Notifier } from './notifier.js';
import type { AccessNotice } from './access.js';
import type { AccessRequestRecord } from '../store/index.js';

const request: AccessRequestRecord = {
  id: 'ses_abc',
  requesterId: 'usr_1',
  requesterName: 'alice',
  target: 'payments',
  actions: ['facts', 'snapshot'],
  reason: 'INC-1 <!channel> card 4111 1111 1111 1111 failing, token ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  ticket: 'INC-1',
  breakGlass: false,
  durationSec: 1800,
  obligations: {
    maxDurationSec: 3600,
    idleTimeoutSec: 900,
    approvals: 1,
    approverGroups: ['sre-leads'],
    masking: 'standard',
    keepArtifactsSec: 0,
    outlivesLogin: false,
  },
  policyVersion: 'v1',
  determiningPolicies: ['p'],
  digest: 'd'.repeat(64),
  status: 'pending',
  createdAt: 1,
  pendingExpiresAt: 2,
  activatedAt: null,
  expiresAt: null,
  lastActivityAt: null,
  endedAt: null,
  endReason: null,
  endedBy: null,
  version: 1,
};

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook receiver that answers with the given statuses in turn (then 200). */
async function receiver(statuses: number[]) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function notifier(
  url: string,
  format: 'slack' | 'json',
  extra: { events?: string[]; outcomes?: string[] } = {},
) {
  return new Notifier({
    webhooks: [{ url, format, secret: 'hook-secret', ...(extra.events ? { events: extra.events } : {}) }],
    baseUrl: 'https://glovebox.example.com/',
    clock: { now: () => 1_700_000_000_000 },
    redactor: createRedactor({ level: 'standard' }),
    log: { warn: () => undefined },
    baseDelayMs: 5,
    maxAttempts: 3,
    onOutcome: (outcome) => extra.outcomes?.push(outcome),
  });
}

test('generic JSON notice: signed, redacted, with a link to the request in the console', async (t) => {
  const hook = await receiver([]);
  t.after(hook.close);
  const n = notifier(hook.url, 'json');
  n.notify({ kind: 'request.created', request });
  await n.flush();
  assert.equal(hook.received.length, 1);
  const { headers, body } = hook.received[0]!;
  const signature = String(headers['x-glovebox-signature']);
  const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature)!;
  assert.equal(mac, createHmac('sha256', 'hook-secret').update(`${ts}.${body}`).digest('hex'));
  assert.equal(signature, signWebhookBody('hook-secret', Number(ts), body));
  assert.equal(headers['x-glovebox-event'], 'request.created');
  const doc = JSON.parse(body) as {
    type: string;
    link: string;
    request: { reason: string; approverGroups: string[] };
  };
  assert.equal(doc.type, 'glovebox.request.created');
  assert.equal(doc.link, 'https://glovebox.example.com/console/requests/ses_abc');
  assert.deepEqual(doc.request.approverGroups, ['sre-leads']);
  assert.doesNotMatch(body, /4111 1111|ghp_abcdef/, 'secrets and card numbers never leave in a notice');
});

test('Slack payload: text fallback, escaped user text, a review button with the approval link', async (t) => {
  const hook = await receiver([]);
  t.after(hook.close);
  const n = notifier(hook.url, 'slack');
  n.notify({ kind: 'break-glass', request: { ...request, breakGlass: true } });
  await n.flush();
  const payload = JSON.parse(hook.received[0]!.body) as {
    text: string;
    blocks: { type: string; text?: { text: string }; elements?: { url: string }[] }[];
  };
  assert.match(payload.text, /BREAK-GLASS/);
  const section = payload.blocks.find((b) => b.type === 'section')!.text!.text;
  assert.match(section, /&lt;!channel&gt;/, 'mentions in user text are neutralised');
  assert.doesNotMatch(section, /<!channel>/);
  const button = payload.blocks.find((b) => b.type === 'actions')!.elements![0]!;
  assert.equal(button.url, 'https://glovebox.example.com/console/requests/ses_abc');
});

test('retries 5xx and 429 with backoff, gives up on other 4xx, honours event filters', async (t) => {
  const cases: { name: string; statuses: number[]; calls: number; outcome: string }[] = [
    { name: 'recovers after 503 and 429', statuses: [503, 429], calls: 3, outcome: 'delivered' },
    { name: 'gives up after max attempts', statuses: [500, 500, 500, 500], calls: 3, outcome: 'failed' },
    { name: 'no retry on 400', statuses: [400], calls: 1, outcome: 'failed' },
  ];
  for (const c of cases) {
    const hook = await receiver([...c.statuses]);
    t.after(hook.close);
    const outcomes: string[] = [];
    const n = notifier(hook.url, 'json', { outcomes });
    n.notify({ kind: 'request.approved', request, by: 'bob' });
    await n.flush();
    assert.equal(hook.received.length, c.calls, c.name);
    assert.deepEqual(outcomes, [c.outcome], c.name);
    const ids = new Set(hook.received.map((r) => r.headers['x-glovebox-delivery']));
    assert.equal(ids.size, 1, 'retries carry the same delivery id');
  }
  const hook = await receiver([]);
  t.after(hook.close);
  const n = notifier(hook.url, 'json', { events: ['break-glass'] });
  const notices: AccessNotice[] = [
    { kind: 'request.created', request },
    { kind: 'break-glass', request },
  ];
  for (const notice of notices) n.notify(notice);
  await n.close();
  assert.equal(hook.received.length, 1);
  assert.equal(hook.received[0]!.headers['x-glovebox-event'], 'break-glass');
});
