import { z } from 'zod';
import { loginBodySchema, loginResponseSchema, whoamiResponseSchema } from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../../server.js';
import { passwordLogin } from '../../services/password-login.js';
import { authzOf } from '../authorize.js';

const empty = z.object({}).strict();
const ok = { 200: z.object({ ok: z.boolean() }) };

/** `POST /auth/login`, `POST /auth/logout`, `GET /whoami`: a person's login and who it says they are. */
export function registerLoginRoutes(api: GatewayApp, s: GatewayServices): void {
  const { identity, audit, store } = s;

  api.post(
    '/auth/login',
    { schema: { body: loginBodySchema, response: { 200: loginResponseSchema } } },
    async (request) => {
      const { user, password, otp } = request.body;
      const result = await passwordLogin(identity, audit, s.redactor, {
        user,
        password,
        otp,
        clientAddress: request.ip,
        via: 'api',
      });
      return {
        token: result.token,
        expiresAt: result.record.expiresAt,
        user: { name: result.user.name, groups: result.user.groups },
      };
    },
  );

  // A logout may come without a body at all (Fastify reads it as null).
  api.post('/auth/logout', { schema: { body: empty.nullish(), response: ok } }, async (request) => {
    const { actor } = authzOf(request);
    const tokensRevoked = await identity.revokeToken(actor.tokenId);
    await audit.record({
      type: 'auth.logout',
      actor: { kind: 'user', id: actor.name },
      outcome: 'success',
      details: { tokensRevoked },
    });
    return { ok: true };
  });

  api.get('/whoami', { schema: { response: { 200: whoamiResponseSchema } } }, async (request) => {
    const { actor } = authzOf(request);
    const user = await store.getUserById(actor.userId);
    return {
      user: actor.name,
      groups: actor.groups,
      tokenKind: actor.tokenKind,
      mfa: {
        enrolled: user?.mfaEnrolledAt != null,
        ageSec: actor.mfaAt === null ? null : Math.floor((s.config.clock.now() - actor.mfaAt) / 1000),
      },
    };
  });
}
