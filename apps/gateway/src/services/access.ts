import { GloveboxError, type Clock } from '@glovebox/core';
import type { DebugAction, RequestScope } from '@glovebox/protocol';
import type { Decision } from '@glovebox/policy';
import type { AccessRequestRecord, AgentRecord, ApprovalRecord, Store } from '../store/index.js';
import { deniedError, targetResource, type Authorizer, type ContextExtras } from './authorizer.js';
import type { AuditService } from './audit-service.js';
import type { Actor } from './identity.js';
import { countingApprovers, fileAccessRequest } from './access-request.js';
import { authorizeSessionAction, checkStanding, ownSession } from './authorize-session-action.js';

/** Something the gateway tells the outside world about (webhooks, logs). */
export interface AccessNotice {
  kind:
    | 'request.created'
    | 'request.approved'
    | 'request.denied'
    | 'request.expired'
    | 'break-glass'
    | 'session.started'
    | 'session.ended';
  request: AccessRequestRecord;
  by?: string;
}

/** What the access service needs from the agent side: tell agents that a session is over or extended. */
export interface SessionListener {
  sessionActivated(session: AccessRequestRecord): void;
  sessionEnded(session: AccessRequestRecord): void;
}

export interface AccessConfig {
  store: Store;
  clock: Clock;
  authorizer: Authorizer;
  audit: AuditService;
  listener: SessionListener;
  notify: (notice: AccessNotice) => void;
  /** How long a request may wait for approvals. */
  pendingTtlMs: number;
}

export interface NewAccessRequest {
  target: string;
  actions: DebugAction[];
  reason: string;
  ticket?: string | undefined;
  durationSec?: number | undefined;
  breakGlass: boolean;
  /** The statements, commands or class approvals will cover for query and exec. */
  scope?: RequestScope | undefined;
}

/** A session and its target's registration as read together; the agent is null when not registered now. */
export interface SessionRead {
  session: AccessRequestRecord | null;
  agent: AgentRecord | null;
}

const userActor = (a: Actor) => ({ kind: 'user' as const, id: a.name });

/**
 * Access requests, approvals and sessions: the state machine
 * pending → active | denied | expired, active → ended. A request's id is its session's id.
 */
export class AccessService {
  readonly #c: AccessConfig;

  constructor(config: AccessConfig) {
    this.#c = config;
  }

