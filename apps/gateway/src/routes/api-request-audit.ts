import { API_PREFIX } from '@glovebox/protocol';
import type { GatewayApp } from '../server.js';
import type { AuditService } from '../services/audit-service.js';

/** The routes that read the trail (and recordings, which it holds the hashes of). */
const READS_TRAIL = [`${API_PREFIX}/audit`, `${API_PREFIX}/recordings`];

/**
 * Every API call leaves one `api.request` event (who, what route, what status) beside the domain
 * events its handler wrote. Written after the reply: it records the call, it gates nothing, so it
 * joins the next audit transaction instead of paying for a commit of its own. A read of the trail
 * waits for those still waiting, so it sees every call made before it.
 */
export function recordApiRequests(app: GatewayApp, audit: AuditService): void {
  app.addHook('preHandler', async (request) => {
    const route = request.routeOptions.url ?? '';
    if (READS_TRAIL.some((prefix) => route.startsWith(prefix))) await audit.flush();
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.config.declaration?.url ?? request.url;
    if (!route.startsWith(API_PREFIX) || route === `${API_PREFIX}/openapi.json`) return;
    const actor = request.actor;
    audit.recordTrailing({
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
    });
  });
}
