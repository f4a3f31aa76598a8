#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { GloveboxError, isGloveboxError } from '@glovebox/core';
import { EXIT, exitCodeFor } from './client.js';
import { registerAccessCommands } from './commands/access.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerIdentityCommands } from './commands/identity.js';
import { registerLocalCommands } from './commands/local.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerActionCommands } from './commands/actions.js';
import { registerHeapCommands } from './commands/heap.js';
import { registerRecordingCommands } from './commands/recordings.js';
import { registerAgentCommand } from './commands/agent.js';

/** Options every command accepts. */
export interface GlobalOptions {
  json?: boolean;
  url?: string;
}

const program = new Command('glovebox')
  .description('Policy-enforced secure debugging in production')
  .version('0.1.0')
  .addOption(new Option('--json', 'print one JSON document on stdout and nothing else there'))
  .addOption(new Option('--url <url>', 'gateway URL (default: GLOVEBOX_URL or the saved login)'))
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

registerLocalCommands(program);
registerAgentCommand(program);
registerIdentityCommands(program);
registerAdminCommands(program);
registerAccessCommands(program);
registerActionCommands(program);
registerHeapCommands(program);
registerRecordingCommands(program);
registerAuditCommands(program);
registerPolicyCommands(program);

for (const command of program.commands) {
  command.exitOverride();
  command.addOption(
    new Option('--json', 'print one JSON document on stdout and nothing else there').hideHelp(),
  );
  for (const sub of command.commands) {
    sub.exitOverride();
    sub.addOption(new Option('--json', 'print one JSON document on stdout').hideHelp());
  }
}

function fail(error: unknown, json: boolean): number {
  const code = exitCodeFor(error);
  if (isGloveboxError(error)) {
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } }, null, 2)}\n`,
      );
    } else {
      process.stderr.write(`error: ${error.message} (${error.code})\n`);
      if (error.code === 'GBX_STEP_UP_REQUIRED')
        process.stderr.write('hint: run `glovebox mfa verify CODE`, then retry\n');
      if (error.code === 'GBX_AUTH_REQUIRED' || error.code === 'GBX_AUTH_FAILED') {
        process.stderr.write('hint: run `glovebox login` or set GLOVEBOX_TOKEN\n');
      }
    }
    return code;
  }
  const message = error instanceof Error ? error.message : 'unexpected failure';
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'GBX_INTERNAL', message } })}\n`);
  else process.stderr.write(`error: ${message}\n`);
  return EXIT.error;
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return EXIT.ok;
      }
      if (json)
        process.stdout.write(`${JSON.stringify({ error: { code: 'GBX_USAGE', message: error.message } })}\n`);
      return EXIT.usage;
    }
    if (isGloveboxError(error, 'GBX_USAGE')) {
      process.stderr.write(`error: ${error.message}\n`);
      if (json)
        process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
      return EXIT.usage;
    }
    return fail(error, json);
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = fail(
      error instanceof Error ? error : new GloveboxError('GBX_INTERNAL', 'unexpected failure'),
      false,
    );
  },
);
