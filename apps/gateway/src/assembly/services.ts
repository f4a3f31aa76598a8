import type pino from 'pino';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { GloveboxError, type Clock } from '@glovebox/core';
import { PolicyEngine } from '@glovebox/policy';
import { createRedactor, type Redactor } from '@glovebox/redact';
import type { GatewayConfig } from '../config.js';
import type { GatewayServices } from '../server.js';
import { AccessService, type AccessNotice } from '../services/access.js';
import { ActionService } from '../services/actions.js';
import { AgentHub } from '../services/agent-hub.js';
import { clientAddressOf } from '../services/agent-connect-auth.js';
import { AuditService } from '../services/audit-service.js';
import { Authorizer } from '../services/authorizer.js';
import { DEFAULT_MAX_GROUP_STALENESS_SEC, IdentityService } from '../services/identity.js';
import { AccountControl } from '../services/account-control.js';
import { SecretBox } from '../services/secrets.js';
import { SharedSigningKey } from '../services/signing-keys.js';
import { SharedSecrets } from '../services/shared-secrets.js';
import { redactingLogger } from '../services/bootstrap.js';
import { Metrics } from '../services/metrics.js';
import type { AuditTrail } from '../services/audit-trail.js';
import { AuditSinks } from '../services/audit-sinks.js';
import { LiveFeed } from '../services/live-feed.js';
import { HeapArtifacts } from '../services/heap-artifacts.js';
import { Notifier } from '../services/notifier.js';
import { PolicyDeployService } from '../services/policy-deploy.js';
import { PolicyPlanService } from '../services/policy-plan.js';
import { PolicySync } from '../services/policy-sync.js';
import { SettingsSync } from '../services/settings-sync.js';
import { CiTokenExchange } from '../services/ci-token-exchange.js';
import { ConfigService } from '../config-apply/config-service.js';
import { openStore, type Store } from '../store/index.js';
import { AgentRouter, openCluster, SingletonJobs, type Cluster } from '../cluster/index.js';

/** The audit trail, opened when the gateway starts. */
export interface TrailSlot {
  current?: AuditTrail;
}

/** A gateway's services, and the parts besides them that starting and stopping it need. */
export interface Assembly {
  services: GatewayServices;
  logger: pino.Logger;
  secrets: SecretBox;
  /** Keys every replica shares, sealed in the store with the master key (ADR 0019). */
  shared: SharedSecrets;
  jobs: SingletonJobs;
  notifier: Notifier;
  trail: TrailSlot;
}

/** What every group of services is built on. */
interface Base {
  config: GatewayConfig;
  clock: Clock;
  logger: pino.Logger;
  redactor: Redactor;
  store: Store;
  cluster: Cluster;
  metrics: Metrics;
}

/** Builds the services of a gateway. Nothing is written until the gateway starts. */
export function assembleServices(config: GatewayConfig): Assembly {
  const redactor = createRedactor({ level: 'standard' });
  const redactors = { standard: redactor, strict: createRedactor({ level: 'strict' }) };
  // Our own logs get the same second pass as everything else: no secret in any log line.
  const logger = redactingLogger(config, redactor);

  const store = openStore(config.store, config.dataDir);
  const cluster = openCluster(store, logger.child({ part: 'cluster' }));
  const jobs = new SingletonJobs(cluster, logger.child({ part: 'jobs' }));
  const clock = config.clock;
  const metrics = new Metrics();
  const base: Base = { config, clock, logger, redactor, store, cluster, metrics };
  const engine = new PolicyEngine({ logger: logger.child({ part: 'policy' }), clock: config.clock });
  const authorizer = new Authorizer({ engine, clock, timeZone: config.timeZone });
  const secrets = SecretBox.fromEnvOrFile(
    config.masterKey ?? process.env.GLOVEBOX_MASTER_KEY,
    join(config.dataDir, 'master.key'),
  );
  const identity = new IdentityService({
    store,
    clock,
    secrets,
    sessionTokenTtlMs: config.sessionTokenTtlMs,
    credentialLimits: config.credentialLimits,
    maxGroupStalenessMs: (config.oidc?.maxGroupStalenessSec ?? DEFAULT_MAX_GROUP_STALENESS_SEC) * 1000,
  });
  const trail: TrailSlot = {};
  const { audit, sinks } = auditServices(base, trail);
  const { shared, signingKey, hub, router } = agentServices(base, secrets, audit, identity);
  const sessions = sessionServices(base, { authorizer, audit, hub, router, redactors });
  const policy = policyServices(base, { engine, audit, sinks, identity, authorizer, router, ...sessions });
  const services: GatewayServices = {
    ...policy,
    artifacts: sessions.artifacts,
    config,
    store,
    cluster,
    identity,
    authorizer,
    engine,
    audit,
    access: sessions.access,
    actions: sessions.actions,
    notifier: sessions.notifier,
    hub,
    router,
    metrics,
    redactor,
    sinks,
    live: sessions.live,
    signingKey,
    trail: () => {
      if (!trail.current) throw new GloveboxError('GBX_STORE_UNAVAILABLE', 'the gateway has not started');
      return trail.current;
    },
  };
  return { services, logger, secrets, shared, jobs, notifier: sessions.notifier, trail };
}

