import { readFileSync } from 'node:fs';
import { GloveboxError } from '@glovebox/core';
import { z } from 'zod';
import { FileSink } from './file.js';
import { OtlpSink } from './otlp.js';
import type { AuditSink } from './sink.js';
import { SyslogSink } from './syslog.js';
import { WebhookSink } from './webhook.js';

/** A secret named by reference: an environment variable or a file (e.g. a mounted secret). */
export const secretRefSchema = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/) }),
  z.strictObject({ file: z.string().min(1).max(4096) }),
]);
/** A secret reference. Secrets are never written inline in configuration. */
export type SecretRef = z.infer<typeof secretRefSchema>;

const CREDENTIAL_HEADER = /auth|cookie|key|token|secret|password/i;

const headersSchema = z
  .record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.union([z.string().max(1024), secretRefSchema]))
  .refine(
    (headers) =>
      Object.entries(headers).every(
        ([name, value]) => typeof value !== 'string' || !CREDENTIAL_HEADER.test(name),
      ),
    {
      message: 'credential headers must be given as { env } or { file }, never inline',
    },
  )
  .optional();

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'sink names are lowercase letters, digits, - and _');
const format = z.enum(['native', 'ocsf']).default('native');
const timeoutMs = z.number().int().min(100).max(300_000).default(10_000);

function httpUrl(allowInsecure: boolean, url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username !== '' || parsed.password !== '') return false;
  if (parsed.protocol === 'https:') return true;
  if (parsed.protocol !== 'http:') return false;
  return allowInsecure || ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
}

const urlField = z.string().max(2048);

/** One sink in the declarative configuration. */
export const sinkConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('file'),
    name,
    format,
    path: z.string().min(1).max(4096),
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .default(100 * 1024 * 1024),
    maxFiles: z.number().int().min(1).max(1000).default(5),
    fsync: z.boolean().default(true),
    timeoutMs,
  }),
  z.strictObject({
    type: z.literal('syslog'),
    name,
    format,
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535),
    transport: z.enum(['tcp', 'tls']),
    /** PEM file of a CA to trust (TLS). */
    caFile: z.string().min(1).max(4096).optional(),
    servername: z.string().min(1).max(255).optional(),
    facility: z.number().int().min(0).max(23).default(13),
    appName: z.string().min(1).max(48).default('glovebox'),
    timeoutMs,
  }),
  z
    .strictObject({
      type: z.literal('webhook'),
      name,
      format,
      url: urlField,
      secret: secretRefSchema,
      headers: headersSchema,
      /** Allow plain http to a non-loopback host (never in production). */
      allowInsecureHttp: z.boolean().default(false),
      timeoutMs,
    })
    .refine((sink) => httpUrl(sink.allowInsecureHttp, sink.url), {
      message: 'url must be https (http only to loopback or with allowInsecureHttp) and carry no credentials',
      path: ['url'],
    }),
  z
    .strictObject({
      type: z.literal('otlp'),
      name,
      format,
      endpoint: urlField,
      headers: headersSchema,
      serviceName: z.string().min(1).max(128).default('glovebox'),
      allowInsecureHttp: z.boolean().default(false),
      timeoutMs,
    })
    .refine((sink) => httpUrl(sink.allowInsecureHttp, sink.endpoint), {
      message:
        'endpoint must be https (http only to loopback or with allowInsecureHttp) and carry no credentials',
      path: ['endpoint'],
    }),
]);
/** One configured sink, after defaults. */
export type SinkConfig = z.output<typeof sinkConfigSchema>;

/** The `audit` section of the gateway configuration: sinks, the witness file, the checkpoint interval. */
export const sinksConfigSchema = z
  .strictObject({
    sinks: z.array(sinkConfigSchema).max(32).default([]),
    /** The local witness file of signed heads; default `<data>/keys/audit-witness.jsonl`. */
    witnessFile: z.string().min(1).max(4096).optional(),
    /** Least time between two checkpoints, in milliseconds; default 1000. */
    checkpointIntervalMs: z.number().int().min(10).max(3_600_000).optional(),
    /** A live verification reports its progress (log, API stream, CLI) every this many events; default 50,000. */
    verifyProgressEvery: z.number().int().min(1).max(100_000_000).optional(),
  })
  .refine((config) => new Set(config.sinks.map((sink) => sink.name)).size === config.sinks.length, {
    message: 'sink names must be unique (each keeps its own delivery cursor)',
    path: ['sinks'],
  });
