import { GloveboxError } from '@glovebox/core';
import type { DebugAction } from '@glovebox/protocol';
import type { Decision } from '@glovebox/policy';
import type { AccessRequestRecord, AgentRecord } from '../store/index.js';
import type { AccessConfig, AccessService, SessionRead } from './access.js';
import { deniedError, targetResource } from './authorizer.js';
import type { Actor } from './identity.js';
import { effectiveScope, withinScope } from './request-scope.js';

const userActor = (a: Actor) => ({ kind: 'user' as const, id: a.name });

/** How finely a session's last activity is recorded. */
const ACTIVITY_RESOLUTION_MS = 1000;

type SessionCall = { actor: Actor; session: AccessRequestRecord; action: DebugAction };

/**
 * The session's standing for an action, before anything about the action's parameters is looked at:
 * active, on time, and granting the action (so a session that may not run it learns nothing from
 * how its parameters would be classified). A refusal is audited.
 */
export async function checkStanding(
  c: AccessConfig,
  sessions: Pick<AccessService, 'dueToEnd' | 'expireOrEnd'>,
  { actor, session: r, action }: SessionCall,
): Promise<void> {
  const refuse = async (code: 'GBX_SESSION_NOT_ACTIVE' | 'GBX_ACTION_NOT_GRANTED', message: string) => {
    await recordDenied(c, { actor, session: r, action }, code);
    return new GloveboxError(code, message);
  };
  if (r.status !== 'active') throw await refuse('GBX_SESSION_NOT_ACTIVE', `session is ${r.status}`);
  const due = sessions.dueToEnd(r, c.clock.now());
  if (due) {
    await sessions.expireOrEnd(r);
    throw await refuse('GBX_SESSION_NOT_ACTIVE', `session has ended (${due})`);
  }
  if (!r.actions.includes(action))
    throw await refuse('GBX_ACTION_NOT_GRANTED', `the session does not grant "${action}"`);
}

function recordDenied(
  c: AccessConfig,
  { actor, session, action }: SessionCall,
  refused: string,
  decision?: Decision,
) {
  return c.audit.record({
    type: 'action.denied',
    actor: userActor(actor),
    sessionId: session.id,
    action,
    target: session.target,
    decision,
    outcome: 'denied',
    details: { refused },
  });
}

/**
 * One action inside the actor's session, decided with its current context: the session must be
 * in standing ({@link checkStanding}), and policy must still allow it now, within what was
 * approved. Every refusal is audited. Records the session's activity (at most once a second).
 */
export async function authorizeSessionAction(
  c: AccessConfig,
  sessions: Pick<AccessService, 'dueToEnd' | 'expireOrEnd'>,
  call: {
    actor: Actor;
    session: AccessRequestRecord;
    agent: AgentRecord;
    action: DebugAction;
    extras: Record<string, unknown>;
    params: Record<string, unknown>;
  },
): Promise<{ session: AccessRequestRecord; agent: AgentRecord; decision: Decision }> {
  const { actor, session: r, agent, action, extras, params } = call;
  const refuse = async (code: 'GBX_ACTION_NOT_GRANTED', message: string) => {
    await recordDenied(c, call, code);
    return new GloveboxError(code, message);
  };
  await checkStanding(c, sessions, call);
  const decision = c.authorizer.decide(actor, action, targetResource(agent), {
    reason: r.reason,
    breakGlass: r.breakGlass,
    requester: r.requesterName,
    ...(r.ticket ? { ticket: r.ticket } : {}),
    ...extras,
  });
  if (!decision.allowed) {
    await recordDenied(c, call, 'policy', decision);
    throw deniedError(decision);
  }
  // An action whose policy now demands more approvals than the session was granted with is
  // refused: an approval for reading does not stretch to what needs more review.
  if ((decision.obligations?.approvals ?? 0) > r.obligations.approvals) {
    throw await refuse(
      'GBX_ACTION_NOT_GRANTED',
      'this action needs more approvals than the session has; request it separately',
    );
  }
  // Approvals cover what was approved: a statement or command outside the request's scope is
  // refused unless policy grants it without approval.
  const scope = effectiveScope(r);
  if (scope && (decision.obligations?.approvals ?? 0) > 0 && !withinScope(scope, action, extras, params)) {
    throw await refuse(
      'GBX_ACTION_NOT_GRANTED',
      `the approval does not cover this ${action === 'query' ? 'statement' : 'command'}: request it with ${action === 'query' ? '--sql' : '--command'}`,
    );
  }
  // Activity is recorded at most once a second: idle timeouts are counted in seconds, and a
  // durable write per action would halve the action rate under load.
  const now = c.clock.now();
  if (r.lastActivityAt !== null && now - r.lastActivityAt < ACTIVITY_RESOLUTION_MS)
    return { session: r, agent, decision };
  const touched: AccessRequestRecord = { ...r, lastActivityAt: now, version: r.version + 1 };
  const session = (await c.store.updateRequest(touched, r.version)) ? touched : r;
  return { session, agent, decision };
}

/** The session and its target as read, if the actor requested it; otherwise unknown (404). */
export function ownSession(
  actor: Actor,
  read: SessionRead,
): { session: AccessRequestRecord; agent: AgentRecord } {
  const r = read.session;
  if (!r || r.requesterId !== actor.userId) throw new GloveboxError('GBX_NOT_FOUND', 'no such session');
  const agent = read.agent;
  if (!agent || agent.name !== r.target)
    throw new GloveboxError('GBX_NOT_FOUND', `no target named "${r.target}"`);
  return { session: r, agent };
}
