import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type AuthenticatorTransportFuture,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { GloveboxError } from '@glovebox/core';
import {
  API_PREFIX,
  mfaEnrollBodySchema,
  webauthnCredentialListSchema,
  webauthnOptionsResponseSchema,
  webauthnRegisteredSchema,
  webauthnVerifyBodySchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../../server.js';
import { authzOf } from '../../routes/authorize.js';
import { recordFactorChange } from '../../services/factor-changes.js';
import type { WebauthnContext } from './ceremony.js';

/** The caller's keys, and registering one (with an enrollment ticket or a fresh second factor). */
export function registerWebauthnRegistrationRoutes(
  app: GatewayApp,
  s: GatewayServices,
  ctx: WebauthnContext,
): void {
  const { config, store, identity, audit } = s;

  app.get(
    `${API_PREFIX}/mfa/webauthn`,
    { schema: { response: { 200: webauthnCredentialListSchema } } },
    async (request) => {
      const actor = authzOf(request).actor;
      const list = await store.listWebauthnCredentials(actor.userId);
      return {
        credentials: list.map((c) => ({ id: c.id, createdAt: c.createdAt, lastUsedAt: c.lastUsedAt })),
      };
    },
  );

  app.post(
    `${API_PREFIX}/mfa/webauthn/register/options`,
    { schema: { body: mfaEnrollBodySchema.optional(), response: { 200: webauthnOptionsResponseSchema } } },
    async (request) => {
      const actor = authzOf(request).actor;
      const user = await store.getUserById(actor.userId);
      if (!user) throw new GloveboxError('GBX_AUTH_FAILED', 'invalid or expired credentials');
      const existing = await store.listWebauthnCredentials(actor.userId);
      const grant = await identity.mfa.mayEnroll(actor, request.body?.ticket);
      const { rpID } = ctx.rp(request);
      const opts = await generateRegistrationOptions({
        rpName: 'Glovebox',
        rpID,
        userName: user.name,
        userID: new TextEncoder().encode(user.id),
        attestationType: 'none',
        excludeCredentials: existing.map((c) => ({
          id: c.id,
          transports: c.transports as AuthenticatorTransportFuture[],
        })),
        authenticatorSelection: { residentKey: 'discouraged', userVerification: 'preferred' },
      });
      return {
        options: opts as unknown as Record<string, unknown>,
        challengeToken: ctx.challenges.seal(actor, opts.challenge, 'register', grant),
      };
    },
  );

  app.post(
    `${API_PREFIX}/mfa/webauthn/register/verify`,
    { schema: { body: webauthnVerifyBodySchema, response: { 201: webauthnRegisteredSchema } } },
    async (request, reply) => {
      const actor = authzOf(request).actor;
      const { challenge, grant } = await ctx.challenges.open(actor, request.body.challengeToken, 'register');
      const { origin, rpID } = ctx.rp(request);
      let verified;
      try {
        verified = await verifyRegistrationResponse({
          response: request.body.response as unknown as RegistrationResponseJSON,
          expectedChallenge: challenge,
          expectedOrigin: origin,
          expectedRPID: rpID,
          requireUserVerification: false,
        });
      } catch {
        verified = { verified: false as const };
      }
      if (!verified.verified) {
        await audit.record({
          type: 'auth.mfa_failed',
          actor: { kind: 'user', id: actor.name },
          outcome: 'failure',
          details: { method: 'webauthn', ceremony: 'register' },
        });
        throw new GloveboxError('GBX_MFA_INVALID', 'the security key response is invalid or expired');
      }
      const credential = verified.registrationInfo.credential;
      const now = config.clock.now();
      await store.addWebauthnCredential({
        id: credential.id,
        userId: actor.userId,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: credential.transports ?? [],
        createdAt: now,
        lastUsedAt: null,
      });
      // A key registered in this login never counts as this login's second factor.
      await identity.mfa.recordEnrollment(actor, `webauthn:${credential.id}`);
      await recordFactorChange(s, {
        kind: 'mfa.enrolled',
        user: actor.name,
        actor: actor.name,
        factor: 'webauthn',
        via: grant ?? 'fresh-mfa',
      });
      return reply.status(201).send({ credentialId: credential.id, createdAt: now });
    },
  );
}
