// The web console in a real Chromium: SSO login through a real OpenID provider, approving from the
// inbox, ending a session, audit search, WebAuthn with Chromium's virtual authenticator, and
// screenshots of the main views.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  admin,
  apiAs,
  base,
  freePort,
  idp,
  ids,
  loginInBrowser,
  shot,
  useConsoleWorld,
} from './harness.js';

useConsoleWorld();

test('an approver follows the link, logs in with SSO and approves from the inbox', async () => {
  const { context, page, cspErrors } = await loginInBrowser('bob', '/console/');
  await page.getByRole('heading', { name: 'Approvals inbox' }).waitFor();
  await page
    .locator('article', { hasText: 'INC-4711 checkout' })
    .getByRole('link', { name: 'alice → payments' })
    .click();
  await page.getByRole('heading', { name: `Request ${ids.pending}` }).waitFor();
  const details = page.locator('dl.facts');
  for (const text of [
    'alice',
    'payments',
    'facts, snapshot',
    'INC-4711 checkout returns 502',
    '1 approval(s) from sre-leads',
  ])
    assert.ok((await details.textContent())!.includes(text), text);
  await shot(page, 'request-pending');
  await page.getByLabel('Comment (optional, audited)').fill('approved for INC-4711');
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('dl.facts .badge.ok', { hasText: 'active' }).waitFor();
  assert.ok(
    (await page.getByRole('table', { name: 'Reviews' }).textContent())!.includes('approved for INC-4711'),
  );
  await shot(page, 'request-approved');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('link', { name: 'Approvals' }).click();
  await page.getByRole('heading', { name: 'Approvals inbox' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at phone width (overflow ${overflow}px)`);
  await shot(page, 'inbox-phone');
  assert.deepEqual(cspErrors, []);
  await context.close();
});

test('the requester ends a session, registers a security key and steps up with it', async () => {
  const { context, page, cspErrors } = await loginInBrowser('alice', '/console/sessions');
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  await shot(page, 'sessions');
  await page.getByRole('link', { name: ids.staging }).click();
  await page.getByRole('heading', { name: `Session ${ids.staging}` }).waitFor();
  await page.getByRole('button', { name: 'End session now' }).click();
  await page.getByRole('button', { name: 'Yes, end it' }).click();
  await page.locator('dl.facts .badge', { hasText: 'ended' }).waitFor();
  await shot(page, 'session-ended');

  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'usb',
      hasResidentKey: false,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  await page.getByRole('link', { name: 'Security keys' }).click();
  await page.getByRole('heading', { name: 'Security keys' }).waitFor();
  // alice's SSO login carried MFA; registering another factor needs it fresh, which it is.
  await page.getByRole('button', { name: 'Register a security key' }).click();
  await page.locator('#main').getByText('Security key registered').waitFor();
  // A key never counts for step-up in the login that registered it: log in again, then step up.
  await context.clearCookies();
  await page.goto(`${base}/console/security`);
  await page.waitForURL(/\/console\/login/);
  await page.getByRole('link', { name: 'Log in with single sign-on' }).click();
  await page.waitForURL(new RegExp(`^${idp.issuer}/interaction/`));
  await page.getByLabel('Login').fill('alice');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Security keys' }).waitFor();
  await page.getByRole('button', { name: 'Verify now (step-up)' }).click();
  await page.locator('#main').getByText('Second factor verified').waitFor();
  assert.match((await page.locator('dl.facts').textContent())!, /Last second factor\s*\d+ s ago/);
  await shot(page, 'security-keys');
  assert.deepEqual(cspErrors, []);
  await context.close();
});

test('a user without a second factor registers a first security key with the enrollment ticket an admin issued', async () => {
  const { context, page, cspErrors } = await loginInBrowser('bob', '/console/security');
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'usb',
      hasResidentKey: false,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  await page.getByRole('heading', { name: 'Security keys' }).waitFor();
  // bob's SSO login asserted no MFA: a password- or SSO-only login never adds a first factor alone
  await page.getByRole('button', { name: 'Register a security key' }).click();
  await page.locator('#main [role=alert]').waitFor();
  assert.match((await page.locator('#main [role=alert]').textContent())!, /ticket/i);
  const { enrollmentTicket } = (await admin('POST', '/users/bob/reset-mfa', {})) as {
    enrollmentTicket: { ticket: string };
  };
  await page.getByLabel('Enrollment ticket').fill(enrollmentTicket.ticket);
  await page.getByRole('button', { name: 'Register a security key' }).click();
  await page.locator('#main').getByText('Security key registered').waitFor();
  assert.equal(await page.getByRole('table', { name: 'Registered keys' }).locator('tbody tr').count(), 1);
  assert.deepEqual(cspErrors, []);
  await context.close();
});

test('an auditor searches the audit trail and sees the chain verified', async () => {
  const { context, page, cspErrors } = await loginInBrowser('audrey', '/console/audit');
  await page.locator('#verify-status', { hasText: 'Chain verified' }).waitFor();
  await page.getByLabel('Actor').fill('bob');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/actor=bob/);
  // The banner names the filter once the filtered list replaced the unfiltered one.
  await page.locator('#audit-count', { hasText: 'where actor bob' }).waitFor();
  const table = page.getByRole('table', { name: 'Audit events' });
  await table.waitFor();
  const text = (await table.textContent())!;
  assert.ok(text.includes('request.approved') || text.includes('approval'), text.slice(0, 400));
  assert.ok(!text.includes('user:alice'), 'the filter applies');
  const seqs = (await table.locator('tbody tr td:first-child').allTextContents()).map(Number);
  assert.ok(seqs.length > 1, 'more than one event of bob');
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => b - a),
    'newest first, as the banner says',
  );
  const bannerOf = async () => (await page.locator('#audit-count').textContent())!;
  assert.match(
    await bannerOf(),
    new RegExp(`^${seqs.length} event\\(s\\), #${seqs[0]} to #${seqs.at(-1)} where`),
  );
  await shot(page, 'audit');

  // More events than a page: the banner and the list agree page by page, and the cursors page.
  for (let i = 0; i < 110; i++) await admin('GET', '/whoami');
  await page.getByRole('link', { name: 'Audit', exact: true }).click();
  await page.locator('#audit-count', { hasText: /^100 event\(s\), #\d+ to #\d+, newest first$/ }).waitFor();
  const rowSeqs = async () =>
    (await table.locator('tbody tr td:first-child').allTextContents()).map((x) => Number(x.replace('!', '')));
  const newest = await rowSeqs();
  assert.equal(newest.length, 100);
  assert.match(await bannerOf(), new RegExp(`#${newest[0]} to #${newest.at(-1)},`));
  await page.getByRole('link', { name: 'Older events →' }).click();
  await page.waitForURL(/before=/);
  await page.locator('#audit-count', { hasText: `#${newest.at(-1)! - 1} to` }).waitFor();
  const older = await rowSeqs();
  assert.equal(older[0], newest.at(-1)! - 1, 'the older page continues where the newest ended');
  await page.getByRole('link', { name: '← Newer events' }).click();
  await page.waitForURL(/after=/);
  await page.locator('#audit-count', { hasText: `#${newest[0]} to #${newest.at(-1)},` }).waitFor();
  assert.deepEqual(await rowSeqs(), newest, 'the newer cursor leads back to the same page');

  // Times as people write them; a malformed one is refused, not read as everything.
  await page.getByLabel('Since').fill('1h');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('#audit-count', { hasText: 'where since 1h, from ' }).waitFor();
  await page.getByLabel('Since').fill('soon');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('#main [role=alert]', { hasText: 'GBX_REQUEST_INVALID' }).waitFor();

  await page.getByRole('link', { name: 'Policy' }).click();
  await page.getByRole('heading', { name: 'Active policy set' }).waitFor();
  await shot(page, 'policy');
  await page.getByRole('link', { name: 'Targets' }).click();
  await page.getByRole('heading', { name: 'Targets' }).waitFor();
  await shot(page, 'targets');
  assert.deepEqual(cspErrors, []);
  await context.close();
});

test('an auditor watches a logpoint stream live in the session view', async (t: TestContext) => {
  const reg = (await admin('POST', '/agents', { name: 'shop', env: 'staging' })) as {
    credential: string;
    gatewayKeys: string[];
  };
  const appPort = await freePort();
  const app = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--import',
      '@glovebox/agent/register',
      join(ROOT, 'examples/demo-app/dist/server.js'),
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(appPort),
        GLOVEBOX_URL: base,
        GLOVEBOX_AGENT_TOKEN: reg.credential,
        GLOVEBOX_GATEWAY_KEYS: reg.gatewayKeys.join(','),
      },
      stdio: 'ignore',
    },
  );
  let loading = true;
  t.after(() => {
    loading = false;
    app.kill('SIGKILL');
  });
  for (let i = 0; i < 100; i++) {
    const agents = (await admin('GET', '/agents')) as { agents: { name: string; connected: boolean }[] };
    if (agents.agents.find((a) => a.name === 'shop')?.connected) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  void (async () => {
    while (loading) {
      await fetch(`http://127.0.0.1:${appPort}/checkout?customer=1`).then(
        (r) => r.arrayBuffer(),
        () => undefined,
      );
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const alice = await apiAs('alice');
  const session = await alice<{ id: string }>('POST', '/requests', {
    target: 'shop',
    actions: ['logpoint'],
    reason: 'watch live',
  });
  const token = ((await admin('POST', '/tokens', { user: 'alice', ttl: '1h' })) as { token: string }).token;
  const source = readFileSync(join(ROOT, 'examples/demo-app/src/server.ts'), 'utf8').split('\n');
  const line = source.findIndex((l) => l.includes('const total = Math.round')) + 1;

  const { context, page, cspErrors } = await loginInBrowser('audrey', `/console/sessions/${session.id}`);
  await page.getByRole('heading', { name: `Session ${session.id}` }).waitFor();
  const logpoint = fetch(`${base}/api/v1/sessions/${session.id}/actions/logpoint`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/x-ndjson',
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      params: {
        location: `src/server.ts:${line}`,
        template: 'subtotal={subtotal} card={cardNumber}',
        durationMs: 6000,
        maxPerSecond: 5,
      },
    }),
  }).then((r) => r.text());
  await page.locator('#live-output', { hasText: 'subtotal=' }).waitFor({ timeout: 20_000 });
  const shown = (await page.locator('#live-output').textContent())!;
  assert.ok(!shown.includes('4111'), 'the card number never reaches the watcher');
  await shot(page, 'session-live-output');
  assert.match(await logpoint, /"type":"result"/);
  assert.deepEqual(cspErrors, []);
  await context.close();
});

test('keyboard only: skip link, navigation and form controls are reachable and labelled', async () => {
  const { context, page } = await loginInBrowser('bob', '/console/');
  await page.getByRole('heading', { name: 'Approvals inbox' }).waitFor();
  const first = await page.evaluate(
    () => document.querySelector('a[href], button, input, select, textarea')?.textContent,
  );
  assert.equal(first, 'Skip to content', 'the skip link is the first stop in tab order');
  await page.focus('a.skip');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  const unlabelled = await page.evaluate(() => {
    const controls = [...document.querySelectorAll('input, select, textarea, button')];
    return controls.filter((c) => !(c as HTMLElement).innerText && !c.closest('label') && !c.id).length;
  });
  assert.equal(unlabelled, 0);
  await context.close();
});
