import type { AccessRequestView } from '@glovebox/protocol';
import type { GatewayServices } from '../server.js';
import type { Actor } from '../services/identity.js';
import { effectiveScope } from '../services/request-scope.js';
import { instanceView } from '../services/instances.js';
import type { AccessRequestRecord, AgentRecord } from '../store/index.js';
import { sessionPermissions } from './authorize.js';

/** What an approver approves for query and exec, shown with the request. */
function scopeView(r: AccessRequestRecord) {
  const scope = effectiveScope(r);
  return scope ? { scope } : {};
}

/**
 * An access request or session as the API shows it to `actor`: with its approvals, its target's
 * environment, and what the actor may do to it.
 */
export async function requestView(
  s: GatewayServices,
  actor: Actor,
  r: AccessRequestRecord,
): Promise<AccessRequestView> {
  const agent = await s.store.getAgentByName(r.target);
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
    targetEnv: agent && agent.revokedAt === null ? agent.env : null,
    allowed: await sessionPermissions(actor, r, s),
  };
}

/** A registered agent as the API shows it, with its connected instances (on any replica). */
export async function agentView(s: Pick<GatewayServices, 'router'>, a: AgentRecord) {
  const instances = await s.router.instances(a.name);
  return {
    name: a.name,
    env: a.env,
    owner: a.owner,
    tags: a.tags,
    createdAt: a.createdAt,
    connected: instances.length > 0,
    lastSeen: lastSeenOf(instances),
    actions: [...new Set(instances.flatMap((i) => i.hello.targets.flatMap((t) => t.actions)))].sort(),
    instances: instances.map(instanceView),
  };
}

function lastSeenOf(instances: { lastSeen: number | null }[]): number | null {
  const seen = instances.flatMap((i) => (i.lastSeen === null ? [] : [i.lastSeen]));
  return seen.length ? Math.max(...seen) : null;
}
