import { auditListSchema, auditQuerySchema } from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../../server.js';
import { authzOf } from '../authorize.js';
import { auditFilterOf, searchAudit } from '../../services/audit-search.js';

/** `GET /audit`: a page of the trail by filter; the read is itself audited. */
export function registerAuditSearchRoute(api: GatewayApp, s: GatewayServices): void {
  const { audit, store } = s;

  api.get(
    '/audit',
    { schema: { querystring: auditQuerySchema, response: { 200: auditListSchema } } },
    async (request) => {
      const { actor, decision } = authzOf(request);
      const q = request.query;
      const filter = auditFilterOf(q, s.config.clock.now());
      await audit.record({
        type: 'audit.read',
        actor: { kind: 'user', id: actor.name },
        decision,
        outcome: 'success',
        details: { filter: q },
      });
      const page = await searchAudit(store, filter);
      return { ...page, since: filter.since ?? null, until: filter.until ?? null };
    },
  );
}
