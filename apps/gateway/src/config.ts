import { GloveboxError, systemClock, type Clock } from '@glovebox/core';
import { resolve } from 'node:path';
import { DEFAULT_CREDENTIAL_LIMITS, type CredentialLimits } from './services/credential-limits.js';

/** Everything `buildServer` needs; `checkAndSetDefaults` fills the rest and rejects nonsense. */
export interface GatewayConfig {
  /** Directory for the SQLite store, keys and master key. */
  dataDir: string;
  /** `postgres://…[?schema=name]` or `sqlite:PATH`; default: SQLite under dataDir. */
  store?: string | undefined;
  /**
   * Where policies come from. `directory` (default): `policiesDir`, watched (one node). `store`:
   * the bundles pushed with `glovebox policy push`, which every replica on the store follows;
   * `policiesDir` then only seeds an empty store.
   */
  policySource: 'directory' | 'store';
  policiesDir: string;
  /** Store mode: how often each replica reads which version is in force (NOTIFY wakes it sooner). */
  policySyncIntervalMs: number;
  /** This replica's name in policy status reports; default `HOST:PID`. */
  replicaName?: string | undefined;
  host: string;
  port: number;
  /**
   * Where the other replicas reach this one (its relay endpoint's base), e.g. `http://10.0.0.5:7350`;
   * default: the address it listens on (the host name when it listens on every interface).
   */
  replicaUrl?: string | undefined;
  /** Public URL of the gateway, used in links. */
  publicUrl?: string | undefined;
  timeZone: string;
  clock: Clock;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** Where logs go; default stdout. */
  logDestination?: NodeJS.WritableStream | undefined;
  bootstrapToken?: string | undefined;
  masterKey?: string | undefined;
  sessionTokenTtlMs: number;
  pendingTtlMs: number;
  reaperIntervalMs: number;
  envelopeTtlMs: number;
  leaseWindowMs: number;
  heartbeatIntervalMs: number;
  agentTimeoutMs: number;
  callTimeoutMs: number;
  bodyLimitBytes: number;
  /** Largest heap snapshot the gateway accepts from an agent (bytes). */
  maxArtifactBytes: number;
  /** Failed credential checks (password, TOTP, WebAuthn, tokens) allowed per user, source and both. */
  credentialLimits: CredentialLimits;
  /**
   * Which proxies' `X-Forwarded-For` names the client (Fastify's `trustProxy`): false (default; the
   * client is the socket's peer), true (any — only when nothing reaches the gateway except through
   * the proxy), or the proxies' addresses/CIDRs. The client address keys the credential limits.
   */
  trustProxy: boolean | string[];
  /** The `audit` section of the configuration file: `{ sinks, witnessFile, checkpointIntervalMs }` (docs/audit.md). */
  audit?: unknown;
  /**
   * Start although the store is behind (or beside) the witnessed head at this seq: the operator's
   * acknowledgement in the documented recovery. Recorded in the trail as `audit.rollback_accepted`.
   */
  acceptAuditRollback?: number | undefined;
  /** Watch the policy directory and hot-reload on change. */
  watchPolicies: boolean;
  /** Called once with the generated admin token when the store is empty and no bootstrap token is set. */
  onBootstrapToken?: ((token: string) => void) | undefined;
  /** OpenID Connect single sign-on for the console and `glovebox login --sso`; absent = local users only. */
  oidc?: OidcConfig | undefined;
  /** Exchange of CI providers' OIDC tokens for Glovebox tokens; absent = no exchange. */
  ciTokenExchange?: CiTokenExchangeConfig | undefined;
  /** Outbound webhooks that receive access notices (request created, approved, break-glass…). */
  webhooks?: WebhookConfig[] | undefined;
  /** WebAuthn relying party; default: derived from publicUrl. */
  webauthn?: { rpId: string; origin: string } | undefined;
  /** Directory of the built web console (apps/web/dist); default: located next to the gateway. */
  consoleDir?: string | undefined;
}

/** An OpenID provider the gateway trusts for logins. */
export interface OidcConfig {
  /** Issuer URL exactly as the provider states it in its discovery document. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** ID token claim holding the user's groups (default `groups`). */
  groupsClaim?: string | undefined;
  /** ID token claim the local user name is made from (default `preferred_username`). */
  usernameClaim?: string | undefined;
  /**
   * Provider group → policy groups. When present, only mapped groups count (default deny); when
   * absent, provider groups that are valid group names are taken as they are.
   */
  groupMapping?: Record<string, string[]> | undefined;
  /**
   * How old (seconds) a user's groups from the provider may be: past it, every token of that user
   * is refused (GBX_AUTH_SSO_STALE) until they log in with SSO again, which refreshes the groups.
   * Default 3600.
   */
  maxGroupStalenessSec?: number | undefined;
}

/** Exchange of CI providers' OIDC tokens for short-lived Glovebox tokens (`POST /api/v1/auth/ci/token`). */
export interface CiTokenExchangeConfig {
  /** Lifetime of the Glovebox tokens issued (default 15 minutes, at most 1 hour). */
  tokenTtlMs: number;
  issuers: CiIssuerConfig[];
}

