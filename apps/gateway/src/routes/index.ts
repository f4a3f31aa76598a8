import type { GatewayApp, GatewayServices } from '../server.js';
import { registerAccessRoutes } from './access.js';
import { registerAgentRoutes } from './agents.js';
import { registerAuditRoutes } from './audit/index.js';
import { registerCiConfigRoutes } from './ci-config.js';
import { registerGatewayKeyRoutes } from './gateway-keys.js';
import { registerIdentityRoutes } from './identity/index.js';
import { registerPolicyRoutes } from './policy.js';
import { registerPolicyDeployRoutes } from './policy-deploy.js';
import { registerSessionRoutes } from './sessions.js';

/** Every /api/v1 route, by domain. Each is declared in routes/table.ts, where its authorization is decided. */
export function registerApiRoutes(api: GatewayApp, s: GatewayServices): void {
  registerIdentityRoutes(api, s);
  registerAgentRoutes(api, s);
  registerGatewayKeyRoutes(api, s);
  registerAccessRoutes(api, s);
  registerSessionRoutes(api, s);
  registerAuditRoutes(api, s);
  registerPolicyRoutes(api, s);
  registerPolicyDeployRoutes(api, s);
  registerCiConfigRoutes(api, s);
}
