import { z } from 'zod';
import { verifyRecording, type ChainedEvent } from '@glovebox/audit';
import { auditFilterOf, searchAudit } from '../services/audit-search.js';
import { streamAction, watchSession } from './stream.js';
import { passwordLogin } from '../services/password-login.js';
import { GloveboxError, newSecret, parseDuration } from '@glovebox/core';
import {
  accessRequestSchema,
  actionBodySchema,
  artifactParamsSchema,
  actionParamsSchema,
  actionResponseSchema,
  agentSchema,
  auditListSchema,
  auditQuerySchema,
  auditVerifySchema,
  recordingContentSchema,
  sinkStatusSchema,
  recordingSchema,
  createRequestBodySchema,
  createTokenBodySchema,
  createUserBodySchema,
  createdUserSchema,
  resetMfaResponseSchema,
  mfaEnrollBodySchema,
  createdTokenSchema,
  idParamsSchema,
  listRequestsQuerySchema,
  loginBodySchema,
  loginResponseSchema,
  mfaEnrollResponseSchema,
  mfaVerifyBodySchema,
  mfaVerifyResponseSchema,
  policyViewSchema,
  registerAgentBodySchema,
  registeredAgentSchema,
  reviewBodySchema,
  targetSchema,
  tokenSchema,
  userSchema,
  whoamiResponseSchema,
  type AccessRequestView,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';
import type { Actor } from '../services/identity.js';
import { hashBearer } from '../services/secrets.js';
import { targetResource } from '../services/authorizer.js';
import { effectiveScope } from '../services/request-scope.js';
import type { AccessRequestRecord, AgentRecord } from '../store/index.js';

type Api = GatewayApp;

/** A target is listed when its requester may ask for it now, or could after a fresh MFA check. */
function visibleTo(decision: { allowed: boolean; stepUp?: 'mfa' }): boolean {
  return decision.allowed || decision.stepUp === 'mfa';
}

function actorOf(request: { actor: Actor | null }): Actor {
  if (!request.actor) throw new GloveboxError('GBX_AUTH_REQUIRED', 'authentication required');
  return request.actor;
}

const empty = z.object({}).strict();

/** What an approver approves for query and exec, shown with the request. */
function scopeView(r: AccessRequestRecord) {
  const scope = effectiveScope(r);
  return scope ? { scope } : {};
}

/** Every /api/v1 route. Each one authenticates (unless public) and authorizes through services. */
export function registerApiRoutes(api: Api, s: GatewayServices): void {
  const { identity, authorizer, access, audit, store, hub } = s;
  const isAdmin = (actor: Actor) => authorizer.decide(actor, 'administer', { kind: 'gateway' }).allowed;
  const mayReadAudit = (actor: Actor) => authorizer.decide(actor, 'readAudit', { kind: 'gateway' }).allowed;

  const requestView = async (r: AccessRequestRecord): Promise<AccessRequestView> => ({
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
    approvals: (await access.listApprovals(r.id)).map((a) => ({
      approver: a.approverName,
      verdict: a.verdict,
      comment: a.comment,
      createdAt: a.createdAt,
    })),
  });

  const agentView = (a: AgentRecord) => {
    const info = hub.connectionInfo(a.name);
    return {
      name: a.name,
      env: a.env,
      owner: a.owner,
      tags: a.tags,
      createdAt: a.createdAt,
      connected: hub.isConnected(a.name),
      lastSeen: info?.lastSeen ?? null,
      actions: [...new Set(info?.hello?.targets.flatMap((t) => t.actions) ?? [])].sort(),
    };
  };

  // ---- identity --------------------------------------------------------------------------

  api.post(
    '/auth/login',
    { config: { public: true }, schema: { body: loginBodySchema, response: { 200: loginResponseSchema } } },
    async (request) => {
      const { user, password, otp } = request.body;
      const result = await passwordLogin(identity, audit, {
        user,
        password,
        otp,
        clientAddress: request.ip,
        via: 'api',
      });
      return {
        token: result.token,
        expiresAt: result.record.expiresAt,
        user: { name: result.user.name, groups: result.user.groups },
      };
    },
  );

  api.post(
    '/auth/logout',
    { schema: { body: empty.optional(), response: { 200: z.object({ ok: z.boolean() }) } } },
    async (request) => {
      const actor = actorOf(request);
      await identity.revokeToken(actor, actor.tokenId, false);
      await audit.record({
        type: 'auth.logout',
        actor: { kind: 'user', id: actor.name },
        outcome: 'success',
      });
      return { ok: true };
    },
  );

  api.get('/whoami', { schema: { response: { 200: whoamiResponseSchema } } }, async (request) => {
    const actor = actorOf(request);
    const user = await store.getUserById(actor.userId);
    return {
      user: actor.name,
      groups: actor.groups,
      tokenKind: actor.tokenKind,
      mfa: {
        enrolled: user?.mfaEnrolledAt != null,
        ageSec: actor.mfaAt === null ? null : Math.floor((s.config.clock.now() - actor.mfaAt) / 1000),
      },
    };
  });

  api.post(
    '/users',
    { schema: { body: createUserBodySchema, response: { 201: createdUserSchema } } },
    async (request, reply) => {
      const actor = actorOf(request);
      const decision = authorizer.requireGateway(actor, 'administer');
      const { name, groups, password } = request.body;
      await audit.record({
        type: 'user.created',
        actor: { kind: 'user', id: actor.name },
        decision,
        outcome: 'success',
        details: { user: name, groups, localPassword: password !== undefined },
      });
      const user = await identity.createUser(name, groups, password ?? null);
      const enrollmentTicket = await identity.mfa.issueTicket(user.id);
      return reply.status(201).send({
        name: user.name,
        groups: user.groups,
        mfaEnrolled: false,
        createdAt: user.createdAt,
        enrollmentTicket,
      });
    },
  );

  api.post(
    '/users/:name/reset-mfa',
    {
      schema: {
        params: z.object({ name: z.string().max(64) }),
        body: empty.optional(),
        response: { 200: resetMfaResponseSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const decision = authorizer.requireGateway(actor, 'administer');
      const user = await store.getUserByName(request.params.name);
      if (!user) throw new GloveboxError('GBX_NOT_FOUND', 'no such user');
      await audit.record({
        type: 'auth.mfa_removed',
        actor: { kind: 'user', id: actor.name },
        decision,
        outcome: 'success',
        details: { user: user.name, factors: 'all', enrollmentTicket: 'issued' },
      });
      return { user: user.name, enrollmentTicket: await identity.mfa.reset(user.id) };
    },
  );

  api.get(
    '/users',
    { schema: { response: { 200: z.object({ users: z.array(userSchema) }) } } },
    async (request) => {
      authorizer.requireGateway(actorOf(request), 'administer');
      const users = await store.listUsers();
      return {
        users: users.map((u) => ({
          name: u.name,
          groups: u.groups,
          mfaEnrolled: u.mfaEnrolledAt !== null,
          createdAt: u.createdAt,
        })),
      };
    },
  );

  api.post(
    '/tokens',
    { schema: { body: createTokenBodySchema, response: { 201: createdTokenSchema } } },
    async (request, reply) => {
      const actor = actorOf(request);
      const ttlMs = parseDuration(request.body.ttl);
      if (ttlMs > 366 * 24 * 3600_000)
        throw new GloveboxError('GBX_REQUEST_INVALID', 'token lifetime is at most 366d');
      let userId = actor.userId;
      let userName = actor.name;
      let decision;
      if (request.body.user && request.body.user !== actor.name) {
        decision = authorizer.requireGateway(actor, 'administer');
        const user = await store.getUserByName(request.body.user);
        if (!user) throw new GloveboxError('GBX_NOT_FOUND', 'no such user');
        userId = user.id;
        userName = user.name;
      }
      await audit.record({
        type: 'auth.token_created',
        actor: { kind: 'user', id: actor.name },
        decision,
        outcome: 'success',
        details: { user: userName, ttlMs, label: request.body.label ?? null },
      });
      const { token, record } = await identity.issueToken(userId, 'api', ttlMs, request.body.label ?? null);
      return reply.status(201).send({
        id: record.id,
        user: userName,
        kind: record.kind,
        label: record.label,
        createdAt: record.createdAt,
        expiresAt: record.expiresAt,
        revokedAt: null,
        token,
      });
    },
  );

  api.get(
    '/tokens',
    { schema: { response: { 200: z.object({ tokens: z.array(tokenSchema) }) } } },
    async (request) => {
      const actor = actorOf(request);
      const tokens = await store.listTokens(actor.userId);
      return {
        tokens: tokens.map((t) => ({
          id: t.id,
          user: actor.name,
          kind: t.kind,
          label: t.label,
          createdAt: t.createdAt,
          expiresAt: t.expiresAt,
          revokedAt: t.revokedAt,
        })),
      };
    },
  );

  api.delete(
    '/tokens/:id',
    { schema: { params: idParamsSchema, response: { 200: z.object({ ok: z.boolean() }) } } },
    async (request) => {
      const actor = actorOf(request);
      await identity.revokeToken(actor, request.params.id, isAdmin(actor));
      await audit.record({
        type: 'auth.token_revoked',
        actor: { kind: 'user', id: actor.name },
        outcome: 'success',
        details: { token: request.params.id },
      });
      return { ok: true };
    },
  );

  api.post(
    '/mfa/enroll',
    { schema: { body: mfaEnrollBodySchema.optional(), response: { 200: mfaEnrollResponseSchema } } },
    async (request) => {
      const actor = actorOf(request);
      const { grant, ...result } = await identity.mfa.enrollTotp(actor, request.body?.ticket);
      await audit.record({
        type: 'auth.mfa_enrolled',
        actor: { kind: 'user', id: actor.name },
        outcome: 'pending',
        details: { method: 'totp', via: grant },
      });
      return result;
    },
  );

  api.post(
    '/mfa/verify',
    { schema: { body: mfaVerifyBodySchema, response: { 200: mfaVerifyResponseSchema } } },
    async (request) => {
      const actor = actorOf(request);
      try {
        const result = await identity.mfa.verifyTotp(actor, request.body.code);
        await audit.record({
          type: result.enrolled ? 'auth.mfa_enrolled' : 'auth.step_up',
          actor: { kind: 'user', id: actor.name },
          outcome: 'success',
          details: { method: 'totp' },
        });
        return result;
      } catch (error) {
        await audit.record({
          type: 'auth.mfa_failed',
          actor: { kind: 'user', id: actor.name },
          outcome: 'failure',
          details: { method: 'totp', code: error instanceof GloveboxError ? error.code : 'GBX_INTERNAL' },
        });
        throw error;
      }
    },
  );

  // ---- agents and targets ----------------------------------------------------------------

  api.post(
    '/agents',
    { schema: { body: registerAgentBodySchema, response: { 201: registeredAgentSchema } } },
    async (request, reply) => {
      const actor = actorOf(request);
      const decision = authorizer.requireGateway(actor, 'administer');
      const body = request.body;
      if (await store.getAgentByName(body.name))
        throw new GloveboxError('GBX_CONFLICT', 'an agent with that name exists');
      const credential = newSecret('gbx_a');
      const agent: AgentRecord = {
        id: `agt_${body.name}`,
        name: body.name,
        env: body.env,
        owner: body.owner,
        tags: body.tags,
        credentialHash: hashBearer(credential),
        createdAt: s.config.clock.now(),
        revokedAt: null,
      };
      await audit.record({
        type: 'agent.registered',
        actor: { kind: 'user', id: actor.name },
        target: agent.name,
        decision,
        outcome: 'success',
        details: { env: agent.env, owner: agent.owner, tags: agent.tags },
      });
      await store.createAgent(agent);
      return reply.status(201).send({ agent: agentView(agent), credential });
    },
  );

  api.get(
    '/agents',
    { schema: { response: { 200: z.object({ agents: z.array(agentSchema) }) } } },
    async (request) => {
      authorizer.requireGateway(actorOf(request), 'administer');
      return { agents: (await store.listAgents()).filter((a) => a.revokedAt === null).map(agentView) };
    },
  );

  api.get(
    '/targets',
    { schema: { response: { 200: z.object({ targets: z.array(targetSchema) }) } } },
    async (request) => {
      const actor = actorOf(request);
      const visible = (await store.listAgents()).filter(
        (a) =>
          a.revokedAt === null &&
          visibleTo(authorizer.decide(actor, 'request', targetResource(a), { reason: '' })),
      );
      return {
        targets: visible.map((a) => {
          const v = agentView(a);
          return {
            name: v.name,
            env: v.env,
            owner: v.owner,
            tags: v.tags,
            connected: v.connected,
            actions: v.actions,
          };
        }),
      };
    },
  );

  // ---- requests, approvals, sessions --------------------------------------------------------

  api.post(
    '/requests',
    { schema: { body: createRequestBodySchema, response: { 201: accessRequestSchema } } },
    async (request, reply) => {
      const actor = actorOf(request);
      const b = request.body;
      const record = await access.create(actor, {
        target: b.target,
        actions: b.actions,
        reason: b.reason,
        ticket: b.ticket,
        durationSec: b.duration ? Math.ceil(parseDuration(b.duration) / 1000) : undefined,
        breakGlass: b.breakGlass,
        scope: b.scope,
      });
      return reply.status(201).send(await requestView(record));
    },
  );

  api.get(
    '/requests',
    {
      schema: {
        querystring: listRequestsQuerySchema,
        response: { 200: z.object({ requests: z.array(accessRequestSchema) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const pendingOnly = request.query.pending === 'true';
      const records =
        request.query.all === 'true' && isAdmin(actor)
          ? await access.listAll(pendingOnly ? ['pending'] : undefined)
          : pendingOnly
            ? [...(await access.listApprovable(actor)), ...(await access.listOwn(actor, ['pending']))]
            : [...(await access.listOwn(actor)), ...(await access.listApprovable(actor))];
      const unique = [...new Map(records.map((r) => [r.id, r])).values()].sort(
        (a, b) => b.createdAt - a.createdAt,
      );
      return { requests: await Promise.all(unique.map(requestView)) };
    },
  );

  api.get(
    '/requests/:id',
    { schema: { params: idParamsSchema, response: { 200: accessRequestSchema } } },
    async (request) => {
      const actor = actorOf(request);
      // Admins and those who may read the audit trail (auditors) see every request.
      const privileged = isAdmin(actor) || mayReadAudit(actor);
      return requestView(await access.get(actor, request.params.id, privileged));
    },
  );

  api.post(
    '/requests/:id/approve',
    { schema: { params: idParamsSchema, body: reviewBodySchema, response: { 200: accessRequestSchema } } },
    async (request) => {
      const actor = actorOf(request);
      if (!request.body.digest)
        throw new GloveboxError('GBX_REQUEST_INVALID', 'digest of the reviewed request is required');
      const record = await access.approve(
        actor,
        request.params.id,
        request.body.digest,
        request.body.comment ?? null,
        isAdmin(actor),
      );
      return requestView(record);
    },
  );

  api.post(
    '/requests/:id/deny',
    { schema: { params: idParamsSchema, body: reviewBodySchema, response: { 200: accessRequestSchema } } },
    async (request) => {
      const actor = actorOf(request);
      return requestView(
        await access.deny(actor, request.params.id, request.body.comment ?? null, isAdmin(actor)),
      );
    },
  );

  api.get(
    '/sessions',
    {
      schema: {
        querystring: z.object({ all: z.enum(['true', 'false']).optional() }).strict(),
        response: { 200: z.object({ sessions: z.array(accessRequestSchema) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const statuses: AccessRequestRecord['status'][] =
        request.query.all === 'true' ? ['active', 'ended'] : ['active'];
      const records =
        isAdmin(actor) && request.query.all === 'true'
          ? await access.listAll(statuses)
          : await access.listOwn(actor, statuses);
      return { sessions: await Promise.all(records.map(requestView)) };
    },
  );

  api.post(
    '/sessions/:id/end',
    { schema: { params: idParamsSchema, body: empty.optional(), response: { 200: accessRequestSchema } } },
    async (request) => requestView(await access.end(actorOf(request), request.params.id)),
  );

  api.get('/sessions/:id/live', { schema: { params: idParamsSchema } }, async (request, reply) => {
    const actor = actorOf(request);
    const session = await store.getRequest(request.params.id);
    const allowed = session !== null && (session.requesterId === actor.userId || mayReadAudit(actor));
    if (!session || !allowed) throw new GloveboxError('GBX_NOT_FOUND', 'no such session');
    if (session.status !== 'active')
      throw new GloveboxError('GBX_SESSION_NOT_ACTIVE', `session is ${session.status}`);
    await audit.record({
      type: 'audit.read',
      actor: { kind: 'user', id: actor.name },
      sessionId: session.id,
      target: session.target,
      outcome: 'success',
      details: { watching: 'live output' },
    });
    return watchSession(reply, s.live, session.id);
  });

  api.post(
    '/sessions/:id/actions/:action',
    {
      schema: { params: actionParamsSchema, body: actionBodySchema, response: { 200: actionResponseSchema } },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { id, action } = request.params;
      if (request.headers.accept?.includes('application/x-ndjson')) {
        return streamAction(
          reply,
          (onStream, signal) => s.actions.run(actor, id, action, request.body.params, { onStream, signal }),
          {
            sessionId: id,
            action,
          },
        );
      }
      const out = await s.actions.run(actor, id, action, request.body.params);
      return {
        sessionId: id,
        action,
        result: out.result,
        redactions: out.redactions,
        auditEventId: out.auditEventId,
      };
    },
  );

  api.get(
    '/sessions/:id/artifacts/:artifact',
    { schema: { params: artifactParamsSchema } },
    async (request, reply) => {
      const actor = actorOf(request);
      const session = await store.getRequest(request.params.id);
      const record = s.artifacts.get(request.params.artifact);
      const allowed = session !== null && (session.requesterId === actor.userId || mayReadAudit(actor));
      if (!session || !record || record.sessionId !== session.id || !allowed)
        throw new GloveboxError('GBX_NOT_FOUND', 'no such artifact');
      const meta = { id: record.id, bytes: record.bytes, sha256: record.sha256, kept: record.keep };
      await audit.record({
        type: 'artifact.downloaded',
        actor: { kind: 'user', id: actor.name },
        sessionId: session.id,
        target: session.target,
        action: record.action,
        outcome: 'success',
        details: meta,
      });
      void reply.header('content-type', 'application/octet-stream');
      void reply.header('content-length', String(record.bytes));
      void reply.header('x-glovebox-sha256', record.sha256);
      void reply.header('cache-control', 'no-store');
      return reply.send(s.artifacts.open(record, () => undefined));
    },
  );

  // ---- audit and policy ---------------------------------------------------------------------

  api.get(
    '/audit',
    { schema: { querystring: auditQuerySchema, response: { 200: auditListSchema } } },
    async (request) => {
      const actor = actorOf(request);
      const decision = authorizer.requireGateway(actor, 'readAudit');
      const q = request.query;
      const filter = auditFilterOf(q, s.config.clock.now());
      await audit.record({
        type: 'audit.read',
        actor: { kind: 'user', id: actor.name },
        decision,
        outcome: 'success',
        details: { filter: q },
      });
      const page = await searchAudit(store, filter);
      return { ...page, since: filter.since ?? null, until: filter.until ?? null };
    },
  );

  api.get(
    '/recordings',
    {
      schema: {
        querystring: z.object({ session: z.string().max(64).optional() }).strict(),
        response: { 200: z.object({ recordings: z.array(recordingSchema) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const canAudit = mayReadAudit(actor);
      const list = await store.listRecordings(request.query.session);
      const visible = [];
      for (const r of list) if (canAudit || r.actor === actor.name) visible.push(r);
      return { recordings: visible };
    },
  );

  api.get(
    '/recordings/:id',
    { schema: { params: idParamsSchema, response: { 200: recordingContentSchema } } },
    async (request) => {
      const actor = actorOf(request);
      const r = await store.getRecording(request.params.id);
      const canAudit = mayReadAudit(actor);
      if (!r || (!canAudit && r.actor !== actor.name))
        throw new GloveboxError('GBX_NOT_FOUND', 'no such recording');
      const events = (await store.queryAudit({ sessionId: r.sessionId, order: 'asc', limit: 100_000 })).map(
        (row) => JSON.parse(row.event) as ChainedEvent,
      );
      const verification = await verifyRecording(r.id, r.cast.split(/(?<=\n)/), events);
      await audit.record({
        type: 'audit.read',
        actor: { kind: 'user', id: actor.name },
        sessionId: r.sessionId,
        outcome: 'success',
        details: { recording: r.id },
      });
      return { ...r, verification: { ok: verification.ok, message: verification.message } };
    },
  );

  api.get(
    '/audit/sinks',
    { schema: { response: { 200: z.object({ sinks: z.array(sinkStatusSchema) }) } } },
    async (request) => {
      authorizer.requireGateway(actorOf(request), 'readAudit');
      return { sinks: s.sinks.status() };
    },
  );

  api.post(
    '/audit/keys/rotate',
    { schema: { body: empty.optional(), response: { 200: z.object({ keyId: z.string() }) } } },
    async (request) => {
      const actor = actorOf(request);
      const decision = authorizer.requireGateway(actor, 'administer');
      const keyId = await s.trail().rotateKey();
      await audit.record({
        type: 'audit.key_rotated',
        actor: { kind: 'user', id: actor.name },
        decision,
        outcome: 'success',
        details: { keyId },
      });
      return { keyId };
    },
  );

  api.get('/audit/verify', { schema: { response: { 200: auditVerifySchema } } }, async (request) => {
    const actor = actorOf(request);
    const decision = authorizer.requireGateway(actor, 'readAudit');
    const report = await s.trail().verify();
    await audit.record({
      type: 'audit.verified',
      actor: { kind: 'user', id: actor.name },
      decision,
      outcome: report.ok ? 'success' : 'failure',
      details: { events: report.events, checkpoints: report.checkpoints, problem: report.problem ?? null },
    });
    return report;
  });

  api.get('/audit/export', async (request, reply) => {
    const actor = actorOf(request);
    const decision = authorizer.requireGateway(actor, 'readAudit');
    await audit.record({
      type: 'audit.exported',
      actor: { kind: 'user', id: actor.name },
      decision,
      outcome: 'success',
    });
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson' });
    try {
      await s.trail().export(reply.raw);
    } finally {
      reply.raw.end();
    }
  });

  api.get('/policy', { schema: { response: { 200: policyViewSchema } } }, async (request) => {
    actorOf(request);
    const described = s.engine.describe().policies;
    return {
      version: s.engine.version ?? 'none',
      policies: described.map((p) => ({ id: p.id, effect: p.effect, annotations: p.annotations })),
    };
  });
}
