import Fastify, {
  LogController,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import swagger from '@fastify/swagger';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type pino from 'pino';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GloveboxError } from '@glovebox/core';
import { PolicyEngine } from '@glovebox/policy';
import { hostname } from 'node:os';
import { API_PREFIX } from '@glovebox/protocol';
import { createRedactor, type Redactor } from '@glovebox/redact';
import { checkAndSetDefaults, type GatewayConfig, type GatewayOptions } from './config.js';
import { errorHandler } from './http-errors.js';
import { registerApiRoutes } from './routes/index.js';
import { recordApiRequests } from './routes/api-request-audit.js';
import { installAuthorization } from './routes/authorize.js';
import { rewriteToCanonical } from './routes/canonical-url.js';
import { enforceRouteTable } from './routes/registrar.js';
import { registerHealthRoutes } from './routes/health.js';
import { ROUTE_TABLE } from './routes/table.js';
import { AccessService, type AccessNotice } from './services/access.js';
import { ActionService } from './services/actions.js';
import { AgentHub } from './services/agent-hub.js';
import { AuditService } from './services/audit-service.js';
import { Authorizer } from './services/authorizer.js';
import { IdentityService } from './services/identity.js';
import { AccountControl } from './services/account-control.js';
import { SecretBox } from './services/secrets.js';
import { SharedSigningKey } from './services/signing-keys.js';
import { SharedSecrets } from './services/shared-secrets.js';
import { bootstrap, redactingLogger, replicaUrlOf } from './services/bootstrap.js';
import { Metrics } from './services/metrics.js';
import { startAuditTrail, type AuditTrail } from './services/audit-trail.js';
import { AuditSinks } from './services/audit-sinks.js';
import { LiveFeed } from './services/live-feed.js';
import { HeapArtifacts } from './services/heap-artifacts.js';
import { Notifier } from './services/notifier.js';
import { PolicyDeployService } from './services/policy-deploy.js';
import { PolicyPlanService } from './services/policy-plan.js';
import { PolicySync } from './services/policy-sync.js';
import { SettingsSync } from './services/settings-sync.js';
import { CiTokenExchange } from './services/ci-token-exchange.js';
import { ConfigService } from './config-apply/config-service.js';
import { registerWebConsole } from './web/index.js';
import { openStore, type Store } from './store/index.js';
import { AgentRouter, openCluster, SingletonJobs, type Cluster } from './cluster/index.js';

/** The services a running gateway is made of; routes only ever talk to these. */
export interface GatewayServices {
  config: GatewayConfig;
  store: Store;
  identity: IdentityService;
  /** Disabling users, revoking and rotating agent credentials: access ended at once. */
  control: AccountControl;
  authorizer: Authorizer;
  engine: PolicyEngine;
  audit: AuditService;
  access: AccessService;
  actions: ActionService;
  hub: AgentHub;
  /** Which instances of an agent are connected, on any replica; actions go through it. */
  router: AgentRouter;
  metrics: Metrics;
  redactor: Redactor;
  sinks: AuditSinks;
  live: LiveFeed;
  /** Redacted heap snapshots waiting for their download (or kept by policy). */
  artifacts: HeapArtifacts;
  /** Keeps the engine on the policy set in force (directory or store). */
  policySync: PolicySync;
  /** Policy bundles: push, approve, roll back, versions, diff. */
  policyDeploy: PolicyDeployService;
  /** Impact analysis of a proposed bundle on recorded decisions. */
  policyPlan: PolicyPlanService;
  /** `plan`/`apply -f glovebox.yaml`. */
  configApply: ConfigService;
  /** Settings applied from glovebox.yaml, followed by every replica. */
  settingsSync: SettingsSync;
  /** CI provider tokens exchanged for short-lived Glovebox tokens. */
  ciExchange: CiTokenExchange;
  /** Leadership, locks and control messages shared with the other replicas on the store. */
  cluster: Cluster;
  /** The key every replica signs welcomes and envelopes with; agents pin its fingerprint. */
  signingKey: SharedSigningKey;
  /** Checkpoints, export and verification; available once the gateway has started. */
  trail(): AuditTrail;
}

export type GatewayApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  pino.Logger,
  ZodTypeProvider
>;

