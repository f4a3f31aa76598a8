import type { Command } from 'commander';
import { GloveboxError } from '@glovebox/core';
import { AgentRuntime, collectProcessFacts, createFactsModule, type ActionModule } from '@glovebox/agent';
import { createHostModules, detectHostTools, loadHostAgentConfig, resolveSecret } from '@glovebox/host-agent';

/**
 * Gives each module's handlers the local target name that serves their action. One agent
 * registration is one policy target: its exec target and its postgres target (at most one of each)
 * share the registration's env, owner and tags.
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

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description(
      'run the standalone agent for commands and databases on this host (outbound connection only)',
    )
    .requiredOption('--config <file>', 'agent YAML configuration (see examples/agent.yaml)')
    .action(async (o: { config: string }) => {
      const config = loadHostAgentConfig(o.config);
      for (const type of ['exec', 'postgres'] as const) {
        if (config.targets.filter((t) => t.type === type).length > 1) {
          throw new GloveboxError(
            'GBX_CONFIG_INVALID',
            `one agent serves at most one ${type} target; run another agent (and registration) for the next`,
          );
        }
      }
      const tools = detectHostTools();
      const host = createHostModules(config, { tools });
      const modules: ActionModule[] = [createFactsModule(() => collectProcessFacts())];
      if (host.exec) modules.push(bindTarget(host.exec, config.targets.find((t) => t.type === 'exec')!.name));
      if (host.postgres)
        modules.push(bindTarget(host.postgres, config.targets.find((t) => t.type === 'postgres')!.name));
      const commands = config.targets.flatMap((t) =>
        t.type === 'exec' ? t.commands.map((c) => ({ name: c.name, class: c.class })) : [],
      );
      if (host.exec && config.sandbox !== 'off' && !tools.bwrap) {
        process.stderr.write(
          '[glovebox-agent] warn: bubblewrap not found: commands run without a sandbox (install it, or set sandbox: required to refuse)\n',
        );
      }
      const gateway = new URL(config.gateway.url);
      const base = `${gateway.protocol.replace(/^ws/, 'http')}//${gateway.host}`;
      const runtime = new AgentRuntime({
        url: base,
        token: resolveSecret(config.gateway.credential),
        modules,
        commands,
      });
      const stop = () => {
        runtime.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await runtime.start();
      await new Promise(() => undefined);
    });
}
