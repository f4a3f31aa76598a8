import type { Command } from 'commander';
import type { z } from 'zod';
import { DEBUG_ACTIONS, type AccessRequestView, type targetSchema } from '@glovebox/protocol';
import { parseDuration } from '@glovebox/core';
import { EXIT, type ApiClient } from '../client.js';
import { table, when } from '../output.js';
import { context, usage } from './common.js';

/** Exit code that a request's status maps to: active 0, pending 4, anything else 3. */
function statusExit(status: AccessRequestView['status']): number {
  return status === 'active' ? EXIT.ok : status === 'pending' ? EXIT.waiting : EXIT.denied;
}

function describeRequest(r: AccessRequestView): string {
  const lines = [
    `id:       ${r.id}`,
    `status:   ${r.status}${r.endReason ? ` (${r.endReason})` : ''}`,
    `target:   ${r.target}`,
    `actions:  ${r.actions.join(', ')}`,
    `by:       ${r.requester}`,
    `reason:   ${r.reason}${r.ticket ? ` [${r.ticket}]` : ''}${r.breakGlass ? '  ** BREAK-GLASS **' : ''}`,
    `duration: ${r.durationSec}s, idle timeout ${r.obligations.idleTimeoutSec}s, masking ${r.obligations.masking}`,
    `policy:   ${r.determiningPolicies.join(', ') || '-'} (version ${r.policyVersion.slice(0, 12)})`,
  ];
  if (r.status === 'pending') {
    const got = r.approvals.filter((a) => a.verdict === 'approve').length;
    lines.push(
      `needs:    ${r.obligations.approvals - got} more approval(s) from ${r.obligations.approverGroups.join(' or ')}`,
    );
    lines.push(`expires:  ${when(r.pendingExpiresAt)}`);
  }
  if (r.status === 'active') lines.push(`ends:     ${when(r.expiresAt)}`);
  return lines.join('\n');
}

/** Polls a pending request, telling the person who still has to approve, until it is decided. */
async function waitForApproval(
  api: ApiClient,
  first: AccessRequestView,
  wait: string | boolean,
): Promise<AccessRequestView> {
  // Progress goes to stderr, also with --json: stdout still carries exactly one JSON document.
  const note = (text: string) => process.stderr.write(`${text}\n`);
  const deadline = Date.now() + parseDuration(typeof wait === 'string' ? wait : '15m');
  let current = first;
  let shown = '';
  while (current.status === 'pending' && Date.now() < deadline) {
    const approvedBy = current.approvals.filter((a) => a.verdict === 'approve').map((a) => a.approver);
    const missing = current.obligations.approvals - approvedBy.length;
    const line = `waiting for ${missing} approval(s) from ${current.obligations.approverGroups.join(' or ')}${
      approvedBy.length ? ` (approved so far: ${approvedBy.join(', ')})` : ''
    } — approvers run: glovebox approve ${current.id}`;
    if (line !== shown) note(line);
    shown = line;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    current = await api.call<AccessRequestView>('GET', `/requests/${encodeURIComponent(current.id)}`);
  }
  if (current.status !== 'pending') note(`request ${current.id} is ${current.status}`);
  return current;
}

function requestRows(list: AccessRequestView[]) {
  return table(
    ['ID', 'STATUS', 'REQUESTER', 'TARGET', 'ACTIONS', 'REASON', 'ENDS'],
    list.map((r) => [
      r.id,
      r.status,
      r.requester,
      r.target,
      r.actions.join(','),
      r.reason.slice(0, 40),
      when(r.expiresAt),
    ]),
  );
}