/** Validated sinks configuration. */
export type SinksConfig = z.output<typeof sinksConfigSchema>;

/** Where secrets and files are read from; injected so tests need no real environment. */
export interface SinkEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  readFile: (path: string) => string;
}

const defaultEnvironment: SinkEnvironment = {
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
};

/** Validates sinks configuration; throws `GBX_CONFIG_INVALID` naming the first bad field. */
export function parseSinksConfig(value: unknown): SinksConfig {
  const parsed = sinksConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
    throw new GloveboxError('GBX_CONFIG_INVALID', `audit sinks: ${where}${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function resolveSecret(ref: SecretRef, what: string, environment: SinkEnvironment): string {
  if ('env' in ref) {
    const value = environment.env[ref.env];
    if (value === undefined || value === '')
      throw new GloveboxError('GBX_CONFIG_INVALID', `${what}: environment variable ${ref.env} is not set`);
    return value;
  }
  let text: string;
  try {
    text = environment.readFile(ref.file);
  } catch {
    throw new GloveboxError('GBX_CONFIG_INVALID', `${what}: secret file ${ref.file} cannot be read`);
  }
  const value = text.trim();
  if (value === '')
    throw new GloveboxError('GBX_CONFIG_INVALID', `${what}: secret file ${ref.file} is empty`);
  return value;
}

function resolveHeaders(
  headers: Record<string, string | SecretRef> | undefined,
  what: string,
  environment: SinkEnvironment,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    out[key] = typeof value === 'string' ? value : resolveSecret(value, `${what} header ${key}`, environment);
  }
  return out;
}

/**
 * Builds sinks from configuration (validated first), resolving secrets from the environment or
 * files. Throws `GBX_CONFIG_INVALID` for anything wrong; messages never include secret values.
 *
 * @example
 * const sinks = createSinks(yaml.parse(text).audit, { env: process.env, readFile });
 */
export function createSinks(value: unknown, environment: SinkEnvironment = defaultEnvironment): AuditSink[] {
  const config = parseSinksConfig(value);
  return config.sinks.map((sink): AuditSink => {
    const what = `audit sink ${sink.name}`;
    switch (sink.type) {
      case 'file':
        return new FileSink(sink);
      case 'syslog': {
        const tls: { ca?: string; servername?: string } = {};
        if (sink.caFile !== undefined) {
          try {
            tls.ca = environment.readFile(sink.caFile);
          } catch {
            throw new GloveboxError('GBX_CONFIG_INVALID', `${what}: CA file ${sink.caFile} cannot be read`);
          }
        }
        if (sink.servername !== undefined) tls.servername = sink.servername;
        return new SyslogSink({ ...sink, tls });
      }
      case 'webhook': {
        const secret = resolveSecret(sink.secret, `${what} secret`, environment);
        if (secret.length < 16)
          throw new GloveboxError(
            'GBX_CONFIG_INVALID',
            `${what}: the HMAC secret must be at least 16 characters`,
          );
        return new WebhookSink({
          name: sink.name,
          url: sink.url,
          secret,
          format: sink.format,
          timeoutMs: sink.timeoutMs,
          headers: resolveHeaders(sink.headers, what, environment),
        });
      }
      case 'otlp':
        return new OtlpSink({
          name: sink.name,
          endpoint: sink.endpoint,
          headers: resolveHeaders(sink.headers, what, environment),
          serviceName: sink.serviceName,
          format: sink.format,
          timeoutMs: sink.timeoutMs,
        });
      default: {
        const unreachable: never = sink;
        throw new TypeError(`unknown sink type ${String(unreachable)}`);
      }
    }
  });
}