/** The audit service and the sinks it feeds. */
function auditServices({ config, clock, logger, redactor, store, metrics }: Base, trail: TrailSlot) {
  const audit = new AuditService({
    store,
    clock,
    redactor,
    onAppend: (event) => {
      metrics.inc('glovebox_audit_events_total');
      trail.current?.observe(event);
      sinks.nudge(event.seq);
    },
    onFailure: (error) => {
      metrics.inc('glovebox_audit_failures_total');
      logger.error({ err: error }, 'audit write failed');
    },
    onIntegrityFailure: (error) => {
      metrics.inc('glovebox_audit_integrity_failures_total');
      logger.fatal({ code: error.code }, `${error.message}`);
    },
  });
  const sinks = new AuditSinks(config.audit, store, logger.child({ part: 'audit-sinks' }));
  return { audit, sinks };
}

/** The agents' connections on this replica, the router across replicas, and the key they are signed with. */
function agentServices(
  { config, clock, logger, store, cluster }: Base,
  secrets: SecretBox,
  audit: AuditService,
  identity: IdentityService,
) {
  const shared = new SharedSecrets({
    store,
    clock,
    box: secrets,
    exclusive: (n, fn) => cluster.exclusive(n, fn),
  });
  const signingKey = new SharedSigningKey({
    secrets: shared,
    legacyPath: join(config.dataDir, 'keys', 'envelope-ed25519.pem'),
    clock,
    refreshMs: 5_000,
    onRotated: () => hub.rekey(),
    log: logger.child({ part: 'signing-key' }),
  });
  const hub = new AgentHub({
    store,
    clock,
    limiter: identity.limiter,
    clientAddress: clientAddressOf(config.trustProxy),
    key: () => signingKey.current(),
    onConnection: (agent, instance, hello) => router.connection(agent, instance, hello),
    instanceAllowed: async (agent, instance) =>
      !(await store.revokedInstances.list(agent)).includes(instance),
    log: logger.child({ part: 'agents' }),
    envelopeTtlMs: config.envelopeTtlMs,
    leaseWindowMs: config.leaseWindowMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    agentTimeoutMs: config.agentTimeoutMs,
    callTimeoutMs: config.callTimeoutMs,
    onAgentEvent: (type, agent, details) => {
      audit
        .record({
          type,
          actor: { kind: 'agent', id: agent },
          target: agent,
          outcome: type === 'agent.rejected' || type === 'agent.refused_gateway' ? 'denied' : 'success',
          details,
        })
        .catch(() => undefined);
    },
  });
  // Actions reach the agent here or through the replica holding its connection (the relay).
  const router = new AgentRouter({
    store,
    cluster,
    hub,
    clock,
    log: logger.child({ part: 'router' }),
    heartbeatMs: 1000,
    staleMs: 5000,
    relayIdleTimeoutMs: config.callTimeoutMs + 5000,
  });
  return { shared, signingKey, hub, router };
}