export function registerAccessCommands(program: Command): void {
  program
    .command('targets')
    .description('targets you may request access to')
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<{ targets: z.infer<typeof targetSchema>[] }>('GET', '/targets');
      out.result(res.targets, () =>
        table(
          ['NAME', 'ENV', 'OWNER', 'CONNECTED', 'ACTIONS'],
          res.targets.map((t) => [t.name, t.env, t.owner, t.connected ? 'yes' : 'no', t.actions.join(',')]),
        ),
      );
    });

  program
    .command('request')
    .description('request a time-boxed session on a target; exit 0 active, 4 pending approval, 3 denied')
    .argument('<target>')
    .requiredOption('--actions <list>', `comma-separated: ${DEBUG_ACTIONS.join(',')}`)
    .requiredOption('--reason <text>', 'why you need it (shown to approvers and audited)')
    .option('--ticket <id>', 'incident or change ticket')
    .option('--duration <d>', 'how long, e.g. 30m (capped by policy)')
    .option('--break-glass', 'emergency access: short TTL, everyone notified, reviewed afterwards')
    .option('--wait [duration]', 'wait for approvals (default up to 15m), showing who must approve')
    .action(
      async (
        target: string,
        o: {
          actions: string;
          reason: string;
          ticket?: string;
          duration?: string;
          breakGlass?: boolean;
          wait?: string | boolean;
        },
        command: Command,
      ) => {
        const { api, out } = context(command);
        const actions = o.actions
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean);
        for (const a of actions)
          if (!(DEBUG_ACTIONS as readonly string[]).includes(a)) usage(`unknown action "${a}"`);
        const r = await api.call<AccessRequestView>('POST', '/requests', {
          target,
          actions,
          reason: o.reason,
          breakGlass: o.breakGlass === true,
          ...(o.ticket ? { ticket: o.ticket } : {}),
          ...(o.duration ? { duration: o.duration } : {}),
        });
        const final = r.status === 'pending' && o.wait ? await waitForApproval(api, r, o.wait) : r;
        out.result(final, () => describeRequest(final));
        if (final.status === 'pending') {
          out.note(`waiting for approval: ask an approver to run \`glovebox approve ${final.id}\``);
        }
        process.exitCode = statusExit(final.status);
      },
    );

  program
    .command('requests')
    .description('your requests and those you may approve')
    .option('--pending', 'only pending ones')
    .option('--all', 'everyone’s (admins)')
    .action(async (o: { pending?: boolean; all?: boolean }, command: Command) => {
      const { api, out } = context(command);
      const q = new URLSearchParams();
      if (o.pending) q.set('pending', 'true');
      if (o.all) q.set('all', 'true');
      const res = await api.call<{ requests: AccessRequestView[] }>('GET', `/requests?${q.toString()}`);
      out.result(res.requests, () => requestRows(res.requests));
    });

  program
    .command('approve')
    .description('approve a pending request (bound to exactly what you were shown)')
    .argument('<id>')
    .option('--comment <text>')
    .action(async (id: string, o: { comment?: string }, command: Command) => {
      const { api, out } = context(command);
      const seen = await api.call<AccessRequestView>('GET', `/requests/${encodeURIComponent(id)}`);
      out.note(describeRequest(seen));
      const r = await api.call<AccessRequestView>('POST', `/requests/${encodeURIComponent(id)}/approve`, {
        digest: seen.digest,
        ...(o.comment ? { comment: o.comment } : {}),
      });
      out.result(r, () =>
        r.status === 'active'
          ? `approved: session ${r.id} is active`
          : `approved: ${r.status}, more approvals needed`,
      );
    });

  program
    .command('deny')
    .description('deny a pending request (or withdraw your own)')
    .argument('<id>')
    .option('--comment <text>')
    .action(async (id: string, o: { comment?: string }, command: Command) => {
      const { api, out } = context(command);
      const r = await api.call<AccessRequestView>('POST', `/requests/${encodeURIComponent(id)}/deny`, {
        ...(o.comment ? { comment: o.comment } : {}),
      });
      out.result(r, () => `denied ${r.id}`);
    });

  program
    .command('sessions')
    .description('your active sessions')
    .option('--all', 'include ended ones (admins: everyone’s)')
    .action(async (o: { all?: boolean }, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<{ sessions: AccessRequestView[] }>(
        'GET',
        `/sessions${o.all ? '?all=true' : ''}`,
      );
      out.result(res.sessions, () => requestRows(res.sessions));
    });

  program
    .command('end')
    .description('end a session now; everything it created on the target is removed')
    .argument('<session>')
    .action(async (id: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const r = await api.call<AccessRequestView>('POST', `/sessions/${encodeURIComponent(id)}/end`, {});
      out.result(r, () => `ended ${r.id}`);
    });
}
