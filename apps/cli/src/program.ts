import { Command, Option } from 'commander';
import { GloveboxError } from '@glovebox/core';
import { registerAccessCommands } from './commands/access.js';
import { registerActionCommands } from './commands/actions.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerAgentCommand } from './commands/agent.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerExecQueryCommands } from './commands/exec-query.js';
import { registerHeapCommands } from './commands/heap.js';
import { registerIdentityCommands } from './commands/identity.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerRecordingCommands } from './commands/recordings.js';
import { registerRedactCommand } from './commands/redact.js';
import { registerServerCommands } from './commands/server-demo.js';
import { registerSessionCommands } from './commands/sessions.js';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from './completion.js';
import { OUTPUT_FORMATS } from './output.js';
import { CLI_VERSION } from './version.js';

/**
 * The whole command tree. Building it loads no heavy package: commands that need the policy
 * engine, the host agent, the redaction engine or YAML import them when they run.
 */
export function buildProgram(): Command {
  const program = new Command('glovebox')
    .description('Policy-enforced secure debugging in production')
    .version(CLI_VERSION)
    .addOption(
      new Option(
        '-o, --output <format>',
        'output format: table for people, json or yaml for scripts (one document on stdout)',
      ).choices(OUTPUT_FORMATS),
    )
    .addOption(new Option('--json', 'the same as --output json'))
    .addOption(new Option('--url <url>', 'gateway URL (default: GLOVEBOX_URL or the saved login)'))
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  registerServerCommands(program);
  registerAgentCommand(program);
  registerIdentityCommands(program);
  registerAdminCommands(program);
  registerAccessCommands(program);
  registerSessionCommands(program);
  registerActionCommands(program);
  registerExecQueryCommands(program);
  registerHeapCommands(program);
  registerRecordingCommands(program);
  registerAuditCommands(program);
  registerPolicyCommands(program);
  registerRedactCommand(program);

  program
    .command('completion')
    .description(`print a shell completion script (${COMPLETION_SHELLS.join(', ')})`)
    .argument('<shell>', COMPLETION_SHELLS.join(' | '))
    .addHelpText(
      'after',
      '\nInstall:\n  bash: source <(glovebox completion bash)      # in ~/.bashrc\n' +
        '  zsh:  glovebox completion zsh > "${fpath[1]}/_glovebox"\n' +
        '  fish: glovebox completion fish > ~/.config/fish/completions/glovebox.fish',
    )
    .action((shell: string) => {
      if (!(COMPLETION_SHELLS as readonly string[]).includes(shell))
        throw new GloveboxError(
          'GBX_USAGE',
          `no completion for "${shell}": use ${COMPLETION_SHELLS.join(', ')}`,
        );
      process.stdout.write(completionScript(program, shell as CompletionShell));
    });

  const exitOverride = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}
