import type { Command } from 'commander';
import { GloveboxError } from '@glovebox/core';
import type { PolicyBundleView, PolicyPushResult, PolicyVersionsView } from '@glovebox/protocol';
import { ciMetadata } from '../../ci-metadata.js';
import type { ApiClient } from '../../client.js';
import { context } from '../common.js';
import { readBundle, seconds, version } from './operands.js';

/** Waits until every replica that reported lately runs the generation in force. */
async function waitForReplicas(api: ApiClient, timeoutSec: number): Promise<PolicyVersionsView> {
  const end = Date.now() + timeoutSec * 1000;
  for (;;) {
    const view = await api.call<PolicyVersionsView>('GET', '/policy/bundles?limit=1');
    const target = view.active?.generation ?? 0;
    const behind = view.replicas.filter((r) => r.generation < target || r.error !== null);
    if (behind.length === 0) return view;
    if (Date.now() > end)
      throw new GloveboxError(
        'GBX_POLICY_UNAVAILABLE',
        `not every replica runs generation ${target} after ${timeoutSec}s: ${behind
          .map((r) => `${r.replica} (generation ${r.generation}${r.error ? `: ${r.error}` : ''})`)
          .join(', ')}`,
        { details: { replicas: view.replicas } },
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `glovebox policy push DIR`: tests a bundle on the gateway and stores it as a new version. */
export function registerPushCommand(policy: Command): void {
  policy
    .command('push')
    .description('test DIR on the gateway and store it as a new version that every replica activates')
    .argument('<dir>')
    .option('-m, --message <text>', 'what changed and why', '')
    .option('--wait [duration]', 'wait until every replica runs it (default 30s)')
    .action(async (dir: string, o: { message: string; wait?: string | true }, command: Command) => {
      const { api, out } = context(command);
      const files = await readBundle(dir);
      const result = await api.call<PolicyPushResult>('POST', '/policy/bundles', {
        files,
        message: o.message,
        ci: ciMetadata(),
      });
      const replicas =
        o.wait !== undefined && result.activated
          ? await waitForReplicas(api, o.wait === true ? 30 : seconds(o.wait))
          : undefined;
      out.result({ ...result, ...(replicas ? { replicas: replicas.replicas } : {}) }, (r) =>
        r.unchanged
          ? `unchanged: version ${r.version} (${r.digest.slice(7, 19)}) is already in force`
          : r.activated
            ? `version ${r.version} (${r.digest.slice(7, 19)}) is in force: ${r.testsPassed} tests passed${replicas ? `, ${replicas.replicas.length} replica(s) run it` : ''}`
            : `version ${r.version} (${r.digest.slice(7, 19)}) is stored and waits for ${r.approvalsPending} approval(s)`,
      );
      if (!result.activated && !result.unchanged)
        out.next(
          `glovebox policy approve ${result.version}`,
          'someone else in the approver groups approves it',
        );
    });
}

/** `glovebox policy rollback VERSION`: makes an earlier version the one in force. */
export function registerRollbackCommand(policy: Command): void {
  policy
    .command('rollback')
    .description('make an earlier version the one every replica runs')
    .argument('<version>')
    .action(async (v: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const result = await api.call<{ generation: number; unchanged: boolean }>('POST', '/policy/rollback', {
        version: version(v),
      });
      out.result(result, (r) =>
        r.unchanged
          ? `version ${v} is already in force`
          : `version ${v} is in force again (generation ${r.generation})`,
      );
    });
}

/** `glovebox policy approve VERSION`: the second person's approval of a pushed version. */
export function registerApproveCommand(policy: Command): void {
  policy
    .command('approve')
    .description('approve a pushed version that policy says needs a second person')
    .argument('<version>')
    .action(async (v: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const bundle = await api.call<PolicyBundleView>('GET', `/policy/bundles/${version(v)}`);
      out.note(`approving version ${bundle.version} ${bundle.digest} pushed by ${bundle.author}`);
      const result = await api.call<{ approvals: number; activated: boolean }>(
        'POST',
        `/policy/bundles/${bundle.version}/approve`,
        { digest: bundle.digest },
      );
      out.result(result, (r) =>
        r.activated
          ? `approved: version ${v} is in force`
          : `approved (${r.approvals} of ${bundle.approvalsNeeded})`,
      );
    });
}
