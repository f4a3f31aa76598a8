import type { Command } from 'commander';
import { GloveboxError } from '@glovebox/core';
import type {
  PolicyBundleView,
  PolicyDiffView,
  PolicyPlanView,
  PolicyPushResult,
  PolicyVersionsView,
} from '@glovebox/protocol';
import { ciMetadata } from '../ci-metadata.js';
import { EXIT, type ApiClient } from '../client.js';
import { table, when } from '../output.js';
import { context, usage } from './common.js';

// The policy engine (Cedar compiled to WebAssembly) loads only for the commands that read a directory.
const policyEngine = () => import('@glovebox/policy');

/** Exit code of `policy plan` when recorded decisions would change (0 unchanged, 1 error). */
export const PLAN_CHANGES_EXIT = 5;

async function readBundle(dir: string): Promise<{ path: string; text: string }[]> {
  const read = await (await policyEngine()).readPolicyBundle(dir);
  if (!read.ok)
    throw new GloveboxError('GBX_POLICY_INVALID', `${dir}: ${read.errors[0] ?? 'cannot be read'}`, {
      details: { errors: read.errors },
    });
  return read.bundle.files;
}

function version(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`a policy version is a whole number from 1, got "${text}"`);
  return n;
}

function seconds(text: string): number {
  const m = /^(\d{1,5})(s|m)?$/.exec(text);
  if (!m) usage(`--wait takes a duration like 30s or 2m, got "${text}"`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

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

/** `glovebox policy push|versions|show|diff|rollback|approve|plan`: policy bundles on the gateway. */
export function registerPolicyDeployCommands(policy: Command): void {
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

  policy
    .command('plan')
    .description(
      `replay recorded decisions against DIR and list what would change (exit 0: nothing, ${PLAN_CHANGES_EXIT}: changes)`,
    )
    .argument('<dir>')
    .option('--days <n>', 'how many days of recorded decisions to replay', '7')
    .option('--max <n>', 'most decisions to replay (the newest)', '50000')
    .action(async (dir: string, o: { days: string; max: string }, command: Command) => {
      const { api, out } = context(command);
      const days = Number(o.days);
      const max = Number(o.max);
      if (!Number.isInteger(days) || days < 1 || days > 365) usage('--days is a whole number from 1 to 365');
      if (!Number.isInteger(max) || max < 1 || max > 200_000)
        usage('--max is a whole number from 1 to 200000');
      const plan = await api.call<PolicyPlanView>('POST', '/policy/plan', {
        files: await readBundle(dir),
        days,
        maxDecisions: max,
      });
      out.result(plan, planText);
      process.exitCode = !plan.tests.ok ? EXIT.error : plan.changes.length > 0 ? PLAN_CHANGES_EXIT : EXIT.ok;
    });
}

const ARROWS: Record<string, string> = {
  'allow-to-deny': 'allow → deny',
  'deny-to-allow': 'deny → allow',
  'step-up-added': 'now needs MFA',
  'step-up-removed': 'no MFA step-up',
  'obligations-tightened': 'tightened',
  'obligations-loosened': 'loosened',
  'obligations-changed': 'changed',
};

/** The plan for people: history, then identical changes grouped with a count. */
export function planText(plan: PolicyPlanView): string {
  const h = plan.history;
  const lines = [
    `proposed ${plan.proposedVersion.slice(7, 19)} (tests: ${plan.tests.passed} passed, ${plan.tests.failed} failed) against active ${plan.activeVersion.slice(7, 19)}`,
    `history ${plan.since} .. ${plan.until}: ${h.events} events, ${h.decisions} decisions, ${h.replayed} replayed${h.redactedContext ? ` (${h.redactedContext} with redacted reason/command)` : ''}${h.truncated ? ', only the newest (--max)' : ''}`,
  ];
  if (h.unreplayable.count > 0)
    lines.push(
      `not replayable: ${h.unreplayable.count} decisions recorded without their request (${Object.entries(
        h.unreplayable.byType,
      )
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}; ${h.unreplayable.oldest ?? ''} .. ${h.unreplayable.newest ?? ''})`,
    );
  for (const e of plan.tests.errors) lines.push(`test error: ${e}`);
  if (plan.changes.length === 0) {
    lines.push('no recorded decision would change');
  } else {
    lines.push(`${plan.changes.length} recorded decision(s) would change:`);
    const groups = new Map<string, { text: string; count: number; first: string }>();
    for (const c of plan.changes) {
      const detail = c.obligations
        .map((o) => `${o.field} ${JSON.stringify(o.before)}→${JSON.stringify(o.after)}`)
        .join(', ');
      const text = `${c.kinds
        .map((k) => ARROWS[k] ?? k)
        .join(', ')
        .padEnd(16)} ${c.principal} ${c.action} ${c.resource}${detail ? `: ${detail}` : ''}`;
      const g = groups.get(text);
      if (g) g.count++;
      else
        groups.set(text, {
          text,
          count: 1,
          first: `${c.time} ${c.eventType}${c.sessionId ? ` ${c.sessionId}` : ''}`,
        });
    }
    for (const g of groups.values()) lines.push(`  ${g.text}  (${g.count}×, e.g. ${g.first})`);
  }
  if (plan.drifted > 0)
    lines.push(
      `note: ${plan.drifted} recorded decision(s) were made under an earlier version and the active one already decides them differently`,
    );
  return lines.join('\n');
}
