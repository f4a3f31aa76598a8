import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GloveboxError } from '@glovebox/core';
import {
  API_PREFIX,
  deviceStartResponseSchema,
  deviceTokenBodySchema,
  loginResponseSchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../../server.js';
import type { SecretBox } from '../../services/secrets.js';
import type { UserRecord } from '../../store/index.js';
import type { AuthorizationTransaction, OidcLogin, SsoIdentity } from '../oidc.js';
import {
  LOGIN_COOKIE,
  SESSION_COOKIE,
  clearedCookie,
  hostCookie,
  parseCookies,
  safeReturnTo,
} from '../security.js';

const transactionSchema = z.object({
  state: z.string().min(16).max(256),
  nonce: z.string().min(16).max(256),
  verifier: z.string().min(43).max(128),
  returnTo: z.string().max(300),
  createdAt: z.number(),
});

/** What single sign-on needs: the provider (null when not configured), this gateway's origin, the sealing box. */
export interface SsoContext {
  oidc: OidcLogin | null;
  origin(request: FastifyRequest): string;
  redirectUri(request: FastifyRequest): string;
  /** Seals the OpenID transaction cookie, so any replica can complete a login another one began. */
  secrets: SecretBox;
}

function requireOidc(ctx: SsoContext): OidcLogin {
  if (!ctx.oidc) throw new GloveboxError('GBX_NOT_FOUND', 'single sign-on is not configured');
  return ctx.oidc;
}

/** Logs an SSO identity in (provisioning the user on first sight), audited. */
async function recordSsoLogin(app: GatewayApp, s: GatewayServices, sso: SsoIdentity, via: 'console' | 'cli') {
  const { identity, audit } = s;
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
  else if (result.previousGroups.join('\n') !== result.user.groups.join('\n'))
    await recordGroupChange(app, s, sso, result.user, result.previousGroups);
  await audit.record({
    type: 'auth.login',
    actor: { kind: 'user', id: result.user.name },
    outcome: 'success',
    details: { method: 'sso', via, groups: result.user.groups, mfa: sso.mfaAt !== null },
  });
  return result;
}

/**
 * The provider changed a user's groups (both lists sorted): a change of rights, recorded with
 * whether anybody can still administer the gateway. The gateway cannot refuse the provider's
 * groups, so a login can leave nobody; that is logged as an error too (docs/sso.md).
 */
async function recordGroupChange(
  app: GatewayApp,
  s: GatewayServices,
  sso: SsoIdentity,
  user: UserRecord,
  previousGroups: string[],
): Promise<void> {
  const administrable = await s.control.administrable();
  await s.audit.record({
    type: 'user.updated',
    actor: { kind: 'system', id: 'sso' },
    outcome: 'success',
    details: { user: user.name, previousGroups, groups: user.groups, issuer: sso.issuer, administrable },
  });
  if (!administrable)
    app.log.error(
      { user: user.name },
      'no enabled user can administer the gateway after this single sign-on login changed its groups; see docs/sso.md, "When nobody can administer"',
    );
}

async function ssoFailed(app: GatewayApp, s: GatewayServices, error: unknown, via: 'console' | 'cli') {
  app.log.warn({ err: error }, 'single sign-on refused');
  await s.audit.record({
    type: 'auth.login_failed',
    actor: { kind: 'anonymous', id: 'sso' },
    outcome: 'failure',
    details: { method: 'sso', via, code: error instanceof GloveboxError ? error.code : 'GBX_INTERNAL' },
  });
}

/**
 * OpenID Connect: authorization code with PKCE for the console, device authorization for the CLI.
 * Users are provisioned just in time; every login and refusal is audited.
 */
export function registerSsoRoutes(app: GatewayApp, s: GatewayServices, ctx: SsoContext): void {
  registerCodeFlowRoutes(app, s, ctx);
  registerDeviceFlowRoutes(app, s, ctx);
}

/** `/auth/oidc/login` and its callback: the console's login through the provider. */
function registerCodeFlowRoutes(app: GatewayApp, s: GatewayServices, ctx: SsoContext): void {
  const { config } = s;

  app.get<{ Querystring: { returnTo?: string } }>(
    '/auth/oidc/login',
    { schema: { hide: true } },
    async (request, reply) => {
      const { url, transaction } = await requireOidc(ctx).beginAuthorization(
        ctx.redirectUri(request),
        safeReturnTo(request.query.returnTo),
      );
      // Lax, not Strict: the provider's redirect back is a cross-site top-level navigation.
      void reply.header(
        'set-cookie',
        hostCookie(LOGIN_COOKIE, ctx.secrets.seal(JSON.stringify(transaction)), {
          maxAgeSec: 600,
          sameSite: 'Lax',
        }),
      );
      return reply.redirect(url, 303);
    },
  );

  app.get('/auth/oidc/callback', { schema: { hide: true } }, async (request, reply) => {
    const provider = requireOidc(ctx);
    const sealed = parseCookies(request.headers.cookie).get(LOGIN_COOKIE);
    void reply.header('set-cookie', clearedCookie(LOGIN_COOKIE));
    try {
      if (!sealed) throw new GloveboxError('GBX_AUTH_FAILED', 'single sign-on failed: no login in progress');
      let transaction: AuthorizationTransaction;
      try {
        transaction = transactionSchema.parse(JSON.parse(ctx.secrets.open(sealed)));
      } catch (error) {
        throw new GloveboxError('GBX_AUTH_FAILED', 'single sign-on failed: login state is invalid', {
          cause: error,
        });
      }
      const callbackUrl = new URL(request.url, ctx.origin(request));
      const sso = await provider.completeAuthorization(callbackUrl, ctx.redirectUri(request), transaction);
      const result = await recordSsoLogin(app, s, sso, 'console');
      void reply.header('set-cookie', [
        clearedCookie(LOGIN_COOKIE),
        hostCookie(SESSION_COOKIE, result.token, {
          maxAgeSec: (result.record.expiresAt - config.clock.now()) / 1000,
          sameSite: 'Strict',
        }),
      ]);
      return reply.redirect(safeReturnTo(transaction.returnTo), 303);
    } catch (error) {
      await ssoFailed(app, s, error, 'console');
      const code = error instanceof GloveboxError ? error.code : 'GBX_AUTH_FAILED';
      return reply.redirect(`/console/login?error=${code}`, 303);
    }
  });
}

/** The device authorization endpoints `glovebox login --sso` uses. */
function registerDeviceFlowRoutes(app: GatewayApp, s: GatewayServices, ctx: SsoContext): void {
  app.post(
    `${API_PREFIX}/auth/sso/device`,
    {
      schema: { body: z.object({}).strict().optional(), response: { 200: deviceStartResponseSchema } },
    },
    async () => requireOidc(ctx).startDevice(),
  );

  app.post(
    `${API_PREFIX}/auth/sso/device/token`,
    {
      schema: { body: deviceTokenBodySchema, response: { 200: loginResponseSchema } },
    },
    async (request) => {
      const provider = requireOidc(ctx);
      let sso: SsoIdentity;
      try {
        sso = await provider.pollDevice(request.body.deviceCode);
      } catch (error) {
        if (!(error instanceof GloveboxError && error.code === 'GBX_AUTH_PENDING'))
          await ssoFailed(app, s, error, 'cli');
        throw error;
      }
      const result = await recordSsoLogin(app, s, sso, 'cli');
      return {
        token: result.token,
        expiresAt: result.record.expiresAt,
        user: { name: result.user.name, groups: result.user.groups },
      };
    },
  );
}
