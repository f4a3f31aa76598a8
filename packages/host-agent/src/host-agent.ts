import { GloveboxError } from '@glovebox/core';
import { createKnownSecrets, type KnownSecrets } from '@glovebox/redact';
import { AgentRuntime, createFactsModule, processFactsCollector, type ActionModule } from '@glovebox/agent';
import type { HostAgentConfig } from './config.js';
import { detectHostTools, type HostTools } from './exec/launcher.js';
import { createHostModules } from './host-modules.js';
import { defaultRedactorFactory } from './redactor.js';
import { resolveSecret } from './secrets.js';

/**
 * Every secret this agent holds, so that output never shows one whatever its shape: its own
 * credential, each database's connection string and password, and the sensitive-named variables of
 * its environment (kept as keyed fingerprints, never in clear).
 */
export function knownSecretsOf(
  config: HostAgentConfig,
  token: string,
  env?: NodeJS.ProcessEnv,
): KnownSecrets {
  const known = createKnownSecrets();
  known.add(token, 'GLOVEBOX_AGENT_CREDENTIAL');
  // variables the agent passes to commands (`env:` in a command spec) come from its own environment
  known.addSensitiveEnv(env ?? process.env);
  for (const target of config.targets) {
    if (target.type !== 'postgres') continue;
    const connection = resolveSecret(target.connection, env);
    known.add(connection, 'PASSWORD');
    try {
      const url = new URL(connection);
      if (url.password) known.add(decodeURIComponent(url.password), 'PASSWORD');
    } catch {
      const password = /password\s*=\s*'?([^'\s]+)/i.exec(connection)?.[1];
      if (password) known.add(password, 'PASSWORD');
    }
  }
  return known;
}

/**
 * Gives a module's handlers the local target name that serves their action. One agent
 * registration is one policy target: its exec target and its postgres target (at most one of
 * each) share the registration's env, owner and tags.
 */
function bindTarget(module: ActionModule, local: string): ActionModule {
  const actions = Object.fromEntries(
    Object.entries(module.actions).map(([name, handler]) => [
      name,
      (params: unknown, ctx: Parameters<typeof handler>[1]) => handler(params, { ...ctx, target: local }),
    ]),
  );
  return { actions, endSession: (id) => module.endSession(id), close: () => module.close() };
}

export interface HostAgent {
  runtime: AgentRuntime;
  /** The sandbox commands run in: `bwrap`, or `none` when bubblewrap is missing or off. */
  sandbox: 'bwrap' | 'none' | null;
}

/**
 * Assembles the standalone agent from a validated configuration: facts, the exec and postgres
 * modules, the command catalogue announced to the gateway (names and classes only) and the
 * gateway connection. Call `runtime.start()` to connect.
 */
export function createHostAgent(
  config: HostAgentConfig,
  options: {
    tools?: HostTools;
    env?: NodeJS.ProcessEnv;
    log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  } = {},
): HostAgent {
  for (const type of ['exec', 'postgres'] as const) {
    if (config.targets.filter((t) => t.type === type).length > 1) {
      throw new GloveboxError(
        'GBX_CONFIG_INVALID',
        `one agent serves at most one ${type} target; run another agent (and registration) for the next`,
      );
    }
  }
  const tools = options.tools ?? detectHostTools();
  const token = resolveSecret(config.gateway.credential, options.env);
  // Once read, the credential leaves the agent's environment: no command it runs can inherit it.
  if ('env' in config.gateway.credential && !options.env) delete process.env[config.gateway.credential.env];
  const redactorFor = defaultRedactorFactory(knownSecretsOf(config, token, options.env));
  const host = createHostModules(config, {
    tools,
    redactorFor,
    ...(options.env ? { env: options.env } : {}),
  });
  const modules: ActionModule[] = [createFactsModule(processFactsCollector())];
  const execTarget = config.targets.find((t) => t.type === 'exec');
  const pgTarget = config.targets.find((t) => t.type === 'postgres');
  if (host.exec && execTarget) modules.push(bindTarget(host.exec, execTarget.name));
  if (host.postgres && pgTarget) modules.push(bindTarget(host.postgres, pgTarget.name));
  const commands =
    execTarget?.type === 'exec' ? execTarget.commands.map((c) => ({ name: c.name, class: c.class })) : [];
  const runtime = new AgentRuntime({
    url: config.gateway.urls
      .map((text) => {
        const gateway = new URL(text);
        return `${gateway.protocol.replace(/^ws/, 'http')}//${gateway.host}`;
      })
      .join(','),
    token,
    gatewayKeys: config.gateway.keys,
    modules,
    commands,
    ...(options.log ? { log: options.log } : {}),
  });
  return { runtime, sandbox: host.exec ? host.exec.sandbox : null };
}
