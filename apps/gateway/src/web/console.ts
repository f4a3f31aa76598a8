import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GloveboxError } from '@glovebox/core';
import {
  API_PREFIX,
  consoleSessionSchema,
  deviceStartResponseSchema,
  deviceTokenBodySchema,
  loginBodySchema,
  loginResponseSchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';
import type { Actor } from '../services/identity.js';
import type { SecretBox } from '../services/secrets.js';
import { passwordLogin } from '../services/password-login.js';
import { OidcLogin, type AuthorizationTransaction, type SsoIdentity } from './oidc.js';
import {
  CSRF_HEADER,
  LOGIN_COOKIE,
  SESSION_COOKIE,
  checkSameOrigin,
  clearedCookie,
  csrfFor,
  csrfMatches,
  hostCookie,
  parseCookies,
  safeReturnTo,
  securityHeaders,
} from './security.js';
import { registerWebauthnRoutes } from './webauthn/index.js';
import { authzOf } from '../routes/authorize.js';

/** What the console plugin needs beyond the gateway's services. */
export interface WebConsoleOptions {
  /** Seals the OpenID transaction cookie, so any replica can complete a login another one began. */
  secrets: SecretBox;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

const transactionSchema = z.object({
  state: z.string().min(16).max(256),
  nonce: z.string().min(16).max(256),
  verifier: z.string().min(43).max(128),
  returnTo: z.string().max(300),
  createdAt: z.number(),
});

/** Reads the built console once: an allow-list of files, so no request path ever reaches the disk. */
function loadAssets(dir: string): Map<string, { body: Buffer; type: string }> {
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const sub of ['static', 'dist']) {
    const root = join(dir, sub);
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root)) {
      const type = CONTENT_TYPES[extname(name)];
      if (!type || name.endsWith('.d.ts') || name.endsWith('.test.js')) continue;
      assets.set(name, { body: readFileSync(join(root, name)), type });
    }
  }
  return assets;
}

/** The console login a request carries, or null when it carries none. */
function sessionCookie(request: FastifyRequest): string | null {
  return parseCookies(request.headers.cookie).get(SESSION_COOKIE) ?? null;
}

/**
 * Authenticates an /api/v1 call made by the console: the session cookie plus its anti-forgery
 * header, from the same origin. Returns null when the request has no console cookie (the caller
 * then requires a bearer token as before); throws when it has one that does not hold.
 */
export async function authenticateConsoleRequest(
  request: FastifyRequest,
  services: Pick<GatewayServices, 'identity'>,
): Promise<Actor | null> {
  const token = sessionCookie(request);
  if (token === null) return null;
  checkSameOrigin(request.headers);
  if (!csrfMatches(request.headers[CSRF_HEADER], token))
    throw new GloveboxError('GBX_CSRF_INVALID', 'missing or wrong anti-forgery token; reload the console');
  return services.identity.authenticate(token, request.ip);
}

/**
 * Registers the web console on the gateway: security headers on every response, the console's
 * files, console login (local password or OpenID Connect with PKCE), logout, the device
 * authorization endpoints `glovebox login --sso` uses, and WebAuthn. Call it directly (not through
 * `app.register`) so its headers hook covers the whole server.
 */
