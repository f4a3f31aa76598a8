import {
  ciTokenExchangeBodySchema,
  ciTokenExchangeResultSchema,
  configApplySchema,
  configPlanSchema,
  configRequestBodySchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';
import { authzOf } from './authorize.js';

/**
 * The CI token exchange (`glovebox login --ci`) and declarative configuration
 * (`glovebox plan -f` / `glovebox apply -f`).
 *
 * The exchange is public: its credential is the CI provider's token in the body, which the
 * service verifies and hands to policy (`exchangeToken` for the CI identity it maps to). Plan and
 * apply change who may do what, so both need `administer` on the gateway (routes/table.ts).
 */
export function registerCiConfigRoutes(api: GatewayApp, s: GatewayServices): void {
  api.post(
    '/auth/ci/token',
    {
      schema: { body: ciTokenExchangeBodySchema, response: { 200: ciTokenExchangeResultSchema } },
    },
    async (request) => {
      const result = await s.ciExchange.exchange(request.body.token);
      return {
        token: result.token,
        expiresAt: result.expiresAt,
        user: { name: result.user, groups: result.groups },
      };
    },
  );

  api.post(
    '/config/plan',
    { schema: { body: configRequestBodySchema, response: { 200: configPlanSchema } } },
    async (request) => {
      return s.configApply.plan(authzOf(request).actor, request.body);
    },
  );

  api.post(
    '/config/apply',
    { schema: { body: configRequestBodySchema, response: { 200: configApplySchema } } },
    async (request) => {
      const result = await s.configApply.apply(authzOf(request).actor, request.body);
      const created = result.changes.some((c) => c.section === 'agents' && c.op === 'create');
      return { ...result, gatewayKeys: created ? [s.signingKey.current().fingerprint] : [] };
    },
  );
}
