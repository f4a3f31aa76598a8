import { policyViewSchema } from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';

/**
 * The policy set: reading the one in force (`readPolicy`). Policy deployment routes belong here
 * too; each is declared in routes/table.ts first (deployPolicy, approvePolicy, planPolicy,
 * readPolicy) and then reads its caller and decision with `authzOf(request)`.
 */
export function registerPolicyRoutes(api: GatewayApp, s: GatewayServices): void {
  api.get('/policy', { schema: { response: { 200: policyViewSchema } } }, async () => {
    const described = s.engine.describe().policies;
    return {
      version: s.engine.version ?? 'none',
      policies: described.map((p) => ({ id: p.id, effect: p.effect, annotations: p.annotations })),
    };
  });
}
