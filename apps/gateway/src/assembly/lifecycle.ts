import { randomBytes } from 'node:crypto';
import type { GatewayApp } from '../server.js';
import { bootstrap } from '../services/bootstrap.js';
import { startAuditTrail } from '../services/audit-trail.js';
import type { Assembly } from './services.js';

/** Migrates, loads the shared keys, opens the audit trail, seeds an empty store and starts the jobs. */
export async function startGateway(parts: Assembly, app: GatewayApp): Promise<void> {
  const { services, logger, shared, jobs, trail } = parts;
  const { config, store, cluster, signingKey, router, audit, sinks, policySync, settingsSync } = services;
  const { engine, hub, access, identity, artifacts } = services;
  const clock = config.clock;
  await store.migrate();
  // Keys every replica shares, sealed in the store with the master key (ADR 0019).
  await signingKey.load();
  router.useKey(
    Buffer.from(
      await shared.getOrCreate('replica-relay-key', () => randomBytes(32).toString('base64')),
      'base64',
    ),
  );
  const opened = await startAuditTrail({
    config,
    store,
    clock,
    secrets: shared,
    log: logger.child({ part: 'audit' }),
    audit,
    onCheckpoint: (checkpoint) => sinks.nudge(checkpoint.seq),
  });
  trail.current = opened.trail;
  // Replicas started at once on an empty store: one seeds the policy set, the settings and the
  // admin; the others find it done.
  await cluster.exclusive('first-start', async () => {
    await policySync.start();
    await settingsSync.start();
    await bootstrap(services, logger);
  });
  await audit.record({
    type: 'system.started',
    actor: { kind: 'system', id: 'gateway' },
    outcome: 'success',
    details: {
      store: store.kind,
      policyVersion: engine.version ?? 'none',
      pid: process.pid,
      witness: opened.witness.state,
    },
  });
  hub.start(await store.listLiveRequests());
  // One replica at a time (the elected leader) reaps and dispatches to the sinks.
  jobs.every('reaper', config.reaperIntervalMs, () => access.reap());
  jobs.every('credential-failures', 60_000, () => identity.limiter.purge());
  jobs.whileLeading(
    () => sinks.start(),
    () => sinks.stop(),
  );
  await cluster.start();
  artifacts.start();
  await app.ready();
}

/** Stops the jobs, records the stop (if it started), then closes every part, the store last. */
export async function stopGateway(parts: Assembly, app: GatewayApp, started: boolean): Promise<void> {
  const { services, jobs, trail, notifier } = parts;
  const { audit, policySync, settingsSync, router, signingKey, hub, artifacts, sinks, cluster, store } =
    services;
  await jobs.stop();
  if (started) {
    await audit
      .record({
        type: 'system.stopped',
        actor: { kind: 'system', id: 'gateway' },
        outcome: 'success',
        details: { pid: process.pid },
      })
      .catch(() => undefined);
  }
  await trail.current?.close();
  policySync.stop();
  settingsSync.stop();
  await router.close();
  signingKey.stop();
  await hub.close();
  artifacts.close();
  await sinks.stop();
  await notifier.close();
  await app.close();
  await audit.flush(); // the api.request events of the last calls
  await cluster.close();
  await store.close();
}
