import type { Command } from 'commander';
import type { z } from 'zod';
import type { whoamiResponseSchema } from '@glovebox/protocol';
import { context } from '../common.js';

/** `glovebox whoami`: who the gateway thinks the caller is, and how fresh their second factor is. */
export function registerWhoamiCommand(program: Command): void {
  program
    .command('whoami')
    .description('who the gateway thinks you are')
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      const me = await api.call<z.infer<typeof whoamiResponseSchema>>('GET', '/whoami');
      out.result(me, (safe) =>
        [
          `user:   ${safe.user}`,
          `groups: ${safe.groups.join(', ') || '-'}`,
          `token:  ${safe.tokenKind}`,
          `mfa:    ${safe.mfa.enrolled ? `enrolled${safe.mfa.ageSec === null ? '' : `, last checked ${safe.mfa.ageSec}s ago`}` : 'not enrolled'}`,
        ].join('\n'),
      );
    });
}