/** A CI provider whose tokens are accepted, e.g. `https://token.actions.githubusercontent.com`. */
export interface CiIssuerConfig {
  /** Exactly the token's `iss`. */
  issuer: string;
  /** The token's `aud` must be (or contain) one of these: the value the pipeline asks its provider for. */
  audience: string | string[];
  /** The provider's key set; default: `jwks_uri` of its discovery document. */
  jwksUri?: string | undefined;
  /** Accepted signature algorithms (default RS256, ES256). */
  algorithms: string[];
  /** Longest `exp - iat` accepted (default 3600 s): CI tokens are short-lived. */
  maxTokenLifetimeSec: number;
  /** The first rule whose claims all match names the identity; no match, no token. */
  rules: CiIdentityRule[];
}

/** Maps matching CI token claims to a Glovebox identity. */
export interface CiIdentityRule {
  /** Claim -> exact value or glob (`*`); must pin the repository or project. */
  claims: Record<string, string>;
  /** The CI identity's user name; must start with `ci-`. */
  user: string;
  groups: string[];
}

/** One webhook receiver. */
export interface WebhookConfig {
  url: string;
  /** `slack`: Slack-compatible `{ text, blocks }`; `json`: the generic event document. */
  format: 'slack' | 'json';
  /** HMAC-SHA256 key for the `x-glovebox-signature` header. */
  secret?: string | undefined;
  /** Notice kinds to send; default all. */
  events?: string[] | undefined;
}

export type GatewayOptions = { [K in keyof GatewayConfig]?: GatewayConfig[K] | undefined } & Pick<
  GatewayConfig,
  'dataDir' | 'policiesDir'
>;

/** True for https URLs, and for http only on a loopback host (development and tests). */
export function isSecureOrLoopback(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new GloveboxError('GBX_CONFIG_INVALID', `${name} must be positive`);
  return value;
}

/** Fills defaults and validates; throws GBX_CONFIG_INVALID. */
export function checkAndSetDefaults(options: GatewayOptions): GatewayConfig {
  const c: GatewayConfig = {
    host: '127.0.0.1',
    port: 7350,
    timeZone: 'UTC',
    clock: systemClock,
    logLevel: 'info',
    sessionTokenTtlMs: 8 * 3600_000,
    pendingTtlMs: 3600_000,
    reaperIntervalMs: 1000,
    envelopeTtlMs: 30_000,
    leaseWindowMs: 60_000,
    heartbeatIntervalMs: 10_000,
    agentTimeoutMs: 35_000,
    callTimeoutMs: 60_000,
    bodyLimitBytes: 256 * 1024,
    maxArtifactBytes: 2 * 1024 ** 3,
    credentialLimits: DEFAULT_CREDENTIAL_LIMITS,
    trustProxy: false,
    watchPolicies: true,
    policySource: 'directory',
    policySyncIntervalMs: 2000,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    dataDir: resolve(options.dataDir),
    policiesDir: resolve(options.policiesDir),
  };
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: c.timeZone });
  } catch {
    throw new GloveboxError('GBX_CONFIG_INVALID', `unknown time zone "${c.timeZone}"`);
  }
  if (c.policySource !== 'directory' && c.policySource !== 'store')
    throw new GloveboxError('GBX_CONFIG_INVALID', 'policySource must be "directory" or "store"');
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535)
    throw new GloveboxError('GBX_CONFIG_INVALID', 'invalid port');
  if (c.replicaUrl !== undefined && !/^https?:\/\/[^/]+$/.test(c.replicaUrl))
    throw new GloveboxError('GBX_CONFIG_INVALID', 'replicaUrl must be http(s)://host:port with no path');
  if (c.oidc && !isSecureOrLoopback(c.oidc.issuer))
    throw new GloveboxError('GBX_CONFIG_INVALID', 'oidc.issuer must be an https URL (http only on loopback)');
  for (const hook of c.webhooks ?? [])
    if (!/^https?:\/\//.test(hook.url))
      throw new GloveboxError('GBX_CONFIG_INVALID', 'webhook url must be http(s)');
  for (const key of [
    'sessionTokenTtlMs',
    'pendingTtlMs',
    'reaperIntervalMs',
    'envelopeTtlMs',
    'leaseWindowMs',
    'heartbeatIntervalMs',
    'agentTimeoutMs',
    'callTimeoutMs',
    'bodyLimitBytes',
    'maxArtifactBytes',
    'policySyncIntervalMs',
  ] as const) {
    positive(key, c[key]);
  }
  c.credentialLimits = { ...DEFAULT_CREDENTIAL_LIMITS, ...c.credentialLimits };
  for (const [key, value] of Object.entries(c.credentialLimits))
    if (!Number.isInteger(value) || value <= 0)
      throw new GloveboxError('GBX_CONFIG_INVALID', `credentialLimits.${key} must be a positive integer`);
  return c;
}
