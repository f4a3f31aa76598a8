import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GloveboxError } from '@glovebox/core';
import { consoleSessionSchema, loginBodySchema, loginResponseSchema } from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../../server.js';
import type { Actor } from '../../services/identity.js';
import { passwordLogin } from '../../services/password-login.js';
import { authzOf } from '../../routes/authorize.js';
import {
  CSRF_HEADER,
  SESSION_COOKIE,
  checkSameOrigin,
  clearedCookie,
  csrfFor,
  csrfMatches,
  hostCookie,
  parseCookies,
} from '../security.js';

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

/** Console login state: what the page asks on load, password login, logout. */
export function registerConsoleSessionRoutes(app: GatewayApp, s: GatewayServices, ssoEnabled: boolean): void {
  const { config, identity, audit } = s;
  const setSession = (reply: FastifyReply, token: string, expiresAt: number) => {
    void reply.header(
      'set-cookie',
      hostCookie(SESSION_COOKIE, token, {
        maxAgeSec: (expiresAt - config.clock.now()) / 1000,
        sameSite: 'Strict',
      }),
    );
  };

  app.get(
    '/auth/console/session',
    { schema: { response: { 200: consoleSessionSchema } } },
    async (request) => {
      const token = sessionCookie(request);
      const methods = { sso: ssoEnabled, password: true };
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
      const tokensRevoked = await identity.revokeToken(actor.tokenId);
      await audit.record({
        type: 'auth.logout',
        actor: { kind: 'user', id: actor.name },
        outcome: 'success',
        details: { via: 'console', tokensRevoked },
      });
      void reply.header('set-cookie', clearedCookie(SESSION_COOKIE));
      return { ok: true };
    },
  );
}