  async #agent(name: string): Promise<AgentRecord> {
    const agent = await this.registeredTarget(name);
    if (!agent) throw new GloveboxError('GBX_NOT_FOUND', `no target named "${name}"`);
    return agent;
  }

  /** The target's registration, or null when it is not registered or was revoked. */
  async registeredTarget(name: string): Promise<AgentRecord | null> {
    const agent = await this.#c.store.getAgentByName(name);
    return agent && agent.revokedAt === null ? agent : null;
  }

  async get(actor: Actor, id: string, isPrivileged: boolean): Promise<AccessRequestRecord> {
    const r = await this.#c.store.getRequest(id);
    if (!r || (!isPrivileged && r.requesterId !== actor.userId && !(await this.#mayApprove(actor, r)))) {
      throw new GloveboxError('GBX_NOT_FOUND', 'no such request or session');
    }
    return r;
  }

  async listApprovals(id: string): Promise<ApprovalRecord[]> {
    return this.#c.store.listApprovals(id);
  }

  /**
   * The policy context of a decision about an existing request or session (`approve`, `watch`,
   * `end`): its requester and reason, and the users whose approval counted for it.
   */
  async sessionContext(r: AccessRequestRecord): Promise<ContextExtras> {
    const approvals = await this.#c.store.listApprovals(r.id);
    return {
      requester: r.requesterName,
      reason: r.reason,
      approvers: approvals
        .filter((a) => a.verdict === 'approve' && a.digest === r.digest)
        .map((a) => a.approverName),
    };
  }

  /** Files a request; the policy makes it denied, pending (approvals needed) or active at once. */
  async create(actor: Actor, input: NewAccessRequest): Promise<AccessRequestRecord> {
    const record = await fileAccessRequest(this.#c, actor, await this.#agent(input.target), input);
    if (record.status === 'active') await this.#started(record);
    return record;
  }

  async #started(session: AccessRequestRecord): Promise<void> {
    await this.#c.audit.record({
      type: 'session.started',
      actor: { kind: 'user', id: session.requesterName },
      sessionId: session.id,
      target: session.target,
      outcome: 'success',
      details: {
        actions: session.actions,
        expiresAt: session.expiresAt,
        idleTimeoutSec: session.obligations.idleTimeoutSec,
      },
    });
    this.#c.notify({ kind: 'session.started', request: session });
    this.#c.listener.sessionActivated(session);
  }

  async #mayApprove(actor: Actor, r: AccessRequestRecord): Promise<boolean> {
    if (actor.userId === r.requesterId) return false;
    if (!r.obligations.approverGroups.some((g) => actor.groups.includes(g))) return false;
    const agent = await this.#c.store.getAgentByName(r.target);
    if (!agent) return false;
    return this.#c.authorizer.decide(actor, 'approve', targetResource(agent), await this.sessionContext(r))
      .allowed;
  }

  /** Requests this actor may approve now. */
  async listApprovable(actor: Actor): Promise<AccessRequestRecord[]> {
    const pending = await this.#c.store.listRequests({ status: ['pending'] });
    const out: AccessRequestRecord[] = [];
    for (const r of pending) if (await this.#mayApprove(actor, r)) out.push(r);
    return out;
  }

  async listOwn(actor: Actor, statuses?: AccessRequestRecord['status'][]): Promise<AccessRequestRecord[]> {
    return this.#c.store.listRequests({
      requesterId: actor.userId,
      ...(statuses ? { status: statuses } : {}),
    });
  }

  /** Requests and sessions the actor's approval counted for. */
  async listApprovedBy(
    actor: Actor,
    statuses?: AccessRequestRecord['status'][],
  ): Promise<AccessRequestRecord[]> {
    return this.#c.store.listRequests({
      approverId: actor.userId,
      ...(statuses ? { status: statuses } : {}),
    });
  }

  async listAll(statuses?: AccessRequestRecord['status'][]): Promise<AccessRequestRecord[]> {
    return this.#c.store.listRequests(statuses ? { status: statuses } : {});
  }

  /**
   * Records one approval. The approver must differ from the requester (checked here, not only in
   * policy), be in an approver group, be allowed `approve` by policy, not have voted already, and
   * name the digest of the exact request they saw.
   */
  async approve(
    actor: Actor,
    id: string,
    digest: string,
    comment: string | null,
    isAdmin = false,
  ): Promise<AccessRequestRecord> {
    const r = await this.#pendingOrThrow(id, actor, isAdmin);
    const agent = await this.#agent(r.target);
    const audit = (outcome: 'success' | 'denied', details: Record<string, unknown>, decision?: Decision) =>
      this.#c.audit.record({
        type: 'request.approved',
        actor: userActor(actor),
        sessionId: r.id,
        target: r.target,
        decision,
        outcome,
        details,
      });
    if (actor.userId === r.requesterId) {
      await audit('denied', { refused: 'self-approval' });
      throw new GloveboxError('GBX_SELF_APPROVAL', 'nobody approves their own request');
    }
    if (digest !== r.digest) {
      await audit('denied', { refused: 'digest-mismatch' });
      throw new GloveboxError(
        'GBX_APPROVAL_MISMATCH',
        'the request changed since you looked at it; review it again',
      );
    }
    const decision = this.#c.authorizer.decide(
      actor,
      'approve',
      targetResource(agent),
      await this.sessionContext(r),
    );
    const eligible = r.obligations.approverGroups.some((g) => actor.groups.includes(g));
    if (!decision.allowed || !eligible) {
      await audit(
        'denied',
        { refused: eligible ? 'policy' : 'not-an-approver', approverGroups: r.obligations.approverGroups },
        decision,
      );
      throw new GloveboxError(
        'GBX_POLICY_DENIED',
        `you may not approve this request (approvers: ${r.obligations.approverGroups.join(', ') || 'none'})`,
      );
    }
    await audit('success', { verdict: 'approve', comment }, decision);
    const added = await this.#c.store.addApproval({
      requestId: r.id,
      approverId: actor.userId,
      approverName: actor.name,
      verdict: 'approve',
      digest,
      comment,
      createdAt: this.#c.clock.now(),
    });
    if (!added) throw new GloveboxError('GBX_ALREADY_APPROVED', 'you have already voted on this request');
    return this.#maybeActivate(r.id, actor);
  }

  /** Counts distinct eligible approvals bound to the request's digest; activates when enough. */
  async #maybeActivate(id: string, by: Actor): Promise<AccessRequestRecord> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const r = await this.#c.store.getRequest(id);
      if (!r || r.status !== 'pending') return r ?? (await this.#pendingOrThrow(id, by, false));
      const distinct = await countingApprovers(this.#c.store, r);
      if (distinct.size < r.obligations.approvals) return r;
      const now = this.#c.clock.now();
      const next: AccessRequestRecord = {
        ...r,
        status: 'active',
        activatedAt: now,
        expiresAt: now + r.durationSec * 1000,
        lastActivityAt: now,
        version: r.version + 1,
      };
      if (await this.#c.store.updateRequest(next, r.version)) {
        this.#c.notify({ kind: 'request.approved', request: next, by: by.name });
        await this.#started(next);
        return next;
      }
    }
    throw new GloveboxError('GBX_CONFLICT', 'the request changed concurrently; retry');
  }

  /** Denies a pending request (an eligible approver) or withdraws it (the requester). */
  async deny(
    actor: Actor,
    id: string,
    comment: string | null,
    isAdmin: boolean,
  ): Promise<AccessRequestRecord> {
    const r = await this.#pendingOrThrow(id, actor, isAdmin);
    const isOwner = actor.userId === r.requesterId;
    if (!isOwner && !isAdmin && !(await this.#mayApprove(actor, r))) {
      throw new GloveboxError('GBX_POLICY_DENIED', 'you may not deny this request');
    }
    const { record, changed } = await this.#transition(
      r,
      'denied',
      isOwner ? 'withdrawn by requester' : 'denied by approver',
      actor.name,
    );
    if (!changed) throw new GloveboxError('GBX_REQUEST_NOT_PENDING', `the request is ${record.status}`);
    await this.#c.audit.record({
      type: 'request.denied',
      actor: userActor(actor),
      sessionId: r.id,
      target: r.target,
      outcome: 'success',
      details: { comment, withdrawn: isOwner },
    });
    this.#c.notify({ kind: 'request.denied', request: record, by: actor.name });
    return record;
  }

  /** Ends an active session (kill switch): its owner, or anyone policy allows `end` on the target. */
  async end(actor: Actor, id: string): Promise<AccessRequestRecord> {
    const r = await this.#c.store.getRequest(id);
    if (!r) throw new GloveboxError('GBX_NOT_FOUND', 'no such session');
    const agent = await this.#agent(r.target);
    const decision = this.#c.authorizer.decide(
      actor,
      'end',
      targetResource(agent),
      await this.sessionContext(r),
    );
    const isOwner = actor.userId === r.requesterId;
    if (!decision.allowed) {
      if (!isOwner) throw new GloveboxError('GBX_NOT_FOUND', 'no such session');
      throw deniedError(decision);
    }
    if (r.status !== 'active') throw new GloveboxError('GBX_SESSION_NOT_ACTIVE', `session is ${r.status}`);
    const { record, changed } = await this.#transition(
      r,
      'ended',
      isOwner ? 'ended by owner' : 'revoked',
      actor.name,
    );
    if (!changed) throw new GloveboxError('GBX_SESSION_NOT_ACTIVE', `session is ${record.status}`);
    await this.#c.audit.record({
      type: 'session.ended',
      actor: userActor(actor),
      sessionId: r.id,
      target: r.target,
      decision,
      outcome: 'success',
      details: { reason: 'revoked' },
    });
    return record;
  }

  /**
   * Closes every live request and session that `which` selects at once — a disabled user's, a
   * revoked target's: pending requests are denied, active sessions end (their agents are told).
   * Each closure is recorded once, by whoever moved it. Returns how many it closed.
   */
  async closeAll(which: (r: AccessRequestRecord) => boolean, why: string, by: string): Promise<number> {
    let closed = 0;
    for (const r of (await this.#c.store.listLiveRequests()).filter(which)) {
      const ending = r.status === 'active';
      const { record, changed } = await this.#transition(r, ending ? 'ended' : 'denied', why, by);
      if (!changed) continue;
      closed++;
      await this.#c.audit.record({
        type: ending ? 'session.revoked' : 'request.denied',
        actor: { kind: 'user', id: by },
        sessionId: r.id,
        target: r.target,
        outcome: 'success',
        details: { reason: why },
      });
      if (!ending) this.#c.notify({ kind: 'request.denied', request: record, by });
    }
    return closed;
  }

  /**
   * Moves a request out of the status it was seen in. `changed` is false when it left that status
   * meanwhile (another replica, the reaper, a racing reviewer); the record is then the current one.
   */
  async #transition(
    r: AccessRequestRecord,
    status: 'denied' | 'expired' | 'ended',
    reason: string,
    by: string | null,
  ): Promise<{ record: AccessRequestRecord; changed: boolean }> {
    let current = r;
    for (let attempt = 0; attempt < 5; attempt++) {
      const next: AccessRequestRecord = {
        ...current,
        status,
        endedAt: this.#c.clock.now(),
        endReason: reason,
        endedBy: by,
        version: current.version + 1,
      };
      if (await this.#c.store.updateRequest(next, current.version)) {
        if (current.status === 'active') {
          this.#c.listener.sessionEnded(next);
          this.#c.notify({ kind: 'session.ended', request: next, ...(by ? { by } : {}) });
        }
        return { record: next, changed: true };
      }
      const fresh = await this.#c.store.getRequest(r.id);
      if (!fresh || fresh.status !== r.status) return { record: fresh ?? next, changed: false };
      current = fresh;
    }
    throw new GloveboxError('GBX_CONFLICT', 'the request changed concurrently; retry');
  }

  /**
   * The pending request a reviewer acts on. One that the actor can neither see (not theirs, not in
   * its approver groups, not an admin) nor exists gives the same GBX_NOT_FOUND, before its state
   * is told, so request ids cannot be probed.
   */
  async #pendingOrThrow(id: string, actor: Actor, isAdmin: boolean): Promise<AccessRequestRecord> {
    const r = await this.#c.store.getRequest(id);
    const visible =
      r !== null &&
      (isAdmin ||
        r.requesterId === actor.userId ||
        r.obligations.approverGroups.some((g) => actor.groups.includes(g)));
    if (!r || !visible) throw new GloveboxError('GBX_NOT_FOUND', 'no such request');
    if (r.status === 'pending' && r.pendingExpiresAt <= this.#c.clock.now()) {
      await this.expireOrEnd(r);
      throw new GloveboxError('GBX_REQUEST_NOT_PENDING', 'the request has expired');
    }
    if (r.status !== 'pending')
      throw new GloveboxError('GBX_REQUEST_NOT_PENDING', `the request is ${r.status}`);
    return r;
  }

  /** Why a live request or session must end now, or null if it may go on. */
  dueToEnd(r: AccessRequestRecord, now: number): string | null {
    if (r.status === 'pending') return r.pendingExpiresAt <= now ? 'pending request expired' : null;
    if (r.status !== 'active') return null;
    if (r.expiresAt !== null && r.expiresAt <= now) return 'session TTL reached';
    if (r.lastActivityAt !== null && r.lastActivityAt + r.obligations.idleTimeoutSec * 1000 <= now)
      return 'idle timeout';
    return null;
  }

  /**
   * Ends or expires one request if it is due; the reaper calls this for every live request. Only
   * the caller whose own state transition succeeded records it: exactly one event per request,
   * however many reapers, replicas or lazy checks race.
   */
  async expireOrEnd(r: AccessRequestRecord): Promise<void> {
    const why = this.dueToEnd(r, this.#c.clock.now());
    if (!why) return;
    const { record: next, changed } = await this.#transition(
      r,
      r.status === 'pending' ? 'expired' : 'ended',
      why,
      null,
    );
    if (!changed) return;
    await this.#c.audit.record({
      type: r.status === 'pending' ? 'request.expired' : 'session.ended',
      actor: { kind: 'system', id: 'reaper' },
      sessionId: r.id,
      target: r.target,
      outcome: 'success',
      details: { reason: why },
    });
    if (r.status === 'pending') this.#c.notify({ kind: 'request.expired', request: next });
  }

  /** One pass of the reaper: ends everything whose time is up. Also run at start-up. */
  async reap(): Promise<number> {
    let ended = 0;
    for (const r of await this.#c.store.listLiveRequests()) {
      if (this.dueToEnd(r, this.#c.clock.now())) {
        await this.expireOrEnd(r);
        ended++;
      }
    }
    return ended;
  }

  /**
   * A session and its target's registration, read now (the agent is null when it is no longer
   * registered or was revoked). An action is authorized on what one such read returned.
   */
  async readSession(sessionId: string): Promise<SessionRead> {
    const { request, target } = await this.#c.store.getRequestAndTarget(sessionId);
    return { session: request, agent: target && target.revokedAt === null ? target : null };
  }

  /**
   * Authorizes one action inside a session with its current context: the session (as `read` by
   * the caller within this request) must be active and on time, belong to the actor, grant the
   * action, and policy must still allow it now.
   */
  async authorizeAction(
    actor: Actor,
    read: SessionRead,
    action: DebugAction,
    extras: Record<string, unknown> = {},
    params: Record<string, unknown> = {},
  ): Promise<{ session: AccessRequestRecord; agent: AgentRecord; decision: Decision }> {
    const { session, agent } = ownSession(actor, read);
    return authorizeSessionAction(this.#c, this, { actor, session, agent, action, extras, params });
  }

  /**
   * Whether the actor's session may run `action` at all, before its parameters are classified:
   * unknown to anyone but its requester, then active, on time and granting the action.
   */
  async admitAction(actor: Actor, read: SessionRead, action: DebugAction): Promise<void> {
    const { session } = ownSession(actor, read);
    await checkStanding(this.#c, this, { actor, session, action });
  }
}
