import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { GloveboxError, parseDuration } from '@glovebox/core';
import { SQL_CLASSES, type SqlClass } from '@glovebox/sql';
import { acceptableGatewayUrl, KEY_FINGERPRINT } from '@glovebox/protocol/constants';
import {
  dangerousArgument,
  dangerousProbes,
  programRule,
  type ProgramRuleExtensions,
} from './exec/option-guard.js';

/** Where a secret lives: the name of an environment variable, or a file only the agent can read. */
export type SecretRef = { env: string } | { file: string };

/** One argument rule: the argument equals `fixed`, or fully matches the anchored `pattern`. */
export type ArgRule = { fixed: string } | { pattern: string; regex: RegExp };

/** Command classes policy sees; `mutating` ones can be made to need approval. */
export const COMMAND_CLASSES = ['read', 'mutating'] as const;
export type CommandClass = (typeof COMMAND_CLASSES)[number];

/** An allow-listed command on an exec target. */
export interface CommandSpec {
  name: string;
  /** Absolute path of the executable; argv[0] is always replaced by it. */
  path: string;
  class: CommandClass;
  args: ArgRule[];
  maxArgs: number;
  timeoutMs: number;
  cpuSeconds: number;
  maxOutputBytes: number;
  cwd: string;
  /** Names of agent environment variables passed through; nothing else is. */
  env: string[];
  /** Sandbox only: keep the host network (default: none). */
  network: boolean;
  /** Sandbox only: give the command its own PID namespace (hides host processes). */
  isolatePids: boolean;
  /** Sandbox only: paths mounted read-write (everything else is read-only); never for read-class commands. */
  writablePaths: string[];
  /** Options whose value is the next argument (`-u`, `--since`, `-f`), so `--` goes after the value. */
  valueOptions: string[];
  /**
   * Directories the path arguments must resolve into, symbolic links followed. Required when a pattern
   * accepts a path.
   */
  paths: string[];
}

export interface ExecTargetConfig {
  type: 'exec';
  name: string;
  commands: CommandSpec[];
}

export interface PostgresTargetConfig {
  type: 'postgres';
  name: string;
  /** A `postgres://` connection string, read from the environment or a file when the module starts. */
  connection: SecretRef;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  rowLimit: number;
  maxConnections: number;
  /** The most this agent runs on the target, whatever an envelope authorizes (default `read`). */
  maxClass: SqlClass;
  /** Classes for functions the shipped tables do not know (`schema.name` or `name`). */
  functions: Record<string, SqlClass>;
}

export type TargetConfig = ExecTargetConfig | PostgresTargetConfig;

/** How to sandbox commands: `auto` uses bubblewrap when installed, `required` refuses to run without it. */
export type SandboxMode = 'auto' | 'required' | 'off';

