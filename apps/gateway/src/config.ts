import { GloveboxError, systemClock, type Clock } from '@glovebox/core';
import { resolve } from 'node:path';

/** Everything `buildServer` needs; `checkAndSetDefaults` fills the rest and rejects nonsense. */
export interface GatewayConfig {
  /** Directory for the SQLite store, keys and master key. */
  dataDir: string;
  /** `postgres://…[?schema=name]` or `sqlite:PATH`; default: SQLite under dataDir. */
  store?: string | undefined;
  policiesDir: string;
  host: string;
  port: number;
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
  loginAttempts: number;
  loginWindowMs: number;
  /** The `audit` section of the configuration file: `{ sinks: [...] }` (see docs/audit.md). */
  audit?: unknown;
  /** Watch the policy directory and hot-reload on change. */
  watchPolicies: boolean;
  /** Called once with the generated admin token when the store is empty and no bootstrap token is set. */
  onBootstrapToken?: ((token: string) => void) | undefined;
}

export type GatewayOptions = { [K in keyof GatewayConfig]?: GatewayConfig[K] | undefined } & Pick<
  GatewayConfig,
  'dataDir' | 'policiesDir'
>;

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
    loginAttempts: 5,
    loginWindowMs: 5 * 60_000,
    watchPolicies: true,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    dataDir: resolve(options.dataDir),
    policiesDir: resolve(options.policiesDir),
  };
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: c.timeZone });
  } catch {
    throw new GloveboxError('GBX_CONFIG_INVALID', `unknown time zone "${c.timeZone}"`);
  }
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535)
    throw new GloveboxError('GBX_CONFIG_INVALID', 'invalid port');
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
    'loginAttempts',
    'loginWindowMs',
  ] as const) {
    positive(key, c[key]);
  }
  return c;
}
