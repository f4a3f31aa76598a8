import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
} from '@simplewebauthn/server';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GloveboxError } from '@glovebox/core';
import {
  API_PREFIX,
  mfaVerifyResponseSchema,
  webauthnOptionsResponseSchema,
  webauthnVerifyBodySchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../../server.js';
import type { Actor } from '../../services/identity.js';
import { authzOf } from '../../routes/authorize.js';
import type { WebauthnContext } from './ceremony.js';

/** Checks an assertion against the login's challenge and the user's keys; GBX_MFA_INVALID if it fails. */
async function verifyAssertion(
  ctx: WebauthnContext,
  store: GatewayServices['store'],
  actor: Actor,
  body: z.infer<typeof webauthnVerifyBodySchema>,
  request: FastifyRequest,
): Promise<{ id: string; newCounter: number }> {
  const invalid = () =>
    new GloveboxError('GBX_MFA_INVALID', 'the security key response is invalid or expired');
  const { challenge } = await ctx.challenges.open(actor, body.challengeToken, 'assert');
  const response = body.response as unknown as AuthenticationResponseJSON;
  const stored = (await store.listWebauthnCredentials(actor.userId)).find((c) => c.id === response.id);
  if (!stored) throw invalid();
  const { origin, rpID } = ctx.rp(request);
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: {
        id: stored.id,
        publicKey: new Uint8Array(Buffer.from(stored.publicKey, 'base64url')),
        counter: stored.counter,
        transports: stored.transports as AuthenticatorTransportFuture[],
      },
      requireUserVerification: false,
    });
    if (result.verified) return { id: stored.id, newCounter: result.authenticationInfo.newCounter };
  } catch {
    // a malformed or forged response is a wrong one
  }
  throw invalid();
}

/** Assertions: a registered key refreshes the login's MFA time for step-up, like a TOTP code. */
export function registerWebauthnAssertionRoutes(
  app: GatewayApp,
  s: GatewayServices,
  ctx: WebauthnContext,
): void {
  const { config, store, identity, audit } = s;

  app.post(
    `${API_PREFIX}/mfa/webauthn/assert/options`,
    { schema: { body: z.object({}).strict().optional(), response: { 200: webauthnOptionsResponseSchema } } },
    async (request) => {
      const actor = authzOf(request).actor;
      const credentials = await store.listWebauthnCredentials(actor.userId);
      if (credentials.length === 0)
        throw new GloveboxError('GBX_MFA_NOT_ENROLLED', 'register a security key first');
      const opts = await generateAuthenticationOptions({
        rpID: ctx.rp(request).rpID,
        allowCredentials: credentials.map((c) => ({
          id: c.id,
          transports: c.transports as AuthenticatorTransportFuture[],
        })),
        userVerification: 'preferred',
      });
      return {
        options: opts as unknown as Record<string, unknown>,
        challengeToken: ctx.challenges.seal(actor, opts.challenge, 'assert'),
      };
    },
  );

  app.post(
    `${API_PREFIX}/mfa/webauthn/assert/verify`,
    { schema: { body: webauthnVerifyBodySchema, response: { 200: mfaVerifyResponseSchema } } },
    async (request) => {
      const actor = authzOf(request).actor;
      let asserted: { id: string; newCounter: number };
      try {
        asserted = await identity.limiter.attempt(
          { user: actor.name, source: request.ip },
          () => verifyAssertion(ctx, store, actor, request.body, request),
          (code) => code === 'GBX_MFA_INVALID',
        );
      } catch (error) {
        await audit.record({
          type: 'auth.mfa_failed',
          actor: { kind: 'user', id: actor.name },
          outcome: 'failure',
          details: { method: 'webauthn', code: error instanceof GloveboxError ? error.code : 'GBX_INTERNAL' },
        });
        throw error;
      }
      await store.touchWebauthnCredential(asserted.id, asserted.newCounter, config.clock.now());
      const verified = await identity.mfa.confirmFactor(actor, `webauthn:${asserted.id}`);
      await audit.record({
        type: 'auth.step_up',
        actor: { kind: 'user', id: actor.name },
        outcome: 'success',
        details: { method: 'webauthn' },
      });
      return verified;
    },
  );
}
