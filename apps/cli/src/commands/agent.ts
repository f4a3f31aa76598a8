import type { Command } from 'commander';

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description(
      'run the standalone agent for commands and databases on this host (outbound connection only)',
    )
    .requiredOption('--config <file>', 'agent YAML configuration (see examples/agent.yaml)')
    .action(async (o: { config: string }) => {
      // The host agent (database driver, SQL parser) loads only for this command.
      const { closeOwnInspector, createHostAgent, loadHostAgentConfig } =
        await import('@glovebox/host-agent');
      closeOwnInspector((message) => process.stderr.write(`[glovebox-agent] warn: ${message}\n`));
      const config = loadHostAgentConfig(o.config);
      const agent = createHostAgent(config);
      if (agent.sandbox === 'none' && config.sandbox !== 'off') {
        process.stderr.write(
          '[glovebox-agent] warn: bubblewrap not found: commands run without a sandbox (install it, or set sandbox: required to refuse)\n',
        );
      }
      const stop = () => {
        agent.runtime.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await agent.runtime.start();
      await new Promise(() => undefined);
    });
}