export interface Gateway {
  app: GatewayApp;
  services: GatewayServices;
  /** Migrates, bootstraps, starts the reaper and listens. Returns the URL. */
  listen(): Promise<string>;
  /** Same as listen() but without a socket, for inject()-based tests. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Builds a gateway. Nothing listens and nothing is written until `listen()` or `ready()`. */
export function buildServer(options: GatewayOptions): Gateway {
  const config = checkAndSetDefaults(options);
  const redactor = createRedactor({ level: 'standard' });
  const redactors = { standard: redactor, strict: createRedactor({ level: 'strict' }) };
  // Our own logs get the same second pass as everything else: no secret in any log line.
  const logger = redactingLogger(config, redactor);

  const store = openStore(config.store, config.dataDir);
  const cluster = openCluster(store, logger.child({ part: 'cluster' }));
  const jobs = new SingletonJobs(cluster, logger.child({ part: 'jobs' }));
  const clock = config.clock;
  const metrics = new Metrics();
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
  });
  const audit = new AuditService({
    store,
    clock,
    redactor,
    onAppend: (event) => {
      metrics.inc('glovebox_audit_events_total');
      trail?.observe(event);
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
    key: () => signingKey.current(),
    onConnection: (agent, instance, hello) => router.connection(agent, instance, hello),
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
  const actions = new ActionService({ clock, store, live, access, hub: router, audit, redactors, artifacts });
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
  const control = new AccountControl({ store, clock, access, agentChanged: (n) => router.agentChanged(n) });
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
  let trail: AuditTrail | undefined;
  const services: GatewayServices = {
    artifacts,
    config,
    store,
    cluster,
    identity,
    control,
    authorizer,
    engine,
    audit,
    access,
    actions,
    hub,
    router,
    metrics,
    redactor,
    sinks,
    live,
    policySync,
    policyDeploy,
    policyPlan,
    configApply,
    settingsSync,
    ciExchange,
    signingKey,
    trail: () => {
      if (!trail) throw new GloveboxError('GBX_STORE_UNAVAILABLE', 'the gateway has not started');
      return trail;
    },
  };

  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    // Every API call is already in the audit trail (api.request); per-request log lines would only
    // repeat it, and each one costs a redaction pass.
    logController: new LogController({ disableRequestLogging: true }),
    // The client address keys the credential limits: only configured proxies may name it.
    trustProxy: config.trustProxy,
    // close() comes last, after the agents and jobs stopped: a finished streamed (hijacked) answer's
    // keep-alive socket otherwise held it for the 72 s keep-alive timeout
    forceCloseConnections: true,
    // Absolute-form, doubled slashes, dot segments…: one spelling per route (routes/canonical-url.ts).
    rewriteUrl: rewriteToCanonical,
  }).withTypeProvider<ZodTypeProvider>();
  // Every route must be declared in the route table; its declaration decides who may call it.
  enforceRouteTable(app, ROUTE_TABLE);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(redactor));
  app.setNotFoundHandler((_req, reply) => {
    void reply.status(404).send({ error: { code: 'GBX_NOT_FOUND', message: 'no such endpoint' } });
  });
  void app.register(swagger, {
    openapi: {
      info: { title: 'Glovebox gateway API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.addHook('onRequest', async () => {
    metrics.inc('glovebox_http_requests_total');
  });
  installAuthorization(app, services);

  recordApiRequests(app, audit);

  registerHealthRoutes(app, services);
  registerWebConsole(app, services, { secrets });
  router.register(app);
  void app.register(async (api) => registerApiRoutes(api as unknown as GatewayApp, services), {
    prefix: API_PREFIX,
  });
  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

  app.server.on('upgrade', (req, socket, head) => {
    if (req.url?.split('?')[0] !== `${API_PREFIX}/agent/connect`) {
      socket.destroy();
      return;
    }
    void hub.handleUpgrade(req, socket, head);
  });

  let started = false;

  async function start(): Promise<void> {
    if (started) return;
    started = true;
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
    trail = opened.trail;
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

  return {
    app,
    services,
    async listen() {
      await start();
      const url = await app.listen({ host: config.host, port: config.port });
      await router.advertise(replicaUrlOf(config, app.server.address(), url));
      return url;
    },
    ready: start,
    async close() {
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
      await trail?.close();
      policySync.stop();
      settingsSync.stop();
      await router.close();
      signingKey.stop();
      await hub.close();
      artifacts.close();
      await sinks.stop();
      await notifier.close();
      await app.close();
      await cluster.close();
      await store.close();
    },
  };
}