interface SessionDeps {
  authorizer: Authorizer;
  audit: AuditService;
  hub: AgentHub;
  router: AgentRouter;
  redactors: { standard: Redactor; strict: Redactor };
}

/** Access requests and their notices, the actions run in sessions, their live feed and heap artifacts. */
function sessionServices(base: Base, { authorizer, audit, hub, router, redactors }: SessionDeps) {
  const { config, clock, logger, redactor, store, metrics } = base;
  const notifier = new Notifier({
    webhooks: config.webhooks ?? [],
    baseUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
    clock,
    redactor,
    log: logger.child({ part: 'notifier' }),
    onOutcome: (outcome, kind) => metrics.inc(`glovebox_webhooks_total{outcome="${outcome}",kind="${kind}"}`),
  });
  const notify = (notice: AccessNotice) => {
    notifier.notify(notice);
    metrics.inc(`glovebox_notices_total{kind="${notice.kind}"}`);
    const level = notice.kind === 'break-glass' ? 'warn' : 'info';
    logger[level](
      { notice: notice.kind, request: notice.request.id, target: notice.request.target, by: notice.by },
      notice.kind,
    );
  };
  const live = new LiveFeed();
  const access = new AccessService({
    store,
    clock,
    authorizer,
    audit,
    listener: {
      sessionActivated: (session) => {
        hub.sessionActivated(session);
        router.sessionActivated(session);
      },
      sessionEnded: (session) => {
        hub.sessionEnded(session);
        router.sessionEnded(session);
        live.end(session.id);
      },
    },
    notify,
    pendingTtlMs: config.pendingTtlMs,
  });
  const artifacts = new HeapArtifacts({
    dir: join(config.dataDir, 'artifacts'),
    clock,
    maxBytes: config.maxArtifactBytes,
    unkeptTtlMs: 15 * 60_000,
  });
  const actions = new ActionService({ clock, store, live, access, hub: router, audit, redactors, artifacts });
  return { notifier, live, access, artifacts, actions };
}

interface PolicyDeps {
  engine: PolicyEngine;
  audit: AuditService;
  sinks: AuditSinks;
  notifier: Notifier;
  identity: IdentityService;
  authorizer: Authorizer;
  access: AccessService;
  router: AgentRouter;
}

/** The policy set and settings in force, `apply -f`, account control and the CI token exchange. */
function policyServices(base: Base, d: PolicyDeps) {
  const { config, clock, logger, redactor, store, metrics } = base;
  const { engine, audit, sinks, notifier, identity, authorizer, access, router } = d;
  const policySync = new PolicySync({
    source: config.policySource,
    policiesDir: config.policiesDir,
    watch: config.watchPolicies,
    intervalMs: config.policySyncIntervalMs,
    replica: config.replicaName ?? `${hostname()}:${process.pid}`,
    store,
    engine,
    audit,
    clock,
    log: logger.child({ part: 'policy' }),
    metrics,
  });
  const policyDeploy = new PolicyDeployService({ store, audit, clock, sync: policySync });
  const policyPlan = new PolicyPlanService({ store, engine, audit, clock });
  const settingsSync = new SettingsSync({
    store,
    config,
    sinks,
    notifier,
    log: logger.child({ part: 'settings' }),
    metrics,
    intervalMs: config.policySyncIntervalMs,
  });
  const control = new AccountControl({
    store,
    clock,
    access,
    agentChanged: (n) => router.agentChanged(n),
    canAdminister: (u) =>
      authorizer.decide(
        {
          userId: u.id,
          name: u.name,
          groups: u.groups,
          tokenId: '',
          tokenKind: 'session',
          mfaAt: clock.now(),
        },
        'administer',
        { kind: 'gateway' },
      ).allowed,
  });
  const configApply = new ConfigService({
    store,
    identity,
    control,
    audit,
    clock,
    redactor,
    checkSettings: (doc) => settingsSync.check(doc),
    reloadSettings: () => settingsSync.reloadNow(),
  });
  const ciExchange = new CiTokenExchange({
    config: config.ciTokenExchange,
    store,
    identity,
    authorizer,
    audit,
    clock,
  });
  return { policySync, policyDeploy, policyPlan, settingsSync, control, configApply, ciExchange };
}