export function registerWebConsole(app: GatewayApp, s: GatewayServices, options: WebConsoleOptions): void {
  const { config, identity, audit, store } = s;
  const httpsOnly = config.publicUrl?.startsWith('https://') === true;
  const headers = securityHeaders(httpsOnly);
  const oidc = config.oidc
    ? new OidcLogin(config.oidc, config.clock, (key, expiresAt) =>
        store.identityState.useOnce(key, expiresAt),
      )
    : null;
  const dir = config.consoleDir ?? fileURLToPath(new URL('../../../web/', import.meta.url));
  const assets = loadAssets(dir);

  app.addHook('onSend', async (request, reply, payload) => {
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
    if (!request.url.startsWith('/console/assets/')) void reply.header('cache-control', 'no-store');
    return payload;
  });

  const origin = (request: FastifyRequest) =>
    config.publicUrl?.replace(/\/+$/, '') ?? `${request.protocol}://${request.host}`;
  const redirectUri = (request: FastifyRequest) => `${origin(request)}/auth/oidc/callback`;

  const setSession = (reply: FastifyReply, token: string, expiresAt: number) => {
    void reply.header(
      'set-cookie',
      hostCookie(SESSION_COOKIE, token, {
        maxAgeSec: (expiresAt - config.clock.now()) / 1000,
        sameSite: 'Strict',
      }),
    );
  };

  // ---- the console's files -----------------------------------------------------------------

  const sendIndex = async (_request: FastifyRequest, reply: FastifyReply) => {
    const index = assets.get('index.html');
    if (!index)
      throw new GloveboxError('GBX_NOT_FOUND', 'the web console is not built (npm run build in apps/web)');
    return reply.type(index.type).send(index.body);
  };
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 302));
  app.get('/console', { schema: { hide: true } }, async (_request, reply) =>
    reply.redirect('/console/', 302),
  );
  app.get('/console/', { schema: { hide: true } }, sendIndex);
  app.get<{ Params: { name: string } }>(
    '/console/assets/:name',
    { schema: { hide: true } },
    async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (!asset || request.params.name === 'index.html')
        throw new GloveboxError('GBX_NOT_FOUND', 'no such file');
      return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
    },
  );
  // Deep links (an approval link from a webhook) load the same page; the script routes on the path.
  app.get('/console/*', { schema: { hide: true } }, sendIndex);

  // ---- console login state -----------------------------------------------------------------

  app.get(
    '/auth/console/session',
    { schema: { response: { 200: consoleSessionSchema } } },
    async (request) => {
      const token = sessionCookie(request);
      const methods = { sso: oidc !== null, password: true };
      if (token === null) return { authenticated: false, methods };
      checkSameOrigin(request.headers);
      let actor: Actor;
      try {
        actor = await identity.authenticate(token, request.ip);
      } catch {
        return { authenticated: false, methods };
      }
      const record = (await s.store.listTokens(actor.userId)).find((t) => t.id === actor.tokenId);
      return {
        authenticated: true,
        methods,
        user: actor.name,
        groups: actor.groups,
        csrf: csrfFor(token),
        expiresAt: record?.expiresAt ?? 0,
        mfaAgeSec: actor.mfaAt === null ? null : Math.floor((config.clock.now() - actor.mfaAt) / 1000),
      };
    },
  );

  app.post(
    '/auth/console/login',
    {
      schema: { body: loginBodySchema, response: { 200: loginResponseSchema.omit({ token: true }) } },
    },
    async (request, reply) => {
      checkSameOrigin(request.headers);
      if (typeof request.headers[CSRF_HEADER] !== 'string')
        throw new GloveboxError('GBX_CSRF_INVALID', 'the console login must come from the console');
      const { user, password, otp } = request.body;
      const result = await passwordLogin(identity, audit, s.redactor, {
        user,
        password,
        otp,
        clientAddress: request.ip,
        via: 'console',
      });
      setSession(reply, result.token, result.record.expiresAt);
      return {
        expiresAt: result.record.expiresAt,
        user: { name: result.user.name, groups: result.user.groups },
      };
    },
  );

  app.post(
    '/auth/console/logout',
    { schema: { response: { 200: z.object({ ok: z.boolean() }) } } },
    async (request, reply) => {
      const { actor } = authzOf(request);
      await identity.revokeToken(actor.tokenId);
      await audit.record({
        type: 'auth.logout',
        actor: { kind: 'user', id: actor.name },
        outcome: 'success',
        details: { via: 'console' },
      });
      void reply.header('set-cookie', clearedCookie(SESSION_COOKIE));
      return { ok: true };
    },
  );

  // ---- OpenID Connect: authorization code with PKCE --------------------------------------------

  const requireOidc = (): OidcLogin => {
    if (!oidc) throw new GloveboxError('GBX_NOT_FOUND', 'single sign-on is not configured');
    return oidc;
  };

  const recordSsoLogin = async (sso: SsoIdentity, via: 'console' | 'cli') => {
    const result = await identity.loginSso(sso);
    if (result.provisioned)
      await audit.record({
        type: 'user.created',
        actor: { kind: 'system', id: 'sso' },
        outcome: 'success',
        details: {
          user: result.user.name,
          groups: result.user.groups,
          provisionedBy: 'sso',
          issuer: sso.issuer,
        },
      });
    await audit.record({
      type: 'auth.login',
      actor: { kind: 'user', id: result.user.name },
      outcome: 'success',
      details: { method: 'sso', via, groups: result.user.groups, mfa: sso.mfaAt !== null },
    });
    return result;
  };

  const ssoFailed = async (error: unknown, via: 'console' | 'cli') => {
    app.log.warn({ err: error }, 'single sign-on refused');
    await audit.record({
      type: 'auth.login_failed',
      actor: { kind: 'anonymous', id: 'sso' },
      outcome: 'failure',
      details: { method: 'sso', via, code: error instanceof GloveboxError ? error.code : 'GBX_INTERNAL' },
    });
  };

  app.get<{ Querystring: { returnTo?: string } }>(
    '/auth/oidc/login',
    { schema: { hide: true } },
    async (request, reply) => {
      const { url, transaction } = await requireOidc().beginAuthorization(
        redirectUri(request),
        safeReturnTo(request.query.returnTo),
      );
      // Lax, not Strict: the provider's redirect back is a cross-site top-level navigation.
      void reply.header(
        'set-cookie',
        hostCookie(LOGIN_COOKIE, options.secrets.seal(JSON.stringify(transaction)), {
          maxAgeSec: 600,
          sameSite: 'Lax',
        }),
      );
      return reply.redirect(url, 303);
    },
  );

  app.get('/auth/oidc/callback', { schema: { hide: true } }, async (request, reply) => {
    const provider = requireOidc();
    const sealed = parseCookies(request.headers.cookie).get(LOGIN_COOKIE);
    void reply.header('set-cookie', clearedCookie(LOGIN_COOKIE));
    try {
      if (!sealed) throw new GloveboxError('GBX_AUTH_FAILED', 'single sign-on failed: no login in progress');
      let transaction: AuthorizationTransaction;
      try {
        transaction = transactionSchema.parse(JSON.parse(options.secrets.open(sealed)));
      } catch (error) {
        throw new GloveboxError('GBX_AUTH_FAILED', 'single sign-on failed: login state is invalid', {
          cause: error,
        });
      }
      const callbackUrl = new URL(request.url, origin(request));
      const sso = await provider.completeAuthorization(callbackUrl, redirectUri(request), transaction);
      const result = await recordSsoLogin(sso, 'console');
      void reply.header('set-cookie', [
        clearedCookie(LOGIN_COOKIE),
        hostCookie(SESSION_COOKIE, result.token, {
          maxAgeSec: (result.record.expiresAt - config.clock.now()) / 1000,
          sameSite: 'Strict',
        }),
      ]);
      return reply.redirect(safeReturnTo(transaction.returnTo), 303);
    } catch (error) {
      await ssoFailed(error, 'console');
      const code = error instanceof GloveboxError ? error.code : 'GBX_AUTH_FAILED';
      return reply.redirect(`/console/login?error=${code}`, 303);
    }
  });

  // ---- OpenID Connect: device authorization for the CLI ----------------------------------------

  app.post(
    `${API_PREFIX}/auth/sso/device`,
    {
      schema: { body: z.object({}).strict().optional(), response: { 200: deviceStartResponseSchema } },
    },
    async () => requireOidc().startDevice(),
  );

  app.post(
    `${API_PREFIX}/auth/sso/device/token`,
    {
      schema: { body: deviceTokenBodySchema, response: { 200: loginResponseSchema } },
    },
    async (request) => {
      const provider = requireOidc();
      let sso: SsoIdentity;
      try {
        sso = await provider.pollDevice(request.body.deviceCode);
      } catch (error) {
        if (!(error instanceof GloveboxError && error.code === 'GBX_AUTH_PENDING'))
          await ssoFailed(error, 'cli');
        throw error;
      }
      const result = await recordSsoLogin(sso, 'cli');
      return {
        token: result.token,
        expiresAt: result.record.expiresAt,
        user: { name: result.user.name, groups: result.user.groups },
      };
    },
  );

  registerWebauthnRoutes(app, s, { origin, secrets: options.secrets });
}