/** The validated standalone agent configuration (durations in milliseconds, paths absolute). */
export interface HostAgentConfig {
  /**
   * The gateway's URL, or several replicas' URLs tried in turn on each reconnection; `keys`: the
   * gateway key fingerprints the agent pins (what `glovebox agents register` printed).
   */
  gateway: { urls: string[]; credential: SecretRef; keys: string[] };
  recordings: { dir: string };
  sandbox: SandboxMode;
  /** `refuse` (default): a read-class command that cannot run in the sandbox is not run at all. */
  readsWithoutSandbox: 'refuse' | 'allow';
  /** Additions to the shipped table of dangerous program options, by program name. */
  programs: ProgramRuleExtensions;
  targets: TargetConfig[];
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const MAX_ARG_LENGTH = 4096;
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}(?:\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$/;

/** True when `text` holds a C0 control character or DEL (never legitimate in an argument). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

// Strings an argument pattern must never accept: if one of them matches, the pattern is too loose to be
// an allow-list (it would pass shell metacharacters, substitutions, traversal or redirected output paths).
const INJECTION_PROBES = [
  'a;id',
  '$(id)',
  '`id`',
  'a|id',
  'a&id',
  'a>/tmp/x',
  'a</etc/shadow',
  'a\nb',
  '../../etc/shadow',
  '--output=/etc/passwd',
  '-o/etc/passwd',
  '',
];

const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => isAbsolute(p) && !p.split('/').includes('..') && !p.includes('\0'), {
    message: 'must be an absolute path without ".." segments',
  });

const duration = (max: number) =>
  z.union([z.string(), z.number().int().positive()]).transform((value, ctx) => {
    let ms: number;
    try {
      ms = typeof value === 'number' ? value * 1000 : parseDuration(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'invalid duration (use e.g. 500ms, 30s, 5m)' });
      return z.NEVER;
    }
    if (ms <= 0 || ms > max) {
      ctx.addIssue({ code: 'custom', message: `duration must be between 1ms and ${max / 1000}s` });
      return z.NEVER;
    }
    return ms;
  });

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
const byteSize = (max: number) =>
  z.union([z.string(), z.number().int().positive()]).transform((value, ctx) => {
    const match = typeof value === 'number' ? null : /^(\d{1,12})\s*(B|KiB|MiB|GiB)?$/.exec(value.trim());
    const bytes =
      typeof value === 'number' ? value : match ? Number(match[1]) * (SIZE_UNITS[match[2] ?? ''] ?? 1) : NaN;
    if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes > max) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a size between 1 and ${max} bytes (e.g. 64KiB, 1MiB)`,
      });
      return z.NEVER;
    }
    return bytes;
  });

/** Compiles an allow-list pattern anchored at both ends, or says why it is unsafe. */
export function compileArgPattern(pattern: string): RegExp | string {
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    return 'is not a valid regular expression';
  }
  const accepted = INJECTION_PROBES.find((probe) => regex.test(probe));
  if (accepted !== undefined)
    return `is too loose: it accepts ${JSON.stringify(accepted)}; allow only the characters the argument needs`;
  return regex;
}

const argRuleSchema = z
  .union([z.string(), z.strictObject({ fixed: z.string() }), z.strictObject({ pattern: z.string() })])
  .transform((rule, ctx): ArgRule => {
    if (typeof rule === 'string' || 'fixed' in rule) {
      const fixed = typeof rule === 'string' ? rule : rule.fixed;
      if (fixed.length === 0 || fixed.length > MAX_ARG_LENGTH || hasControlCharacter(fixed)) {
        ctx.addIssue({ code: 'custom', message: 'a fixed argument must be 1-4096 printable characters' });
        return z.NEVER;
      }
      return { fixed };
    }
    const compiled = compileArgPattern(rule.pattern);
    if (typeof compiled === 'string') {
      ctx.addIssue({ code: 'custom', message: `pattern ${compiled}` });
      return z.NEVER;
    }
    return { pattern: rule.pattern, regex: compiled };
  });

const commandSchema = z
  .strictObject({
    name: z.string().regex(NAME, 'must be 1-64 lowercase letters, digits, ".", "_" or "-"'),
    path: absolutePath,
    class: z.enum(COMMAND_CLASSES),
    args: z.array(argRuleSchema).max(256).default([]),
    maxArgs: z.number().int().min(0).max(256).default(16),
    timeout: duration(3_600_000).default(30_000),
    cpuSeconds: z.number().int().min(1).max(3600).default(10),
    maxOutputBytes: byteSize(256 * 1024 ** 2).default(1024 ** 2),
    cwd: absolutePath.default('/'),
    env: z.array(z.string().regex(ENV_NAME, 'must be an environment variable name')).max(64).default([]),
    network: z.boolean().default(false),
    isolatePids: z.boolean().default(false),
    writablePaths: z.array(absolutePath).max(32).default([]),
    valueOptions: z
      .array(z.string().regex(/^--?[A-Za-z0-9][A-Za-z0-9-]*$/, 'must be an option'))
      .max(64)
      .default([]),
    paths: z.array(absolutePath).max(32).default([]),
  })
  .transform(({ timeout, ...rest }): CommandSpec => ({ ...rest, timeoutMs: timeout }));

