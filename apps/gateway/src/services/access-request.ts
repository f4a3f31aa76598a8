import { GloveboxError, newId } from '@glovebox/core';
import {
  DEBUG_ACTIONS,
  MIN_BREAK_GLASS_REASON_LENGTH,
  MIN_REASON_LENGTH,
  digestOf,
  visibleReasonLength,
} from '@glovebox/protocol';
import { MAX_ANNOTATED_DURATION_SEC, mergeObligations, type Decision } from '@glovebox/policy';
import type { AccessRequestRecord, AgentRecord, Obligations } from '../store/index.js';
import type { AccessConfig, NewAccessRequest } from './access.js';
import { deniedError, mayAskFor, targetResource } from './authorizer.js';
import type { Actor } from './identity.js';
import { normalizeScope } from './request-scope.js';

const userActor = (a: Actor) => ({ kind: 'user' as const, id: a.name });

/**
 * Refuses a request on a target the caller may not ask for as if the name were unknown (what
 * `glovebox targets` shows them): nothing stored, the caller learns nothing, the trail keeps the
 * denial with its decision.
 */
async function refuseAsUnknown(
  c: AccessConfig,
  actor: Actor,
  agent: AgentRecord,
  decision: Decision,
): Promise<never> {
  await c.audit.record({
    type: 'authz.denied',
    actor: userActor(actor),
    target: agent.name,
    decision,
    outcome: 'denied',
    details: { refused: 'request', code: 'GBX_NOT_FOUND' },
  });
  throw new GloveboxError('GBX_NOT_FOUND', `no target named "${agent.name}"`);
}

/** The request's actions (once each, sorted), trimmed reason and scope; GBX_REQUEST_INVALID if malformed. */
function checkedInput(input: NewAccessRequest) {
  const actions = [...new Set(input.actions)].sort();
  if (actions.length === 0 || actions.some((a) => !DEBUG_ACTIONS.includes(a))) {
    throw new GloveboxError('GBX_REQUEST_INVALID', `actions must be some of: ${DEBUG_ACTIONS.join(', ')}`);
  }
  const reason = input.reason.trim();
  const scope = normalizeScope(input.scope, actions);
  const minimum = input.breakGlass ? MIN_BREAK_GLASS_REASON_LENGTH : MIN_REASON_LENGTH;
  const visible = visibleReasonLength(reason);
  if (visible < minimum) {
    throw new GloveboxError(
      'GBX_REQUEST_INVALID',
      `${input.breakGlass ? 'break-glass needs' : 'a request needs'} a reason of at least ${minimum} visible characters (got ${visible})`,
    );
  }
  checkRequestedDuration(input.durationSec);
  return { actions, reason, scope };
}

/**
 * No policy can grant more than 7d (`@maxDuration`): asking for more is a mistake in the input,
 * not a question for policy (past the policy engine's bounds it was answered as a denial).
 */
function checkRequestedDuration(durationSec: number | undefined): void {
  if (durationSec !== undefined && durationSec > MAX_ANNOTATED_DURATION_SEC)
    throw new GloveboxError(
      'GBX_REQUEST_INVALID',
      `a session lasts at most ${MAX_ANNOTATED_DURATION_SEC / 86_400}d under any policy: ask for a shorter duration`,
    );
}

/**
 * Files a request on `agent`: checks it, asks policy about the request and each action, and
 * stores it denied, pending (approvals needed) or active, after its audit event (write-ahead).
 * A request refused for want of MFA is audited and thrown, not stored.
 */
