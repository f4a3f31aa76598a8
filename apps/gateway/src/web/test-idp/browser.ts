// What a person does at the provider in a browser, done with fetch and a cookie jar.
/** A minimal cookie jar for driving the provider's redirects without a browser. */
class CookieJar {
  readonly #cookies = new Map<string, string>();
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.#cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Drives the provider from an authorization URL to the redirect back to the client, logging in as
 * `login`; returns the final redirect URL (the client's callback with code and state).
 */
export async function loginAtIdp(authorizationUrl: string, login: string): Promise<URL> {
  const jar = new CookieJar();
  let url = authorizationUrl;
  for (let i = 0; i < 10; i++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status === 200 && /\/interaction\//.test(url)) {
      await res.text();
      const post = await fetch(`${url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login }).toString(),
      });
      jar.store(post);
      url = new URL(post.headers.get('location')!, url).href;
      continue;
    }
    await res.text();
    if (!location) throw new Error(`the provider stopped at ${res.status} ${url}`);
    const next = new URL(location, url);
    if (!next.href.startsWith(new URL(authorizationUrl).origin)) return next;
    url = next.href;
  }
  throw new Error('too many redirects at the provider');
}

/** Completes a device authorization at the provider as `login` (what a person does in a browser). */
export async function approveDevice(verificationUriComplete: string, login: string): Promise<void> {
  const jar = new CookieJar();
  const page = await fetch(verificationUriComplete, { headers: { cookie: jar.header() } });
  jar.store(page);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) form.set(m[1]!, m[2]!);
  form.set('confirm', 'yes');
  const action = new URL(/<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '/device', verificationUriComplete);
  let res = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  jar.store(res);
  let url = new URL(res.headers.get('location') ?? '', action).href;
  for (let i = 0; i < 10; i++) {
    if (/\/interaction\/[\w-]+$/.test(url)) {
      await (await fetch(url, { headers: { cookie: jar.header() } })).text();
      res = await fetch(`${url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login }).toString(),
      });
    } else {
      res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    }
    jar.store(res);
    const location = res.headers.get('location');
    if (!location) {
      const text = await res.text();
      if (res.status !== 200) throw new Error(`device approval failed: ${res.status} ${text.slice(0, 200)}`);
      return;
    }
    await res.text();
    url = new URL(location, url).href;
  }
  throw new Error('too many redirects approving the device');
}
