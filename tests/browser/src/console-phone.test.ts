// The console as approvers and auditors use it on a phone (390×844) and a laptop (1280×800):
// tapping a card, PROD and the request's age on top, Approve and Deny without scrolling, a
// confirmation before Deny and End, a visible outcome, tables without sideways scrolling, one date
// format with its time zone, no outline around the page after navigation, a dark theme that
// follows the system, and no polling of a refused call. Takes the screenshots docs/web.md shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, apiAs, base, docShot, ids, loginInBrowser, useConsoleWorld } from './harness.js';

useConsoleWorld();

const DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \S+$/;

async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

test('an approver on a phone taps the card, sees what matters on top, and approves without scrolling', async () => {
  const { context, page, cspErrors } = await loginInBrowser('bob', '/console/', { viewport: PHONE });
  await page.getByRole('heading', { name: 'Approvals inbox' }).waitFor();
  await docShot(page, 'inbox-phone');
  // The card's text, not its title link, is tapped.
  await page.locator('article p', { hasText: 'INC-4712 card payments time out' }).click();
  await page.getByRole('heading', { name: `Request ${ids.phone}` }).waitFor();
  assert.equal(
    await page.evaluate(() => getComputedStyle(document.getElementById('main')!).outlineStyle),
    'none',
    'no outline around the whole page after navigation',
  );
  const top = (await page.locator('#main .badges').textContent())!;
  assert.match(top, /pending/);
  assert.match(top, /requested (just now|\d+ min ago)/);
  const approve = page.getByRole('button', { name: 'Approve' });
  const box = (await approve.boundingBox())!;
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  assert.ok(box.y >= 0 && box.y + box.height <= PHONE.height, `Approve is on screen (y=${box.y})`);
  assert.ok((await page.getByRole('button', { name: 'Deny' }).boundingBox())!.y < PHONE.height);
  assert.ok((await overflow(page)) <= 0, 'no horizontal scrolling');
  const created = page
    .locator('dl.facts dt', { hasText: 'Created' })
    .locator('xpath=following-sibling::dd[1]');
  assert.match((await created.textContent())!, DATE);
  await docShot(page, 'request-phone');

  await page.getByRole('button', { name: 'Deny' }).click();
  await page.getByText("Deny alice's access to payments?").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
  await docShot(page, 'deny-confirm-phone');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Deny' }).waitFor();

  await approve.click();
  await page.locator('#outcome', { hasText: 'Approved' }).waitFor();
  assert.match((await page.locator('#outcome').textContent())!, /You approved it/);
  assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0);
  assert.ok((await overflow(page)) <= 0, 'the reviews table does not scroll sideways');
  const reviewed = await page.locator('.table-wrap td[data-label="When"]').allTextContents();
  assert.ok(reviewed.length > 0 && reviewed.every((t) => DATE.test(t)), reviewed.join(' | '));
  await docShot(page, 'request-approved-phone');
  assert.deepEqual(cspErrors, []);
  await context.close();
});

test('the console follows a dark system theme, on a phone and a laptop', async () => {
  const { context, page, cspErrors } = await loginInBrowser('bob', `/console/requests/${ids.pending}`, {
    viewport: PHONE,
    colorScheme: 'dark',
  });
  await page.getByRole('heading', { name: `Request ${ids.pending}` }).waitFor();
  const [bg, fg] = await page.evaluate(() => {
    const style = getComputedStyle(document.body);
    return [style.backgroundColor, style.color];
  });
  assert.equal(bg, 'rgb(17, 20, 24)');
  assert.equal(fg, 'rgb(238, 241, 244)');
  await docShot(page, 'request-dark-phone');
  await page.setViewportSize(DESKTOP);
  await docShot(page, 'request-dark-desktop');
  assert.deepEqual(cspErrors, []);
  await context.close();
});

test('an activity feed the gateway would refuse is never asked for; ending a session asks first', async () => {
  const alice = await apiAs('alice');
  const session = await alice<{ id: string }>('POST', '/requests', {
    target: 'checkout-staging',
    actions: ['facts'],
    reason: 'check the staging config for INC-4712',
  });
  const { context, page, cspErrors } = await loginInBrowser('alice', '/console/', {
    viewport: DESKTOP,
    clock: true,
  });
  let asked = 0;
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/audit')) asked++;
  });
  await page.goto(`${base}/console/sessions/${session.id}`);
  await page.getByRole('heading', { name: `Session ${session.id}` }).waitFor();
  // alice may not read the audit trail (allowed.activity is false): the page says so and never asks.
  await page.locator('#activity', { hasText: 'Activity is not available to you' }).waitFor();
  await page.clock.runFor(60_000);
  assert.equal(asked, 0, 'no call the gateway would refuse');
  await docShot(page, 'session-desktop');

  await page.getByRole('button', { name: 'End session now' }).click();
  await page.getByText("End alice's session on checkout-staging now?").waitFor();
  await page.getByRole('button', { name: 'Yes, end it' }).click();
  await page.locator('dl.facts .badge', { hasText: 'ended' }).waitFor();
  assert.deepEqual(cspErrors, []);
  await context.close();
});

test('an auditor reads a pending request without Approve or Deny buttons the gateway would refuse', async () => {
  const alice = await apiAs('alice');
  const pending = await alice<{ id: string }>('POST', '/requests', {
    target: 'payments',
    actions: ['facts'],
    reason: 'INC-4713 read the payment limits',
  });
  const { context, page } = await loginInBrowser('audrey', `/console/requests/${pending.id}`, {
    viewport: PHONE,
  });
  await page.getByRole('heading', { name: `Request ${pending.id}` }).waitFor();
  assert.match((await page.locator('dl.facts').textContent())!, /INC-4713/);
  assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Deny' }).count(), 0);
  await context.close();
});
