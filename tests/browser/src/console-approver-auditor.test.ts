// The approver and the auditor follow a production session from a phone (390×844): the approver
// approves it, finds it under Sessions, watches it and ends it; another SRE lead who did not approve
// it is offered nothing the gateway would refuse; the auditor lists and watches it but is offered
// no End button. PROD is shown on top of the request and the session. Takes the screenshots
// docs/web.md shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { PHONE, apiAs, docShot, idp, loginInBrowser, useConsoleWorld } from './harness.js';

useConsoleWorld();

/** Every /api/v1 answer the page got that refused the caller, as "METHOD path status". */
function refusals(page: Page): string[] {
  const seen: string[] = [];
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (url.pathname.startsWith('/api/v1/') && [401, 403, 404].includes(res.status()))
      seen.push(`${res.request().method()} ${url.pathname} ${res.status()}`);
  });
  return seen;
}

async function newProdRequest(reason: string): Promise<string> {
  const alice = await apiAs('alice');
  return (
    await alice<{ id: string }>('POST', '/requests', { target: 'payments', actions: ['facts'], reason })
  ).id;
}

test('the approver approves on a phone, then finds, watches and ends the session', async () => {
  const id = await newProdRequest('INC-4713 refunds stuck; read the queue state');
  const { context, page, cspErrors } = await loginInBrowser('bob', `/console/requests/${id}`, {
    viewport: PHONE,
  });
  const refused = refusals(page);
  await page.getByRole('heading', { name: `Request ${id}` }).waitFor();
  const prod = page.locator('#main .badges .badge.env-prod');
  assert.equal(await prod.textContent(), 'PROD');
  const badge = (await prod.boundingBox())!;
  const approveBox = (await page.getByRole('button', { name: 'Approve' }).boundingBox())!;
  assert.ok(badge.y >= 0 && badge.y + badge.height <= approveBox.y, 'PROD is on screen, above Approve');
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('#outcome', { hasText: 'Approved' }).waitFor();

  await page.getByRole('link', { name: 'Sessions' }).click();
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  const row = page
    .locator('table', { has: page.locator('caption', { hasText: 'Active sessions' }) })
    .locator('tr', { hasText: id });
  assert.match((await row.textContent())!, /alice/);
  assert.match((await row.textContent())!, /PROD/);
  await row.getByRole('link', { name: id }).click();
  await page.getByRole('heading', { name: `Session ${id}` }).waitFor();
  assert.equal(await page.locator('#main .badges .badge.env-prod').textContent(), 'PROD');
  assert.doesNotMatch((await page.locator('#live-output').textContent())!, /not available/);
  await docShot(page, 'session-approver-phone');

  await page.getByRole('button', { name: 'End session now' }).click();
  await page.getByRole('button', { name: 'Yes, end it' }).click();
  await page.locator('dl.facts .badge', { hasText: 'ended' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'End session now' }).count(), 0);
  // The approver reads no audit trail: the page did not ask for it; nothing was refused.
  assert.deepEqual(refused, []);
  assert.deepEqual(cspErrors, []);
  await context.close();
});

test('an SRE lead who did not approve is offered neither watching nor ending', async () => {
  idp.accounts.set('carol', { groups: ['idp-sre'] });
  const id = await newProdRequest('INC-4714 payouts delayed; check the scheduler');
  const bob = await apiAs('bob');
  const pending = await bob<{ digest: string }>('GET', `/requests/${id}`);
  await bob('POST', `/requests/${id}/approve`, { digest: pending.digest });

  const { context, page, cspErrors } = await loginInBrowser('carol', `/console/sessions/${id}`, {
    viewport: PHONE,
  });
  const refused = refusals(page);
  await page.getByRole('heading', { name: `Session ${id}` }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'End session now' }).count(), 0);
  assert.equal(await page.locator('#live-output').textContent(), 'Live output is not available to you.');
  await page.getByRole('link', { name: 'Sessions' }).click();
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  await page.getByText('No active session.').waitFor();
  assert.deepEqual(refused, [], 'the page asked for nothing the gateway refused');
  assert.deepEqual(cspErrors, []);
  await context.close();
});

test('the auditor lists and watches a production session on a phone, with no End button', async () => {
  const id = await newProdRequest('INC-4715 card declines spike; inspect the gateway client');
  const bob = await apiAs('bob');
  const pending = await bob<{ digest: string }>('GET', `/requests/${id}`);
  await bob('POST', `/requests/${id}/approve`, { digest: pending.digest });

  const { context, page, cspErrors } = await loginInBrowser('audrey', '/console/sessions', {
    viewport: PHONE,
  });
  const refused = refusals(page);
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  const row = page
    .locator('table', { has: page.locator('caption', { hasText: 'Active sessions' }) })
    .locator('tr', { hasText: id });
  await row.getByRole('link', { name: id }).click();
  await page.getByRole('heading', { name: `Session ${id}` }).waitFor();
  assert.equal(await page.locator('#main .badges .badge.env-prod').textContent(), 'PROD');
  assert.equal(await page.getByRole('button', { name: 'End session now' }).count(), 0);
  assert.doesNotMatch((await page.locator('#live-output').textContent())!, /not available/);
  await page.locator('#activity pre').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`);
  await docShot(page, 'session-auditor-phone');
  assert.deepEqual(refused, []);
  assert.deepEqual(cspErrors, []);
  await context.close();
});
