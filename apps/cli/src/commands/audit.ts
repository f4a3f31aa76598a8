import type { Command } from 'commander';
import type { z } from 'zod';
import type { auditEventViewSchema } from '@glovebox/protocol';
import { table } from '../output.js';
import { context } from './common.js';

type EventView = z.infer<typeof auditEventViewSchema>;

export function registerAuditCommands(program: Command): void {
  program
    .command('audit')
    .description('search the audit trail (reading it is itself a policy decision)')
    .option('--since <time>', 'ISO time')
    .option('--until <time>', 'ISO time')
    .option('--actor <name>')
    .option('--session <id>')
    .option('--target <name>')
    .option('--action <name>')
    .option('--decision <allow|deny>')
    .option('--limit <n>', 'at most this many events', '1000')
    .action(async (o: Record<string, string | undefined>, command: Command) => {
      const { api, out } = context(command);
      const q = new URLSearchParams();
      for (const key of ['since', 'until', 'actor', 'session', 'target', 'action', 'decision', 'limit']) {
        const v = o[key];
        if (v) q.set(key, v);
      }
      const res = await api.call<{ events: EventView[] }>('GET', `/audit?${q.toString()}`);
      out.result(res.events, () =>
        table(
          ['SEQ', 'TIME', 'TYPE', 'ACTOR', 'SESSION', 'ACTION', 'TARGET', 'OUTCOME'],
          res.events.map((e) => [e.seq, e.time, e.type, e.actor, e.sessionId, e.action, e.target, e.outcome]),
        ),
      );
    });
}
