import type { Command } from 'commander';
import type { z } from 'zod';
import type { targetSchema } from '@glovebox/protocol';
import { table, when } from '../../output.js';
import { context } from '../common.js';

/** `glovebox targets`: the services the caller may request access to, and their instances. */
export function registerTargetsCommand(program: Command): void {
  program
    .command('targets')
    .description('targets you may request access to')
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<{ targets: z.infer<typeof targetSchema>[] }>('GET', '/targets');
      out.result(res.targets, (targets) => {
        const summary = table(
          ['NAME', 'ENV', 'OWNER', 'INSTANCES', 'ACTIONS'],
          targets.map((t) => [t.name, t.env, t.owner, t.instances.length, t.actions.join(',')]),
        );
        const instances = targets.flatMap((t) => t.instances.map((i) => ({ target: t.name, ...i })));
        if (instances.length === 0) return summary;
        return `${summary}\n\n${table(
          ['TARGET', 'INSTANCE', 'HOST', 'PID', 'VERSION', 'STARTED', 'CONNECTED'],
          instances.map((i) => [
            i.target,
            i.id,
            i.host,
            i.pid,
            i.version,
            when(i.startedAt),
            when(i.connectedAt),
          ]),
        )}`;
      });
    });
}
