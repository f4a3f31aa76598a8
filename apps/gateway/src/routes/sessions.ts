import { z } from 'zod';
import { GloveboxError } from '@glovebox/core';
import {
  accessRequestSchema,
  actionBodySchema,
  actionParamsSchema,
  actionResponseSchema,
  artifactParamsSchema,
  idParamsSchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';
import type { AccessRequestRecord } from '../store/index.js';
import { authorizedSession } from './access.js';
import { authzOf, recheckRoute } from './authorize.js';
import { requestView } from './present.js';
import { streamAction, watchSession } from './stream.js';

const empty = z.object({}).strict();

/** Sessions: listing, the kill switch, live watching, actions and their artifacts. */
export function registerSessionRoutes(api: GatewayApp, s: GatewayServices): void {
  const { access, audit } = s;

  api.get(
    '/sessions',
    {
      schema: {
        querystring: z.object({ all: z.enum(['true', 'false']).optional() }).strict(),
        response: { 200: z.object({ sessions: z.array(accessRequestSchema) }) },
      },
    },
    async (request) => {
      const { actor, everyone, lists } = authzOf(request);
      const statuses: AccessRequestRecord['status'][] =
        request.query.all === 'true' ? ['active', 'ended'] : ['active'];
      const candidates = everyone
        ? await access.listAll(statuses)
        : [...(await access.listOwn(actor, statuses)), ...(await access.listApprovedBy(actor, statuses))];
      const unique = [...new Map(candidates.map((r) => [r.id, r])).values()].sort(
        (a, b) => b.createdAt - a.createdAt,
      );
      const visible: AccessRequestRecord[] = [];
      for (const r of unique) if (await lists!(r)) visible.push(r);
      return { sessions: await Promise.all(visible.map((r) => requestView(s, actor, r))) };
    },
  );

  api.post(
    '/sessions/:id/end',
    { schema: { params: idParamsSchema, body: empty.optional(), response: { 200: accessRequestSchema } } },
    async (request) => {
      const { actor } = authzOf(request);
      return requestView(s, actor, await access.end(actor, request.params.id));
    },
  );

  api.get('/sessions/:id/live', { schema: { params: idParamsSchema } }, async (request, reply) => {
    const context = authzOf(request);
    const session = authorizedSession(context);
    if (session.status !== 'active')
      throw new GloveboxError('GBX_SESSION_NOT_ACTIVE', `session is ${session.status}`);
    await audit.record({
      type: 'audit.read',
      actor: { kind: 'user', id: context.actor.name },
      sessionId: session.id,
      target: session.target,
      decision: context.decision,
      outcome: 'success',
      details: { watching: 'live output' },
    });
    // Every piece is released only after the watcher's token and rights are checked again.
    return watchSession(reply, s.live, session.id, () => recheckRoute(request, s));
  });

  api.post(
    '/sessions/:id/actions/:action',
    {
      schema: { params: actionParamsSchema, body: actionBodySchema, response: { 200: actionResponseSchema } },
    },
    async (request, reply) => {
      const { actor, session, agent } = authzOf(request);
      const { id, action } = request.params;
      const { params, instances } = request.body;
      const chosen = instances ? { instances } : {};
      // Authorized on the session and target this request's route check read.
      const read = { session: session ?? null, agent: agent ?? null };
      if (request.headers.accept?.includes('application/x-ndjson')) {
        return streamAction(
          reply,
          (onStream, signal) => s.actions.run(actor, read, action, params, { onStream, signal, ...chosen }),
          { sessionId: id, action },
          s.redactor,
          () => recheckRoute(request, s),
        );
      }
      const out = await s.actions.run(actor, read, action, params, chosen);
      return {
        sessionId: id,
        action,
        instances: out.instances,
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
      const context = authzOf(request);
      const session = authorizedSession(context);
      const record = s.artifacts.get(request.params.artifact);
      if (!record || record.sessionId !== session.id)
        throw new GloveboxError('GBX_NOT_FOUND', 'no such artifact');
      const meta = { id: record.id, bytes: record.bytes, sha256: record.sha256, kept: record.keep };
      await audit.record({
        type: 'artifact.downloaded',
        actor: { kind: 'user', id: context.actor.name },
        sessionId: session.id,
        target: session.target,
        action: record.action,
        decision: context.decision,
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
}
