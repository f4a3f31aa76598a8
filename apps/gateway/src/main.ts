#!/usr/bin/env node
// The gateway process: `glovebox server` runs this. Flags mirror the CLI contract.
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isGloveboxError, GloveboxError, parseDuration } from '@glovebox/core';
import { buildServer } from './server.js';
import type { CiTokenExchangeConfig, GatewayOptions } from './config.js';
import { DEFAULT_CREDENTIAL_LIMITS } from './services/credential-limits.js';

const LOG_LEVEL = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']);

/** `ciTokenExchange:` of the server file (docs/policy.md, "Deploying policies from CI"). */
const ciTokenExchangeSchema = z
  .object({
    /** Lifetime of the Glovebox tokens issued, 1m to 1h (default 15m). */
    tokenTtl: z.string().default('15m'),
    issuers: z
      .array(
        z
          .object({
            issuer: z.string().url(),
            audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
            jwksUri: z.string().url().optional(),
            algorithms: z
              .array(z.enum(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256']))
              .min(1)
              .optional(),
            maxTokenLifetime: z.string().default('1h'),
            rules: z
              .array(
                z
                  .object({
                    claims: z.record(z.string(), z.string()),
                    user: z.string(),
                    groups: z.array(z.string()).default([]),
                  })
                  .strict(),
              )
              .min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

function durationOf(text: string, what: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new GloveboxError('GBX_CONFIG_INVALID', `${what}: ${(error as Error).message}`);
  }
}

function ciTokenExchangeOf(
  file: z.infer<typeof ciTokenExchangeSchema> | undefined,
): CiTokenExchangeConfig | undefined {
  if (file === undefined) return undefined;
  return {
    tokenTtlMs: durationOf(file.tokenTtl, 'ciTokenExchange.tokenTtl'),
    issuers: file.issuers.map((i) => ({
      issuer: i.issuer,
      audience: i.audience,
      jwksUri: i.jwksUri,
      algorithms: i.algorithms ?? ['RS256', 'ES256'],
      maxTokenLifetimeSec: Math.floor(durationOf(i.maxTokenLifetime, 'maxTokenLifetime') / 1000),
      rules: i.rules,
    })),
  };
}

const fileSchema = z
  .object({
    data: z.string().optional(),
    policies: z.string().optional(),
    policySource: z.enum(['directory', 'store']).optional(),
    policySyncIntervalMs: z.number().int().positive().optional(),
    replicaName: z.string().min(1).max(128).optional(),
    replicaUrl: z.string().optional(),
    listen: z.string().optional(),
    store: z.string().optional(),
    timeZone: z.string().optional(),
    publicUrl: z.string().optional(),
    logLevel: LOG_LEVEL.optional(),
    reaperIntervalMs: z.number().int().positive().optional(),
    /** Audit sinks: `{ sinks: [...] }`, validated by the audit library. */
    audit: z.unknown().optional(),
    /** OpenID Connect; the client secret comes from clientSecretFile or GLOVEBOX_OIDC_CLIENT_SECRET. */
    oidc: z
      .object({
        issuer: z.string().url(),
        clientId: z.string().min(1),
        clientSecretFile: z.string().optional(),
        groupsClaim: z.string().optional(),
        usernameClaim: z.string().optional(),
        groupMapping: z.record(z.string(), z.array(z.string())).optional(),
        maxGroupStalenessSec: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /** Webhooks; a signing secret comes from the environment variable secretEnv names, never the file. */
    webhooks: z
      .array(
        z
          .object({
            url: z.string().url(),
            format: z.enum(['slack', 'json']).default('json'),
            secretEnv: z.string().optional(),
            events: z.array(z.string()).optional(),
          })
          .strict(),
      )
      .optional(),
    webauthn: z.object({ rpId: z.string(), origin: z.string().url() }).strict().optional(),
    /** CI providers whose OIDC tokens are exchanged for short-lived Glovebox tokens. */
    ciTokenExchange: ciTokenExchangeSchema.optional(),
    /** Proxies trusted to name the client in X-Forwarded-For (docs/security.md, "Identity"). */
    trustProxy: z.union([z.boolean(), z.array(z.string().min(1)).min(1)]).optional(),
    /** Failed credential checks allowed per window (docs/security.md, "Identity"). */
    credentialLimits: z
      .object({
        window: z.string().optional(),
        perUserAndSource: z.number().int().positive().optional(),
        perUser: z.number().int().positive().optional(),
        perSource: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The --config file as a YAML document; GBX_CONFIG_INVALID (never its text) when unreadable or not YAML. */
function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new GloveboxError(
      'GBX_CONFIG_INVALID',
      `cannot read configuration file ${path}${typeof code === 'string' ? ` (${code})` : ''}`,
    );
  }
  try {
    return parseYaml(text);
  } catch (error) {
    const line = (error as { linePos?: [{ line: number }] }).linePos?.[0]?.line;
    throw new GloveboxError('GBX_CONFIG_INVALID', `${path}: not valid YAML${line ? ` (line ${line})` : ''}`);
  }
}

/** Reads a secret from a file or an environment variable; GBX_CONFIG_INVALID when it is required and missing. */
function readSecret(file: string | undefined, env: string | undefined, what: string): string {
  const value = file ? readFileSync(file, 'utf8').trim() : env ? process.env[env] : undefined;
  if (!value) throw new GloveboxError('GBX_CONFIG_INVALID', `${what} is not set`);
  return value;
}

function policySourceOf(value: string | undefined): 'directory' | 'store' | undefined {
  if (value === undefined || value === 'directory' || value === 'store') return value;
  throw new GloveboxError('GBX_CONFIG_INVALID', '--policy-source must be "directory" or "store"');
}

/** The policy directory a gateway reading its policies from one watches: it must exist at start. */
function policyDirOf(dir: string, source: 'directory' | 'store' | undefined): string {
  if (source !== 'store' && !statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new GloveboxError(
      'GBX_CONFIG_INVALID',
      `the policy directory ${dir} is not a directory (--policies DIR; default ./policies)`,
    );
  return dir;
}

function logLevelOf(value: string | undefined): GatewayOptions['logLevel'] | undefined {
  if (value === undefined) return undefined;
  const level = LOG_LEVEL.safeParse(value);
  if (!level.success)
    throw new GloveboxError(
      'GBX_CONFIG_INVALID',
      `GLOVEBOX_LOG_LEVEL must be one of ${LOG_LEVEL.options.join(', ')}`,
    );
  return level.data;
}

function parseListen(value: string): { host: string; port: number } {
  const match = /^(.*):(\d{1,5})$/.exec(value);
  if (!match) throw new GloveboxError('GBX_CONFIG_INVALID', '--listen must be HOST:PORT');
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

/** `--accept-audit-rollback SEQ`: the witnessed seq an operator accepts to lose (docs/audit.md). */
function parseSeq(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^[1-9]\d{0,15}$/.test(value))
    throw new GloveboxError(
      'GBX_CONFIG_INVALID',
      '--accept-audit-rollback takes the witnessed seq the error names',
    );
  return Number(value);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      data: { type: 'string' },
      policies: { type: 'string' },
      'policy-source': { type: 'string' },
      listen: { type: 'string' },
      store: { type: 'string' },
      'accept-audit-rollback': { type: 'string' },
    },
    strict: true,
  });
  let file: z.infer<typeof fileSchema> = {};
  if (values.config) {
    const parsed = fileSchema.safeParse(readConfigFile(values.config));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new GloveboxError(
        'GBX_CONFIG_INVALID',
        `${values.config}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
      );
    }
    file = parsed.data;
  }
  const listen = parseListen(values.listen ?? file.listen ?? process.env.GLOVEBOX_LISTEN ?? '127.0.0.1:7350');
  const policySource = policySourceOf(
    values['policy-source'] ?? file.policySource ?? process.env.GLOVEBOX_POLICY_SOURCE,
  );
  const options: GatewayOptions = {
    dataDir: values.data ?? file.data ?? process.env.GLOVEBOX_DATA ?? '.glovebox/data',
    policiesDir: policyDirOf(
      values.policies ?? file.policies ?? process.env.GLOVEBOX_POLICIES ?? 'policies',
      policySource,
    ),
    policySource,
    policySyncIntervalMs: file.policySyncIntervalMs,
    replicaName: file.replicaName ?? process.env.GLOVEBOX_REPLICA_NAME,
    replicaUrl: file.replicaUrl ?? process.env.GLOVEBOX_REPLICA_URL,
    store: values.store ?? file.store ?? process.env.GLOVEBOX_STORE,
    host: listen.host,
    port: listen.port,
    timeZone: file.timeZone,
    publicUrl: file.publicUrl,
    logLevel: file.logLevel ?? logLevelOf(process.env.GLOVEBOX_LOG_LEVEL),
    audit: file.audit,
    oidc: file.oidc && {
      issuer: file.oidc.issuer,
      clientId: file.oidc.clientId,
      clientSecret: readSecret(
        file.oidc.clientSecretFile,
        file.oidc.clientSecretFile ? undefined : 'GLOVEBOX_OIDC_CLIENT_SECRET',
        'the OIDC client secret (oidc.clientSecretFile or GLOVEBOX_OIDC_CLIENT_SECRET)',
      ),
      groupsClaim: file.oidc.groupsClaim,
      usernameClaim: file.oidc.usernameClaim,
      groupMapping: file.oidc.groupMapping,
      maxGroupStalenessSec: file.oidc.maxGroupStalenessSec,
    },
    webhooks: file.webhooks?.map((w) => ({
      url: w.url,
      format: w.format,
      events: w.events,
      secret: w.secretEnv ? readSecret(undefined, w.secretEnv, `webhook secret ${w.secretEnv}`) : undefined,
    })),
    webauthn: file.webauthn,
    ciTokenExchange: ciTokenExchangeOf(file.ciTokenExchange),
    trustProxy: file.trustProxy,
    credentialLimits: file.credentialLimits && {
      ...DEFAULT_CREDENTIAL_LIMITS,
      ...(file.credentialLimits.window
        ? { windowMs: durationOf(file.credentialLimits.window, 'credentialLimits.window') }
        : {}),
      ...Object.fromEntries(
        Object.entries(file.credentialLimits).filter(([k, v]) => k !== 'window' && v !== undefined),
      ),
    },
    acceptAuditRollback: parseSeq(
      values['accept-audit-rollback'] ?? process.env.GLOVEBOX_ACCEPT_AUDIT_ROLLBACK,
    ),
    reaperIntervalMs:
      file.reaperIntervalMs ??
      (process.env.GLOVEBOX_REAPER_MS ? Number(process.env.GLOVEBOX_REAPER_MS) : undefined),
  };
  const gateway = buildServer(options);
  const url = await gateway.listen();
  process.stderr.write(`glovebox gateway listening on ${url}\n`);
  const stop = () => {
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// A log reader that went away (`| head`) must not take the gateway down, nor keep SIGTERM from
// stopping it: a write to a closed pipe fails with EPIPE, an uncaught 'error' event otherwise, and
// that crash hung in its exit instead of ending the process.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

main().catch((error: unknown) => {
  const message = isGloveboxError(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : 'failed';
  process.stderr.write(`glovebox server: ${message}\n`);
  process.exit(isGloveboxError(error) && error.code === 'GBX_CONFIG_INVALID' ? 2 : 1);
});
