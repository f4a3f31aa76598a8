import { API_PREFIX } from '@glovebox/protocol';
import type { GatewayApp } from '../server.js';
import type { AuditService } from '../services/audit-service.js';

/**
 * Every API call leaves one `api.request` event (who, what route, what status) beside the domain
 * events its handler wrote. Written after the reply: it records the call, it gates nothing.
 */
export function recordApiRequests(app: GatewayApp, audit: AuditService): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.config.declaration?.url ?? request.url;
    if (!route.startsWith(API_PREFIX) || route === `${API_PREFIX}/openapi.json`) return;
    const actor = request.actor;
    await audit
      .record({
        type: 'api.request',
        actor: actor ? { kind: 'user', id: actor.name } : { kind: 'anonymous', id: 'unauthenticated' },
        outcome:
          reply.statusCode < 400
            ? 'success'
            : reply.statusCode === 401 || reply.statusCode === 403
              ? 'denied'
              : 'failure',
        details: {
          method: request.method,
          route: request.routeOptions.url ?? 'unknown',
          status: reply.statusCode,
        },
      })
      .catch(() => undefined);
  });
}
