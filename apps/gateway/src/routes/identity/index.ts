import type { GatewayApp, GatewayServices } from '../../server.js';
import { registerLoginRoutes } from './login.js';
import { registerMfaRoutes } from './mfa.js';
import { registerTokenRoutes } from './tokens.js';
import { registerUserRoutes } from './users.js';

/** Login, logout, users, API tokens and TOTP. What each route needs is in routes/table.ts. */
export function registerIdentityRoutes(api: GatewayApp, s: GatewayServices): void {
  registerLoginRoutes(api, s);
  registerUserRoutes(api, s);
  registerTokenRoutes(api, s);
  registerMfaRoutes(api, s);
}