export async function fileAccessRequest(
  c: AccessConfig,
  actor: Actor,
  agent: AgentRecord,
  input: NewAccessRequest,
): Promise<AccessRequestRecord> {
  const { actions, reason, scope } = checkedInput(input);
  const resource = targetResource(agent);
  const extras = {
    reason,
    breakGlass: input.breakGlass,
    requester: actor.name,
    ...(input.ticket ? { ticket: input.ticket } : {}),
    ...(input.durationSec ? { requestedDurationSec: input.durationSec } : {}),
  };
  const decisions: Decision[] = [c.authorizer.decide(actor, 'request', resource, extras)];
  // a target the caller may not ask for is one it may not know: the same answer as an unknown name,
  // and nothing stored (a denied request named its environment)
  if (!decisions[0]!.allowed && !mayAskFor(c.authorizer.decide(actor, 'request', resource, { reason: '' })))
    await refuseAsUnknown(c, actor, agent, decisions[0]!);
  for (const action of actions) decisions.push(c.authorizer.decide(actor, action, resource, extras));
  const denied = decisions.find((d) => !d.allowed);
  const now = c.clock.now();
  // what the request's and the actions' permits state; the defaults fill only what none states
  const allowedObligations = decisions.flatMap((d) => {
    const stated = d.stated ?? d.obligations;
    return stated === undefined ? [] : [stated];
  });
  const obligations: Obligations = denied
    ? {
        maxDurationSec: 0,
        idleTimeoutSec: 0,
        approvals: 0,
        approverGroups: [],
        masking: 'strict',
        keepArtifactsSec: 0,
        outlivesLogin: false,
      }
    : mergeObligations(allowedObligations);
  const durationSec = Math.min(input.durationSec ?? obligations.maxDurationSec, obligations.maxDurationSec);
  const id = newId('ses');
  const base = {
    id,
    requesterId: actor.userId,
    requesterName: actor.name,
    target: agent.name,
    actions,
    reason,
    ticket: input.ticket ?? null,
    breakGlass: input.breakGlass,
    durationSec,
    obligations,
    policyVersion: (denied ?? decisions[0]!).policyVersion,
    createdAt: now,
    ...(scope ? { scope } : {}),
  };
  const determiningPolicies = [
    ...new Set((denied ? [denied] : decisions).flatMap((d) => d.determiningPolicies)),
  ];
  const needsApproval = !denied && obligations.approvals > 0;
  const record: AccessRequestRecord = {
    ...base,
    determiningPolicies,
    digest: digestOf(base),
    status: denied ? 'denied' : needsApproval ? 'pending' : 'active',
    pendingExpiresAt: now + c.pendingTtlMs,
    activatedAt: denied || needsApproval ? null : now,
    expiresAt: denied || needsApproval ? null : now + durationSec * 1000,
    lastActivityAt: denied || needsApproval ? null : now,
    endedAt: denied ? now : null,
    endReason: denied ? 'denied by policy' : null,
    endedBy: null,
    version: 1,
  };
  if (denied?.stepUp === 'mfa') {
    await c.audit.record({
      type: 'request.created',
      actor: userActor(actor),
      target: agent.name,
      decision: denied,
      outcome: 'denied',
      details: { actions, reason, stepUp: 'mfa' },
    });
    throw deniedError(denied);
  }
  // Write-ahead: the audit event exists before the request (or session) does.
  await c.audit.record({
    type: input.breakGlass ? 'request.break_glass' : 'request.created',
    severity: input.breakGlass ? 'W' : 'I',
    actor: userActor(actor),
    sessionId: id,
    target: agent.name,
    decision: denied ?? decisions[decisions.length - 1],
    outcome: denied ? 'denied' : needsApproval ? 'pending' : 'success',
    details: {
      actions,
      reason,
      ticket: input.ticket ?? null,
      durationSec,
      obligations,
      breakGlass: input.breakGlass,
    },
  });
  await c.store.createRequest(record);
  if (!denied) {
    c.notify({ kind: 'request.created', request: record });
    if (input.breakGlass) c.notify({ kind: 'break-glass', request: record });
  }
  return record;
}

/**
 * The distinct approvers who count towards `r` now: their approval names its digest, they are not
 * its requester, and their account is still enabled and in one of its approver groups (an approval
 * from someone disabled or moved out of those groups since stops counting).
 */
export async function countingApprovers(
  store: AccessConfig['store'],
  r: AccessRequestRecord,
): Promise<Set<string>> {
  const counted = new Set<string>();
  for (const a of await store.listApprovals(r.id)) {
    if (a.verdict !== 'approve' || a.digest !== r.digest || a.approverId === r.requesterId) continue;
    const user = await store.getUserById(a.approverId);
    if (user && !user.disabled && r.obligations.approverGroups.some((g) => user.groups.includes(g)))
      counted.add(a.approverId);
  }
  return counted;
}
