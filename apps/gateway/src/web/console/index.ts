import { fileURLToPath } from 'node:url';
import type { FastifyRequest } from 'fastify';
import type { GatewayApp, GatewayServices } from '../../server.js';
import type { SecretBox } from '../../services/secrets.js';
import { OidcLogin } from '../oidc.js';
import { securityHeaders } from '../security.js';
import { registerWebauthnRoutes } from '../webauthn/index.js';
import { registerConsoleFiles } from './files.js';
import { registerConsoleSessionRoutes } from './session.js';
import { registerSsoRoutes } from './sso.js';

export { authenticateConsoleRequest } from './session.js';

/** What the console plugin needs beyond the gateway's services. */
export interface WebConsoleOptions {
  /** Seals the OpenID transaction cookie, so any replica can complete a login another one began. */
  secrets: SecretBox;
}

/**
 * Registers the web console on the gateway: security headers on every response, the console's
 * files, console login (local password or OpenID Connect with PKCE), logout, the device
 * authorization endpoints `glovebox login --sso` uses, and WebAuthn. Call it directly (not through
 * `app.register`) so its headers hook covers the whole server.
 */
export function registerWebConsole(app: GatewayApp, s: GatewayServices, options: WebConsoleOptions): void {
  const { config, store } = s;
  const headers = securityHeaders(config.publicUrl?.startsWith('https://') === true);
  const oidc = config.oidc
    ? new OidcLogin(config.oidc, config.clock, (key, expiresAt) =>
        store.identityState.useOnce(key, expiresAt),
      )
    : null;

  app.addHook('onSend', async (request, reply, payload) => {
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
    if (!request.url.startsWith('/console/assets/')) void reply.header('cache-control', 'no-store');
    return payload;
  });

  const origin = (request: FastifyRequest) =>
    config.publicUrl?.replace(/\/+$/, '') ?? `${request.protocol}://${request.host}`;
  registerConsoleFiles(app, config.consoleDir ?? fileURLToPath(new URL('../../../../web/', import.meta.url)));
  registerConsoleSessionRoutes(app, s, oidc !== null);
  registerSsoRoutes(app, s, {
    oidc,
    origin,
    redirectUri: (request) => `${origin(request)}/auth/oidc/callback`,
    secrets: options.secrets,
  });
  registerWebauthnRoutes(app, s, { origin, secrets: options.secrets });
}
