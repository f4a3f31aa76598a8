import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as YamlTypes from 'yaml';
import { GloveboxError } from '@glovebox/core';
import type { ConfigApplyView, ConfigPlanView } from '@glovebox/protocol';
import { EXIT } from '../client.js';
import { context } from './common.js';
import { PLAN_CHANGES_EXIT } from './policy-deploy/index.js';

type YamlModule = typeof YamlTypes;

/** Reads and parses glovebox.yaml; the gateway validates it against the published schema. */
async function readDocument(file: string): Promise<unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new GloveboxError('GBX_CONFIG_INVALID', `${file} cannot be read`);
  }
  // yaml is CommonJS: Node gives import() its named exports, a bundle only its `default`.
  const yaml = (await import('yaml')) as YamlModule & { default?: YamlModule };
  const parse = yaml.default?.parse ?? yaml.parse;
  try {
    return parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new GloveboxError('GBX_CONFIG_INVALID', `${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * The agent credentials the document references (`credential: { env: NAME }` or `{ file: PATH }`,
 * a relative path from the file's directory), read here so the gateway stores only their hashes.
 * An error names the reference, never a value.
 */
export function agentCredentials(
  doc: unknown,
  baseDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const agents = (doc as { agents?: unknown } | null)?.agents;
  if (!Array.isArray(agents)) return {};
  const out: Record<string, string> = {};
  for (const agent of agents as { name?: unknown; credential?: unknown }[]) {
    const ref = agent?.credential as { env?: unknown; file?: unknown } | undefined;
    if (typeof agent?.name !== 'string' || ref === null || typeof ref !== 'object') continue;
    const what = `the credential of agent ${agent.name}`;
    if (typeof ref.env === 'string') {
      const value = env[ref.env];
      if (!value) throw new GloveboxError('GBX_CONFIG_INVALID', `${what}: ${ref.env} is not set`);
      out[agent.name] = value.trim();
    } else if (typeof ref.file === 'string') {
      try {
        out[agent.name] = readFileSync(resolve(baseDir, ref.file), 'utf8').trim();
      } catch {
        throw new GloveboxError('GBX_CONFIG_INVALID', `${what}: ${ref.file} cannot be read`);
      }
    }
  }
  return out;
}

const OPS: Record<string, string> = { create: '+', update: '~', delete: '-' };

function show(value: unknown): string {
  return value === undefined ? '∅' : JSON.stringify(value);
}

/** The plan for people: one line per change, its fields below. */
export function configPlanText(plan: ConfigPlanView, applied: boolean): string {
  const lines: string[] = [];
  for (const c of plan.changes) {
    lines.push(`${OPS[c.op] ?? c.op} ${c.section} ${c.name}`);
    for (const f of c.fields) lines.push(`    ${f.field}: ${show(f.before)} → ${show(f.after)}`);
  }
  for (const c of plan.pruneSkipped)
    lines.push(`  (${c.section} ${c.name} is not in the file: --prune deletes it)`);
  lines.push(
    plan.changes.length === 0
      ? `no changes: the gateway matches the file (${plan.unchanged} unchanged)`
      : `${plan.changes.length} change(s) ${applied ? 'made' : 'to make'}, ${plan.unchanged} unchanged${plan.pruneSkipped.length ? `, ${plan.pruneSkipped.length} kept without --prune` : ''}`,
  );
  return lines.join('\n');
}

/** What apply made, for people: the plan, then each new agent's credential and the key to pin. */
export function configApplyText(r: ConfigApplyView): string {
  return [
    configPlanText(r, true),
    ...r.generatedCredentials.map((g) => `credential of new agent ${g.agent} (shown once): ${g.credential}`),
    ...(r.gatewayKeys.length
      ? [
          `gateway key: ${r.gatewayKeys.join(',')}`,
          '(new agents trust only this key: set it as GLOVEBOX_GATEWAY_KEYS, or gateway.keys)',
        ]
      : []),
  ].join('\n');
}

interface FileOptions {
  file: string;
  prune?: boolean;
}

/** `glovebox plan -f glovebox.yaml` and `glovebox apply -f glovebox.yaml`. */
export function registerConfigCommands(program: Command): void {
  const body = async (o: FileOptions) => {
    const document = await readDocument(o.file);
    return {
      document,
      prune: o.prune === true,
      credentials: agentCredentials(document, dirname(resolve(o.file))),
    };
  };

  program
    .command('plan')
    .description(
      `show what applying glovebox.yaml would change on the gateway (exit 0: nothing, ${PLAN_CHANGES_EXIT}: changes)`,
    )
    .requiredOption('-f, --file <path>', 'the declarative configuration (glovebox.yaml)')
    .option('--prune', 'include deletions of what the file no longer lists')
    .action(async (o: FileOptions, command: Command) => {
      const { api, out } = context(command);
      const plan = await api.call<ConfigPlanView>('POST', '/config/plan', await body(o));
      out.result(plan, (p) => configPlanText(p, false));
      process.exitCode = plan.changes.length > 0 ? PLAN_CHANGES_EXIT : EXIT.ok;
    });

  program
    .command('apply')
    .description('make the gateway match glovebox.yaml (idempotent; deletions only with --prune)')
    .requiredOption('-f, --file <path>', 'the declarative configuration (glovebox.yaml)')
    .option('--prune', 'delete (disable, revoke) what the file no longer lists')
    .action(async (o: FileOptions, command: Command) => {
      const { api, out } = context(command);
      const result = await api.call<ConfigApplyView>('POST', '/config/apply', await body(o));
      out.result(result, configApplyText);
    });
}
