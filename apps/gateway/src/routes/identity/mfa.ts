import { GloveboxError } from '@glovebox/core';
import {
  mfaEnrollBodySchema,
  mfaEnrollResponseSchema,
  mfaVerifyBodySchema,
  mfaVerifyResponseSchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../../server.js';
import { recordFactorChange } from '../../services/factor-changes.js';
import { authzOf } from '../authorize.js';

/** TOTP: enroll (with an admin's ticket or a fresh factor) and verify, which refreshes the login for step-up. */
export function registerMfaRoutes(api: GatewayApp, s: GatewayServices): void {
  const { identity, audit } = s;

  api.post(
    '/mfa/enroll',
    { schema: { body: mfaEnrollBodySchema.optional(), response: { 200: mfaEnrollResponseSchema } } },
    async (request) => {
      const { actor } = authzOf(request);
      const { grant, ...result } = await identity.mfa.enrollTotp(actor, request.body?.ticket);
      await audit.record({
        type: 'auth.mfa_enrolled',
        actor: { kind: 'user', id: actor.name },
        outcome: 'pending',
        details: { method: 'totp', via: grant },
      });
      return result;
    },
  );

  api.post(
    '/mfa/verify',
    { schema: { body: mfaVerifyBodySchema, response: { 200: mfaVerifyResponseSchema } } },
    async (request) => {
      const { actor } = authzOf(request);
      try {
        const result = await identity.limiter.attempt(
          { user: actor.name, source: request.ip },
          () => identity.mfa.verifyTotp(actor, request.body.code),
          (code) => code === 'GBX_MFA_INVALID',
        );
        if (result.enrolled)
          // the pending enrollment's grant (ticket, fresh factor) is in its own event
          await recordFactorChange(s, {
            kind: 'mfa.enrolled',
            user: actor.name,
            actor: actor.name,
            factor: 'totp',
            via: 'code',
          });
        else
          await audit.record({
            type: 'auth.step_up',
            actor: { kind: 'user', id: actor.name },
            outcome: 'success',
            details: { method: 'totp' },
          });
        return result;
      } catch (error) {
        await audit.record({
          type: 'auth.mfa_failed',
          actor: { kind: 'user', id: actor.name },
          outcome: 'failure',
          details: { method: 'totp', code: error instanceof GloveboxError ? error.code : 'GBX_INTERNAL' },
        });
        throw error;
      }
    },
  );
}