/** Accepts only `{ env: NAME }` or `{ file: PATH }`: a secret written inline would end up in git. */
const secretRefSchema = (what: string) =>
  z.unknown().transform((value, ctx): SecretRef => {
    const fail = (message: string): never => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return fail(`inline ${what} is refused; use { env: VARIABLE } or { file: /path/to/file }`);
    const keys = Object.keys(value);
    const record = value as Record<string, unknown>;
    if (keys.length !== 1 || (keys[0] !== 'env' && keys[0] !== 'file'))
      return fail(`${what} must be exactly { env: VARIABLE } or { file: PATH }; inline values are refused`);
    if (keys[0] === 'env') {
      const env = record['env'];
      if (typeof env !== 'string' || !ENV_NAME.test(env))
        return fail('env must be an environment variable name');
      return { env };
    }
    const file = record['file'];
    if (typeof file !== 'string' || file.length === 0 || file.includes('\0'))
      return fail('file must be a path');
    return { file };
  });

const targetSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('exec'),
    name: z.string().regex(NAME, 'must be 1-64 lowercase letters, digits, ".", "_" or "-"'),
    commands: z
      .array(commandSchema)
      .min(1)
      .max(256)
      .refine(
        (cmds) => new Set(cmds.map((c) => c.name)).size === cmds.length,
        'command names must be unique',
      ),
  }),
  z
    .strictObject({
      type: z.literal('postgres'),
      name: z.string().regex(NAME, 'must be 1-64 lowercase letters, digits, ".", "_" or "-"'),
      connection: secretRefSchema('connection string'),
      statementTimeout: duration(3_600_000).default(5_000),
      connectTimeout: duration(60_000).default(5_000),
      rowLimit: z.number().int().min(1).max(1_000_000).default(1000),
      maxConnections: z.number().int().min(1).max(64).default(4),
      maxClass: z.enum(SQL_CLASSES).default('read'),
      functions: z
        .record(
          z.string().regex(FUNCTION_NAME, 'must be a function name, optionally schema-qualified'),
          z.enum(SQL_CLASSES),
        )
        .default({}),
    })
    .transform(({ statementTimeout, connectTimeout, ...rest }): PostgresTargetConfig => ({
      ...rest,
      statementTimeoutMs: statementTimeout,
      connectTimeoutMs: connectTimeout,
    })),
]);

const configSchema = z.strictObject({
  gateway: z.strictObject({
    /** One (load-balanced) URL, or several replicas' URLs: each reconnection tries the next. */
    url: z
      .union([z.string().max(2048), z.array(z.string().max(2048)).min(1).max(16)])
      .superRefine((value, ctx) => {
        const urls = typeof value === 'string' ? [value] : value;
        urls.forEach((text, i) => {
          if (!acceptableGatewayUrl(text))
            ctx.addIssue({
              code: 'custom',
              path: typeof value === 'string' ? [] : [i],
              message: 'must be a wss:// or https:// URL without credentials (plain ws:// only to localhost)',
            });
        });
      }),
    credential: secretRefSchema('agent credential'),
    keys: z
      .array(z.string().regex(KEY_FINGERPRINT, 'a gateway key fingerprint is sha256: and 64 hex digits'))
      .min(1, 'pin the gateway key `glovebox agents register` printed')
      .max(16),
  }),
  recordings: z.strictObject({
    dir: z.string().min(1).max(4096),
  }),
  sandbox: z.enum(['auto', 'required', 'off']).default('auto'),
  readsWithoutSandbox: z.enum(['refuse', 'allow']).default('refuse'),
  programs: z
    .record(
      z.string().regex(/^[A-Za-z0-9._+-]{1,64}$/, 'must be a program name'),
      z.strictObject({
        options: z
          .array(z.string().regex(/^--?[A-Za-z0-9][A-Za-z0-9-]*$/, 'must be an option'))
          .max(256)
          .optional(),
        words: z.array(z.string().min(1).max(128)).max(256).optional(),
        runsOperands: z.boolean().optional(),
      }),
    )
    .default({}),
  targets: z
    .array(targetSchema)
    .min(1)
    .max(64)
    .refine(
      (targets) => new Set(targets.map((t) => t.name)).size === targets.length,
      'target names must be unique',
    ),
});

