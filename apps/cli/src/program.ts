import { Command, Option } from 'commander';
import { GloveboxError } from '@glovebox/core';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from './completion.js';
import { OUTPUT_FORMATS } from './output.js';
import { CLI_VERSION } from './version.js';

type Register = (program: Command) => void;

/**
 * Every top-level command, by the module that registers it. Only the module of the command being
 * run is loaded (`glovebox redact` never loads the API schemas); help, completion and an unknown
 * command load them all. program.test.ts checks the names against what each module registers.
 */
export const COMMAND_MODULES: readonly { names: readonly string[]; load: () => Promise<Register> }[] = [
  {
    names: ['server', 'demo'],
    load: async () => (await import('./commands/server-demo.js')).registerServerCommands,
  },
  { names: ['agent'], load: async () => (await import('./commands/agent.js')).registerAgentCommand },
  {
    names: ['login', 'logout', 'whoami', 'mfa', 'tokens'],
    load: async () => (await import('./commands/identity/index.js')).registerIdentityCommands,
  },
  {
    names: ['users', 'agents'],
    load: async () => (await import('./commands/admin.js')).registerAdminCommands,
  },
  {
    names: ['targets', 'request', 'requests', 'approve', 'deny'],
    load: async () => (await import('./commands/access/index.js')).registerAccessCommands,
  },
  {
    names: ['sessions', 'use', 'end'],
    load: async () => (await import('./commands/sessions.js')).registerSessionCommands,
  },
  {
    names: ['snapshot', 'logpoint', 'facts', 'eval', 'profile'],
    load: async () => (await import('./commands/actions.js')).registerActionCommands,
  },
  {
    names: ['exec', 'query'],
    load: async () => (await import('./commands/exec-query.js')).registerExecQueryCommands,
  },
  {
    names: ['heapsnapshot', 'heapstats', 'heapdiff'],
    load: async () => (await import('./commands/heap.js')).registerHeapCommands,
  },
  {
    names: ['recordings', 'play'],
    load: async () => (await import('./commands/recordings.js')).registerRecordingCommands,
  },
  { names: ['audit'], load: async () => (await import('./commands/audit.js')).registerAuditCommands },
  { names: ['policy'], load: async () => (await import('./commands/policy.js')).registerPolicyCommands },
  {
    names: ['plan', 'apply'],
    load: async () => (await import('./commands/config-apply.js')).registerConfigCommands,
  },
  { names: ['redact'], load: async () => (await import('./commands/redact.js')).registerRedactCommand },
];

/** Root options that take a value, so the value is not mistaken for the command's name. */
const ROOT_VALUE_OPTIONS = new Set(['-o', '--output', '--url']);

/** The name of the top-level command in `args` (argv without node and the script), if any. */
export function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (ROOT_VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

function modulesFor(args: readonly string[] | undefined): readonly (typeof COMMAND_MODULES)[number][] {
  if (args === undefined) return COMMAND_MODULES;
  const name = commandName(args);
  if (name === undefined && (args.includes('--version') || args.includes('-V'))) return [];
  const wanted = COMMAND_MODULES.filter((m) => name !== undefined && m.names.includes(name));
  return wanted.length > 0 ? wanted : COMMAND_MODULES;
}

/**
 * The command tree for `args` (argv without node and the script): the modules of the command being
 * run, or of every command when `args` is left out or names none of them. Building it loads no
 * heavy package: commands that need the policy engine, the host agent, the redaction engine or
 * YAML import them when they run.
 */
export async function buildProgram(args?: readonly string[]): Promise<Command> {
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
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      // the stable code, as every other usage mistake shows it
      outputError: (text, write) => write(text.replace(/\n?$/, ' (GBX_USAGE)\n')),
    });

  for (const m of modulesFor(args)) (await m.load())(program);

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
