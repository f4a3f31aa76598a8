import type { Command } from 'commander';
import type { z } from 'zod';
import type { createdTokenSchema } from '@glovebox/protocol';
import { when } from '../../output.js';
import { context, durationOption, usage } from '../common.js';
import { FIELD_LIMITS } from '@glovebox/protocol/constants';

/** What capped a token's lifetime, as the end of a sentence. */
const LIMITED_BY = {
  request: '',
  policy: ', the longest policy allows',
  login: ', when the login it was minted from ends',
} as const;

/** `glovebox tokens create|revoke`: API tokens for automation. */
export function registerTokenCommands(program: Command): void {
  const tokens = program.command('tokens').description('API tokens for automation');
  tokens
    .command('create')
    .description('create an API token (shown once, stored hashed)')
    .option('--user <name>', 'for another user (admins)')
    .option('--ttl <duration>', 'lifetime, e.g. 1h, 1d (default and maximum: what policy allows)')
    .option('--label <text>', 'what it is for')
    .action(async (o: { user?: string; ttl?: string; label?: string }, command: Command) => {
      const { api, out } = context(command);
      if (o.ttl !== undefined) durationOption('--ttl', o.ttl);
      if (o.label !== undefined && o.label.length > FIELD_LIMITS.maxLabel)
        usage(`--label must be at most ${FIELD_LIMITS.maxLabel} characters`);
      const res = await api.call<z.infer<typeof createdTokenSchema>>('POST', '/tokens', {
        ...(o.ttl ? { ttl: o.ttl } : {}),
        ...(o.user ? { user: o.user } : {}),
        ...(o.label ? { label: o.label } : {}),
      });
      out.result(
        res,
        (safe) =>
          `${safe.token}\n(token ${safe.id} for ${safe.user}, expires ${when(safe.expiresAt)}${LIMITED_BY[safe.limitedBy]}; shown once)`,
      );
      out.next('GLOVEBOX_TOKEN=<the token above> glovebox whoami', 'scripts authenticate with it');
    });
  tokens
    .command('revoke')
    .description('revoke an API token by id')
    .argument('<id>')
    .action(async (id: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      await api.call('DELETE', `/tokens/${encodeURIComponent(id)}`);
      out.result({ ok: true, id }, (safe) => `revoked ${safe.id}`);
    });
}
