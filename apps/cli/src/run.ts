import { CommanderError } from 'commander';
import { ERROR_CODES, isGloveboxError } from '@glovebox/core';
import { EXIT, exitCodeFor } from './client.js';
import { documentText, loadYamlPrinter, requestedFormat, type OutputFormat } from './output.js';
import { buildProgram } from './program.js';
import { neutraliseLine } from './terminal-text.js';

const HINTS: Partial<Record<string, string>> = {
  // The error does not say which case the user is in, so the hint names all three.
  GBX_STEP_UP_REQUIRED:
    'run `glovebox mfa verify CODE`, then run the command again; no second factor yet: ask an admin for a ticket (`glovebox users reset-mfa NAME`), then `glovebox mfa enroll --ticket TICKET`; enrolled in this login: `glovebox login` again, then verify',
  GBX_MFA_TICKET_REQUIRED:
    'ask an admin for an enrollment ticket (`glovebox users reset-mfa NAME`), then run `glovebox mfa enroll --ticket TICKET`',
  GBX_MFA_SAME_LOGIN: 'run `glovebox login` again, then `glovebox mfa verify CODE`',
  GBX_AUTH_REQUIRED: 'run `glovebox login` or set GLOVEBOX_TOKEN',
  GBX_AUTH_FAILED: 'run `glovebox login` or set GLOVEBOX_TOKEN',
  GBX_AUTH_SSO_STALE: 'run `glovebox login --sso`: your groups from single sign-on need refreshing',
  GBX_SESSION_NOT_ACTIVE:
    'the session has ended or is not approved yet: `glovebox request show` tells which; `glovebox request TARGET …` opens a new one',
  GBX_GATEWAY_UNREACHABLE: 'check GLOVEBOX_URL (or --url) and that the gateway is running',
};

/**
 * The code as a person reads it: an agent's refusal reaches us as GBX_AGENT_REFUSED with the agent's
 * own code in `details.agentCode` (docs/errors.md), which says what to fix; it is shown when known.
 */
function codeText(error: { code: string; details?: Record<string, unknown> }): string {
  const agentCode = error.details?.agentCode;
  return typeof agentCode === 'string' && agentCode in ERROR_CODES
    ? `${error.code}: agent ${agentCode}`
    : error.code;
}

/** Hints for `glovebox login` itself, where "run `glovebox login`" would send the person in a circle. */
const LOGIN_HINTS: Partial<Record<string, string>> = {
  GBX_AUTH_FAILED: 'check the user name and the password (and --otp CODE when you have a second factor)',
};

/** Reports a failure (in the requested format) and returns the exit code. */
function fail(error: unknown, format: OutputFormat, command?: string): number {
  const code = exitCodeFor(error);
  const known = isGloveboxError(error);
  const body = {
    error: {
      code: known ? error.code : 'GBX_INTERNAL',
      message: error instanceof Error ? error.message : 'unexpected failure',
      ...(known && error.details ? { details: error.details } : {}),
    },
  };
  if (format !== 'table') {
    process.stdout.write(documentText(format, body));
    return code;
  }
  process.stderr.write(`error: ${neutraliseLine(body.error.message)} (${codeText(body.error)})\n`);
  const hint = (command === 'login' ? LOGIN_HINTS : HINTS)[body.error.code];
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  return code;
}

async function main(argv: string[]): Promise<number> {
  const format = requestedFormat(argv.slice(2));
  if (format === 'yaml') await loadYamlPrinter();
  try {
    await (await buildProgram(argv.slice(2))).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code))
        return EXIT.ok;
      // Commander has already explained the mistake on stderr.
      if (format !== 'table')
        process.stdout.write(documentText(format, { error: { code: 'GBX_USAGE', message: error.message } }));
      return EXIT.usage;
    }
    return fail(
      error,
      format,
      argv.slice(2).find((a) => !a.startsWith('-')),
    );
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = fail(error, 'table');
  },
);
