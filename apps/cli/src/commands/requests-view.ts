import type { AccessRequestView } from '@glovebox/protocol';
import { EXIT } from '../client.js';
import { table, when } from '../output.js';

/** Exit code that a request's status maps to: active 0, pending 4, anything else 3. */
export function statusExit(status: AccessRequestView['status']): number {
  return status === 'active' ? EXIT.ok : status === 'pending' ? EXIT.waiting : EXIT.denied;
}

function approvalsStillNeeded(r: AccessRequestView): number {
  return Math.max(0, r.obligations.approvals - r.approvals.filter((a) => a.verdict === 'approve').length);
}

/** A request as a person reads it before approving it: everything the approval is bound to. */
export function describeRequest(r: AccessRequestView): string {
  const lines = [
    `id:       ${r.id}`,
    `status:   ${r.status}${r.endReason ? ` (${r.endReason})` : ''}`,
    `target:   ${r.target}${r.targetEnv === null ? ' (no longer registered)' : `  [${r.targetEnv.toUpperCase()}]`}`,
    `actions:  ${r.actions.join(', ')}`,
    `by:       ${r.requester}`,
    `reason:   ${r.reason}${r.ticket ? ` [${r.ticket}]` : ''}${r.breakGlass ? '  ** BREAK-GLASS **' : ''}`,
    `duration: ${r.durationSec}s, idle timeout ${r.obligations.idleTimeoutSec}s, masking ${r.obligations.masking}`,
    `policy:   ${r.determiningPolicies.join(', ') || '-'} (version ${r.policyVersion.slice(0, 12)})`,
  ];
  for (const sql of r.scope?.sql ?? []) lines.push(`sql:      ${sql}`);
  for (const argv of r.scope?.commands ?? []) lines.push(`command:  ${argv.join(' ')}`);
  if (r.scope?.class) lines.push(`class:    ${r.scope.class} (any ${r.scope.class} statement or command)`);
  for (const a of r.approvals)
    lines.push(
      `${a.verdict === 'approve' ? 'approved' : 'denied'}: by ${a.approver}${a.comment ? ` — ${a.comment}` : ''}`,
    );
  if (r.status === 'pending') {
    lines.push(
      `needs:    ${approvalsStillNeeded(r)} more approval(s) from ${r.obligations.approverGroups.join(' or ')}`,
    );
    lines.push(`expires:  ${when(r.pendingExpiresAt)}`);
  }
  if (r.status === 'active') lines.push(`ends:     ${when(r.expiresAt)}`);
  return lines.join('\n');
}

/** The line shown while waiting: who still has to approve, and who already did. */
export function waitingLine(r: AccessRequestView): string {
  const approvedBy = r.approvals.filter((a) => a.verdict === 'approve').map((a) => a.approver);
  return `waiting for ${approvalsStillNeeded(r)} approval(s) from ${r.obligations.approverGroups.join(' or ')}${
    approvedBy.length ? ` (approved so far: ${approvedBy.join(', ')})` : ''
  } — approvers run: glovebox approve ${r.id}`;
}

export function requestRows(list: AccessRequestView[]): string {
  if (list.length === 0) return '(none)';
  return table(
    ['ID', 'STATUS', 'REQUESTER', 'TARGET', 'ACTIONS', 'REASON', 'ENDS'],
    list.map((r) => [
      r.id,
      r.status,
      r.requester,
      r.target,
      r.actions.join(','),
      r.reason.length > 40 ? `${r.reason.slice(0, 39)}…` : r.reason,
      when(r.expiresAt),
    ]),
  );
}

/** The command that makes best use of a fresh session, by the first action it grants. */
export function firstUseOf(r: Pick<AccessRequestView, 'actions'>): string {
  const examples: Record<string, string> = {
    facts: 'glovebox facts',
    snapshot: 'glovebox snapshot FILE:LINE',
    logpoint: 'glovebox logpoint FILE:LINE "value={expr}" --follow',
    eval: 'glovebox eval EXPR',
    profile: 'glovebox profile --seconds 10',
    exec: 'glovebox exec -- CMD [ARGS...]',
    query: 'glovebox query "SELECT …"',
  };
  const action = r.actions.find((a) => a in examples);
  return action ? (examples[action] ?? 'glovebox facts') : 'glovebox request show';
}
