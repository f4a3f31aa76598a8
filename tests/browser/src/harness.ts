// The world the console's browser tests share: a gateway with SSO through a real OpenID provider
// (alice the engineer, bob the SRE lead, audrey the auditor), two agents, three requests of alice's,
// and a headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildServer, type Gateway } from '@glovebox/gateway';
import { loginAtIdp, startTestIdp, type TestIdp } from '@glovebox/gateway/testing/oidc-provider';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const ARTIFACTS = join(ROOT, 'tests/artifacts');
const CHROMIUM = '/usr/bin/chromium';
const ADMIN = 'gbx_t_admin-bootstrap-token-for-browser-0000';

export let idp: TestIdp;
let gw: Gateway;
export let base: string;
export let browser: Browser;
let dir: string;
export const ids: { pending: string; staging: string; phone: string } = {
  pending: '',
  staging: '',
  phone: '',
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** An SSO login done without a browser, for the requester; returns what the console would hold. */
export async function apiAs(login: string) {
  const start = await fetch(`${base}/auth/oidc/login`, { redirect: 'manual' });
  const loginCookie = start.headers
    .getSetCookie()
    .find((c) => c.startsWith('__Host-gbx_login='))!
    .split(';')[0]!;
  const back = await loginAtIdp(start.headers.get('location')!, login);
  const done = await fetch(back, { redirect: 'manual', headers: { cookie: loginCookie } });
  const cookie = done.headers
    .getSetCookie()
    .find((c) => c.startsWith('__Host-gbx_session='))!
    .split(';')[0]!;
  const { csrf } = (await (await fetch(`${base}/auth/console/session`, { headers: { cookie } })).json()) as {
    csrf: string;
  };
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { cookie, 'x-glovebox-csrf': csrf, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as T;
    assert.ok(res.ok, JSON.stringify(json));
    return json;
  };
}

export async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  assert.ok(res.ok, await res.clone().text());
  return res.json();
}

/** A fresh browser context logged in through the provider's login form, as a person would. */
export async function loginInBrowser(
  login: string,
  path: string,
  options: {
    viewport?: { width: number; height: number };
    colorScheme?: 'light' | 'dark';
    /** Fakes the page's clock (time still flows) so a test can run its timers forward. */
    clock?: boolean;
  } = {},
): Promise<{ context: BrowserContext; page: Page; cspErrors: string[] }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1200, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  if (options.clock) await context.clock.install();
  const page = await context.newPage();
  const cspErrors: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
  });
  await page.goto(`${base}${path}`);
  await page.waitForURL(/\/console\/login/);
  await page.getByRole('link', { name: 'Log in with single sign-on' }).click();
  await page.waitForURL(new RegExp(`^${idp.issuer}/interaction/`));
  await page.getByLabel('Login').fill(login);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.href.startsWith(base) && url.pathname === path);
  return { context, page, cspErrors };
}

export const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
/** A screenshot docs/web.md shows: the viewport as a person sees it, not the whole page. */
export const docShot = (page: Page, name: string) =>
  page.screenshot({ path: join(ROOT, 'docs/images', `console-${name}.png`) });
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/** Starts the world before the file's tests and stops it after them. */
export function useConsoleWorld(): void {
  before(async () => {
    assert.ok(existsSync(CHROMIUM), 'Chromium is installed at /usr/bin/chromium (.ci/run installs it)');
    mkdirSync(ARTIFACTS, { recursive: true });
    const port = await freePort();
    base = `http://localhost:${port}`;
    idp = await startTestIdp([`${base}/auth/oidc/callback`]);
    idp.accounts.set('alice', { groups: ['idp-engineers'], mfa: true });
    idp.accounts.set('bob', { groups: ['idp-sre'] });
    idp.accounts.set('audrey', { groups: ['idp-auditors'] });
    dir = mkdtempSync(join(tmpdir(), 'gbx-browser-'));
    gw = buildServer({
      dataDir: dir,
      policiesDir: join(ROOT, 'examples/policies'),
      bootstrapToken: ADMIN,
      watchPolicies: false,
      logLevel: 'silent',
      host: 'localhost',
      port,
      publicUrl: base,
      oidc: {
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        groupMapping: {
          'idp-engineers': ['engineers'],
          'idp-sre': ['sre-leads'],
          'idp-auditors': ['auditors'],
        },
      },
    });
    await gw.listen();
    await admin('POST', '/agents', { name: 'payments', env: 'prod', owner: 'payments-team' });
    await admin('POST', '/agents', { name: 'checkout-staging', env: 'staging' });
    const alice = await apiAs('alice');
    ids.pending = (
      await alice<{ id: string }>('POST', '/requests', {
        target: 'payments',
        actions: ['facts', 'snapshot'],
        reason: 'INC-4711 checkout returns 502 for card payments',
        ticket: 'INC-4711',
      })
    ).id;
    ids.staging = (
      await alice<{ id: string }>('POST', '/requests', {
        target: 'checkout-staging',
        actions: ['facts'],
        reason: 'reproduce INC-4711 on staging',
      })
    ).id;
    ids.phone = (
      await alice<{ id: string }>('POST', '/requests', {
        target: 'payments',
        actions: ['facts'],
        reason: 'INC-4712 card payments time out; read the config',
        ticket: 'INC-4712',
      })
    ).id;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await gw?.close();
    await idp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}
