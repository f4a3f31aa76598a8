// A real OpenID provider (panva's oidc-provider) for tests, with a plain login form and a switch
// that tampers with the ID tokens it issues, to prove the gateway refuses them. Test-only: it is
// not exported from the package entry.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, type JWK } from 'jose';

export type Tamper = 'none' | 'bad-signature' | 'wrong-issuer' | 'expired' | 'foreign-key';

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Groups and second factor per account; any other login name is refused. */
  accounts: Map<string, { groups: string[]; mfa?: boolean }>;
  tamper: Tamper;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Starts the provider on a free loopback port; `redirectUris` are the client's allowed callbacks. */
export async function startTestIdp(redirectUris: string[]): Promise<TestIdp> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' } as JWK;
  const foreign = (await generateKeyPair('RS256', { extractable: true })).privateKey;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: TestIdp = {
    issuer,
    clientId: 'glovebox-test',
    clientSecret: 'test-client-secret-that-is-long-enough-0123456789',
    accounts: new Map(),
    tamper: 'none',
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub', 'auth_time', 'amr', 'acr'],
      profile: ['preferred_username', 'name'],
      email: ['email'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false }, deviceFlow: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => {
      const account = idp.accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          preferred_username: id,
          email: `${id}@example.test`,
          groups: account.groups,
        }),
      };
    },
    ttl: { IdToken: 3600, AccessToken: 3600, DeviceCode: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  });
  provider.on('server_error', () => undefined);

  async function tamperToken(token: string): Promise<string> {
    const claims = decodeJwt(token);
    const now = Math.floor(Date.now() / 1000);
    switch (idp.tamper) {
      case 'bad-signature': {
        const [h, p, s] = token.split('.');
        const flipped = (s![0] === 'A' ? 'B' : 'A') + s!.slice(1);
        return `${h}.${p}.${flipped}`;
      }
      case 'wrong-issuer':
        return sign({ ...claims, iss: 'https://evil.example' }, privateKey);
      case 'expired':
        return sign({ ...claims, iat: now - 7200, exp: now - 3600 }, privateKey);
      case 'foreign-key':
        return sign(claims, foreign);
      case 'none':
        return token;
    }
  }

  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', issuer);
      const interaction = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
      if (interaction && req.method === 'GET' && !interaction[2]) {
        await provider.interactionDetails(req, res);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><title>Test IdP login</title><form method="post" action="/interaction/${escape(interaction[1]!)}/login">` +
            `<label>Login <input name="login" id="idp-login" autofocus></label><button id="idp-submit">Sign in</button></form>`,
        );
        return;
      }
      if (interaction && req.method === 'POST' && interaction[2]) {
        const details = await provider.interactionDetails(req, res);
        const login = (await readBody(req)).get('login') ?? '';
        const account = idp.accounts.get(login);
        if (!account) {
          await provider.interactionFinished(
            req,
            res,
            { error: 'access_denied' },
            { mergeWithLastSubmission: false },
          );
          return;
        }
        const grant = new provider.Grant({ accountId: login, clientId: String(details.params.client_id) });
        grant.addOIDCScope(typeof details.params.scope === 'string' ? details.params.scope : 'openid');
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          {
            login: { accountId: login, ...(account.mfa ? { amr: ['pwd', 'mfa'] } : {}) },
            consent: { grantId },
          },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      if (url.pathname === '/token' && idp.tamper !== 'none') {
        const end = res.end.bind(res);
        (res as { end: (chunk?: unknown) => ServerResponse }).end = (chunk?: unknown) => {
          void (async () => {
            let body = Buffer.isBuffer(chunk)
              ? chunk.toString('utf8')
              : typeof chunk === 'string'
                ? chunk
                : '';
            try {
              const json = JSON.parse(body) as { id_token?: string };
              if (json.id_token) json.id_token = await tamperToken(json.id_token);
              body = JSON.stringify(json);
            } catch {
              // not JSON: pass through
            }
            res.setHeader('content-length', Buffer.byteLength(body));
            end(body);
          })();
          return res;
        };
      }
      void callback(req, res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return idp;
}

function sign(claims: Record<string, unknown>, key: Parameters<SignJWT['sign']>[0]): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' }).sign(key);
}

/** A minimal cookie jar for driving the provider's redirects without a browser. */
export class CookieJar {
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
