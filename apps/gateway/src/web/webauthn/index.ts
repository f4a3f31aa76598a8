import type { FastifyRequest } from 'fastify';
import type { GatewayApp, GatewayServices } from '../../server.js';
import type { SecretBox } from '../../services/secrets.js';
import { registerWebauthnAssertionRoutes } from './assertion.js';
import { ChallengeSeal, type WebauthnContext } from './ceremony.js';
import { registerWebauthnRegistrationRoutes } from './registration.js';

/**
 * WebAuthn as a second factor: registration of security keys and platform authenticators, and
 * assertions that refresh the login's MFA time for step-up, like a TOTP code. Challenges are
 * sealed and bound to the login that asked for them, and each is accepted once.
 */
export function registerWebauthnRoutes(
  app: GatewayApp,
  s: GatewayServices,
  options: { origin: (request: FastifyRequest) => string; secrets: SecretBox },
): void {
  const { config, store } = s;
  const ctx: WebauthnContext = {
    rp: (request) => {
      const origin = config.webauthn?.origin ?? options.origin(request);
      return { origin, rpID: config.webauthn?.rpId ?? new URL(origin).hostname };
    },
    challenges: new ChallengeSeal(config.clock, options.secrets, store.identityState),
  };
  registerWebauthnRegistrationRoutes(app, s, ctx);
  registerWebauthnAssertionRoutes(app, s, ctx);
}
