import type { GatewayApp, GatewayServices } from '../server.js';

/** Liveness, readiness (store, policy set, audit trail, policy in sync) and Prometheus metrics. */
export function registerHealthRoutes(app: GatewayApp, s: GatewayServices): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await s.store.ping();
    } catch {
      return reply.status(503).send({ status: 'store unavailable' });
    }
    if (!s.engine.ready) return reply.status(503).send({ status: 'no valid policy set' });
    if (s.audit.halted) return reply.status(503).send({ status: 'audit store went backwards' });
    // a replica that could not activate the version in force keeps its last good set, and says so
    if (!s.policySync.status().inSync) return reply.status(503).send({ status: 'policy out of sync' });
    return { status: 'ready' };
  });
  app.get('/metrics', async (_req, reply) => {
    s.metrics.set('glovebox_agents_connected', s.hub.connectedCount());
    for (const k of s.sinks.status()) {
      s.metrics.set(`glovebox_audit_sink_lag{sink="${k.name}"}`, k.lag);
      s.metrics.set(`glovebox_audit_sink_failures{sink="${k.name}"}`, k.failures);
    }
    return reply.type('text/plain; version=0.0.4').send(s.metrics.render());
  });
}
