import type { AccessRequestView } from '@glovebox/protocol';
import type { GatewayServices } from '../server.js';
import { effectiveScope } from '../services/request-scope.js';
import type { AccessRequestRecord, AgentRecord } from '../store/index.js';

/** What an approver approves for query and exec, shown with the request. */
function scopeView(r: AccessRequestRecord) {
  const scope = effectiveScope(r);
  return scope ? { scope } : {};
}

/** An access request or session as the API shows it, with its approvals. */
export async function requestView(
  s: Pick<GatewayServices, 'access'>,
  r: AccessRequestRecord,
): Promise<AccessRequestView> {
  return {
    id: r.id,
    status: r.status,
    requester: r.requesterName,
    target: r.target,
    actions: r.actions,
    reason: r.reason,
    ticket: r.ticket,
    breakGlass: r.breakGlass,
    durationSec: r.durationSec,
    obligations: r.obligations,
    policyVersion: r.policyVersion,
    determiningPolicies: r.determiningPolicies,
    digest: r.digest,
    createdAt: r.createdAt,
    pendingExpiresAt: r.pendingExpiresAt,
    activatedAt: r.activatedAt,
    expiresAt: r.expiresAt,
    lastActivityAt: r.lastActivityAt,
    endedAt: r.endedAt,
    endReason: r.endReason,
    ...scopeView(r),
    approvals: (await s.access.listApprovals(r.id)).map((a) => ({
      approver: a.approverName,
      verdict: a.verdict,
      comment: a.comment,
      createdAt: a.createdAt,
    })),
  };
}

/** A registered agent as the API shows it, with what its connection announced. */
export function agentView(s: Pick<GatewayServices, 'hub'>, a: AgentRecord) {
  const info = s.hub.connectionInfo(a.name);
  return {
    name: a.name,
    env: a.env,
    owner: a.owner,
    tags: a.tags,
    createdAt: a.createdAt,
    connected: s.hub.isConnected(a.name),
    lastSeen: info?.lastSeen ?? null,
    actions: [...new Set(info?.hello?.targets.flatMap((t) => t.actions) ?? [])].sort(),
  };
}
