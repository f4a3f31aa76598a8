import type { Command } from 'commander';
import type { PolicyBundleView, PolicyDiffView, PolicyVersionsView } from '@glovebox/protocol';
import { table, when } from '../../output.js';
import { context } from '../common.js';
import { version } from './operands.js';

/** `glovebox policy versions`: pushed versions, activations and what each replica runs. */
export function registerVersionsCommand(policy: Command): void {
  policy
    .command('versions')
    .description('pushed versions, the activation history and what each replica runs')
    .option('--limit <n>', 'versions to list', '20')
    .action(async (o: { limit: string }, command: Command) => {
      const { api, out } = context(command);
      const view = await api.call<PolicyVersionsView>(
        'GET',
        `/policy/bundles?limit=${encodeURIComponent(o.limit)}`,
      );
      out.result(view, (v) =>
        [
          table(
            ['VERSION', 'STATE', 'DIGEST', 'AUTHOR', 'PUSHED', 'COMMIT', 'MESSAGE'],
            v.versions.map((x) => [
              x.version,
              x.state === 'pending-approval'
                ? `pending (${x.approvals.length}/${x.approvalsNeeded})`
                : x.state,
              x.digest.slice(7, 19),
              x.author,
              when(x.createdAt),
              (x.origin.verified?.['commit'] ?? x.origin.claimed['commit'] ?? '-').slice(0, 12),
              x.message,
            ]),
          ),
          '',
          v.replicas.length === 0
            ? `this replica: ${v.status.source} mode${v.status.inSync ? '' : `, OUT OF SYNC: ${v.status.error ?? ''}`}`
            : table(
                ['REPLICA', 'GENERATION', 'VERSION', 'REPORTED', 'ERROR'],
                v.replicas.map((r) => [r.replica, r.generation, r.version, when(r.at), r.error]),
              ),
        ].join('\n'),
      );
    });
}

/** `glovebox policy show VERSION`: one version, its origin and files. */
export function registerShowCommand(policy: Command): void {
  policy
    .command('show')
    .description('one version: who pushed it, from which commit, and its files')
    .argument('<version>')
    .action(async (v: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const bundle = await api.call<PolicyBundleView>('GET', `/policy/bundles/${version(v)}`);
      out.result(bundle, (b) =>
        [
          `version ${b.version}  ${b.digest}`,
          `pushed by ${b.author} at ${when(b.createdAt)}: ${b.message || '(no message)'}`,
          ...Object.entries(b.origin.verified ?? {}).map(([k, x]) => `  verified ${k}: ${x}`),
          ...Object.entries(b.origin.claimed).map(([k, x]) => `  claimed ${k}: ${x}`),
          ...b.files.map((f) => `  ${f.path} (${f.text.length} characters)`),
        ].join('\n'),
      );
    });
}

/** `glovebox policy diff V1 V2`: what changed between two versions. */
export function registerDiffCommand(policy: Command): void {
  policy
    .command('diff')
    .description('what changed from version V1 to version V2, file by file and policy by policy')
    .argument('<v1>')
    .argument('<v2>')
    .action(async (v1: string, v2: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const diff = await api.call<PolicyDiffView>(
        'GET',
        `/policy/diff?from=${version(v1)}&to=${version(v2)}`,
      );
      out.result(diff, (d) =>
        d.identical
          ? `versions ${d.from} and ${d.to} are identical`
          : [
              ...d.policies.map((p) => `${p.status.padEnd(8)} ${p.effect} ${p.id} (${p.file})`),
              '',
              ...d.files.map((f) => f.patch),
            ].join('\n'),
      );
    });
}
