import type {
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { createServer as createNetServer } from 'node:net';
import { GloveboxError } from '@glovebox/core';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type pino from 'pino';
import type { PolicyEngine } from '@glovebox/policy';
import type { Redactor } from '@glovebox/redact';
import { checkAndSetDefaults, type GatewayConfig, type GatewayOptions } from './config.js';
import type { AccessService } from './services/access.js';
import type { ActionService } from './services/actions.js';
import type { AgentHub } from './services/agent-hub.js';
import type { AuditService } from './services/audit-service.js';
import type { Authorizer } from './services/authorizer.js';
import type { IdentityService } from './services/identity.js';
import type { AccountControl } from './services/account-control.js';
import type { Notifier } from './services/notifier.js';
import type { SharedSigningKey } from './services/signing-keys.js';
import { replicaUrlOf } from './services/bootstrap.js';
import type { Metrics } from './services/metrics.js';
import type { AuditTrail } from './services/audit-trail.js';
import type { AuditSinks } from './services/audit-sinks.js';
import type { LiveFeed } from './services/live-feed.js';
import type { HeapArtifacts } from './services/heap-artifacts.js';
import type { PolicyDeployService } from './services/policy-deploy.js';
import type { PolicyPlanService } from './services/policy-plan.js';
import type { PolicySync } from './services/policy-sync.js';
import type { SettingsSync } from './services/settings-sync.js';
import type { CiTokenExchange } from './services/ci-token-exchange.js';
import type { ConfigService } from './config-apply/config-service.js';
import type { Store } from './store/index.js';
import type { AgentRouter, Cluster } from './cluster/index.js';
import { assembleServices } from './assembly/services.js';
import { buildApp } from './assembly/app.js';
import { startGateway, stopGateway } from './assembly/lifecycle.js';

/** The services a running gateway is made of; routes only ever talk to these. */
export interface GatewayServices {
  config: GatewayConfig;
  store: Store;
  identity: IdentityService;
  /** Disabling users, revoking and rotating agent credentials: access ended at once. */
  control: AccountControl;
  /** Webhook notices: access requests and sessions, and changes to users' second factors. */
  notifier: Notifier;
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

/**
 * Builds a gateway. Nothing listens and nothing is written until `listen()` or `ready()`.
 * The parts are in assembly/: the services (services.ts), the HTTP server (app.ts), start and stop
 * (lifecycle.ts).
 */
export function buildServer(options: GatewayOptions): Gateway {
  const config = checkAndSetDefaults(options);
  const parts = assembleServices(config);
  const app = buildApp(parts);
  let started = false;

  async function start(): Promise<void> {
    if (started) return;
    started = true;
    await startGateway(parts, app);
  }

  return {
    app,
    services: parts.services,
    async listen() {
      // before anything is created: a first start on a taken address printed the one-time admin
      // token, created the admin, then failed, and later starts never showed a token again
      await assertAddressFree(config.host, config.port);
      await start();
      const url = await app.listen({ host: config.host, port: config.port });
      await parts.services.router.advertise(replicaUrlOf(config, app.server.address(), url));
      return url;
    },
    ready: start,
    close: () => stopGateway(parts, app, started),
  };
}

/** Refuses an address another process listens on (GBX_CONFIG_INVALID), by binding it for a moment. */
function assertAddressFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new GloveboxError(
          'GBX_CONFIG_INVALID',
          error.code === 'EADDRINUSE'
            ? `${host}:${port} is in use (another gateway?): stop it or choose another --listen`
            : `cannot listen on ${host}:${port} (${error.code ?? 'error'})`,
        ),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