// A pattern that accepts one of these accepts paths, which must then be confined by `paths`.
const PATH_PROBES = [
  '/etc/shadow',
  '/x',
  'x/y',
  './x',
  '/var/x',
  '/tmp/x',
  '/srv/x',
  '/home/x',
  '/var/log/x',
];

function configError(where: string, message: string): GloveboxError {
  return new GloveboxError('GBX_CONFIG_INVALID', `${where}: ${message}`, { details: { path: where } });
}

/**
 * What the program can be made to do, checked when the file loads: no fixed argument and no pattern may
 * reach an option of the program's dangerous-option table; read-class commands get no writable path;
 * patterns that accept paths need `paths` to confine them.
 */
function checkCommand(command: CommandSpec, programs: ProgramRuleExtensions, where: string): void {
  const rule = programRule(command.path, programs);
  command.args.forEach((arg, i) => {
    if ('fixed' in arg) {
      const reason = dangerousArgument(rule, arg.fixed, 0) ?? dangerousArgument(rule, arg.fixed, 1);
      if (reason) throw configError(`${where}.args[${i}]`, `refused: ${reason}`);
      return;
    }
    const probe = dangerousProbes(rule).find((p) => arg.regex.test(p));
    if (probe !== undefined)
      throw configError(
        `${where}.args[${i}]`,
        `pattern accepts ${JSON.stringify(probe)}, refused: ${rule.why}`,
      );
    if (command.paths.length === 0 && PATH_PROBES.some((p) => arg.regex.test(p)))
      throw configError(
        `${where}.args[${i}]`,
        'pattern accepts paths: list the directories they may resolve into under `paths`',
      );
  });
  if (command.class === 'read' && command.writablePaths.length > 0)
    throw configError(`${where}.writablePaths`, 'a read-class command runs with no writable path');
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(root)';
}

/**
 * Validates a configuration document already parsed from YAML. Relative file paths (recordings dir,
 * secret files) are resolved against `baseDir`.
 *
 * @throws GloveboxError GBX_CONFIG_INVALID naming the first bad field.
 */
export function parseHostAgentConfig(document: unknown, baseDir: string): HostAgentConfig {
  const parsed = configSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? formatPath(issue.path) : '(root)';
    throw new GloveboxError('GBX_CONFIG_INVALID', `${where}: ${issue?.message ?? 'invalid'}`, {
      details: { path: where },
    });
  }
  const config = parsed.data;
  const anchor = (ref: SecretRef): SecretRef => ('file' in ref ? { file: resolve(baseDir, ref.file) } : ref);
  config.targets.forEach((target, t) => {
    if (target.type === 'exec')
      target.commands.forEach((command, c) =>
        checkCommand(command, config.programs, `targets[${t}].commands[${c}]`),
      );
  });
  return {
    gateway: {
      urls: typeof config.gateway.url === 'string' ? [config.gateway.url] : config.gateway.url,
      credential: anchor(config.gateway.credential),
      keys: config.gateway.keys,
    },
    recordings: { dir: resolve(baseDir, config.recordings.dir) },
    sandbox: config.sandbox,
    readsWithoutSandbox: config.readsWithoutSandbox,
    programs: config.programs,
    targets: config.targets.map((t) =>
      t.type === 'postgres' ? { ...t, connection: anchor(t.connection) } : t,
    ),
  };
}

/**
 * Reads and validates the standalone agent's YAML configuration.
 *
 * @example
 * const config = loadHostAgentConfig('/etc/glovebox/agent.yaml');
 * @throws GloveboxError GBX_CONFIG_INVALID with the path of the bad field.
 */
export function loadHostAgentConfig(path: string): HostAgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new GloveboxError('GBX_CONFIG_INVALID', `cannot read configuration file ${path}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    const line = (error as { linePos?: [{ line: number }] }).linePos?.[0]?.line;
    throw new GloveboxError('GBX_CONFIG_INVALID', `${path}: not valid YAML${line ? ` (line ${line})` : ''}`);
  }
  return parseHostAgentConfig(document, dirname(resolve(path)));
}
