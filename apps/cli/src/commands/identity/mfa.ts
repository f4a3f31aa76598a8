import type { Command } from 'commander';
import type { z } from 'zod';
import type { mfaEnrollResponseSchema } from '@glovebox/protocol';
import { when } from '../../output.js';
import { context, otpCode } from '../common.js';
import { envSetting } from '../../home.js';

/** `glovebox mfa enroll|verify`: a TOTP second factor, and the fresh check step-up asks for. */
export function registerMfaCommands(program: Command): void {
  const mfa = program.command('mfa').description('multi-factor authentication (TOTP)');
  mfa
    .command('enroll')
    .description(
      'start TOTP enrollment; add the secret to an authenticator app, then run `mfa verify`. The first factor needs the ticket an admin gave you (`users add`, `users reset-mfa`); another one needs a fresh check of an existing factor',
    )
    .option('--ticket <ticket>', 'enrollment ticket from an admin (or GLOVEBOX_MFA_TICKET)')
    .action(async (o: { ticket?: string }, command: Command) => {
      const { api, out } = context(command);
      const ticket = o.ticket ?? envSetting('GLOVEBOX_MFA_TICKET');
      const res = await api.call<z.infer<typeof mfaEnrollResponseSchema>>(
        'POST',
        '/mfa/enroll',
        ticket ? { ticket } : {},
      );
      out.result(res, (safe) => `secret: ${safe.secret}\nurl:    ${safe.otpauthUrl}`);
      out.next('glovebox mfa verify CODE', 'add the secret to an authenticator app, then confirm a code');
    });
  mfa
    .command('verify')
    .description('check a code: confirms enrollment and refreshes this login for step-up')
    .argument('<code>', 'the 6-digit code')
    .action(async (code: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      otpCode(code);
      const res = await api.call<{ verifiedAt: number; enrolled?: boolean }>('POST', '/mfa/verify', { code });
      if (res.enrolled) {
        out.result(res, (safe) => `enrolled at ${when(safe.verifiedAt)}`);
        out.next(
          'glovebox login --otp CODE',
          'a factor never counts for step-up in the login that enrolled it: log in again with a code',
        );
        return;
      }
      out.result(res, (safe) => `verified at ${when(safe.verifiedAt)}`);
      out.note('a command that stopped for MFA (exit 4) can be run again now');
    });
}
