import { z } from 'zod';
import { GloveboxError, parseDuration } from '@glovebox/core';
import {
  accessRequestSchema,
  createRequestBodySchema,
  idParamsSchema,
  listRequestsQuerySchema,
  reviewBodySchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';
import type { Actor } from '../services/identity.js';
import type { AccessRequestRecord } from '../store/index.js';
import { authzOf, type AuthorizedContext } from './authorize.js';
import { requestView } from './present.js';

/** The session a `session` route was authorized on (loaded by the authorization hook). */
export function authorizedSession(context: AuthorizedContext): AccessRequestRecord {
  if (!context.session) throw new GloveboxError('GBX_INTERNAL', 'session route reached without its session');
  return context.session;
}

/** Whether the access service may show the caller a request it neither asked for nor may approve. */
function isAdmin(s: GatewayServices, actor: Actor): boolean {
  return s.authorizer.decide(actor, 'administer', { kind: 'gateway' }).allowed;
}

/** Access requests and their review. What each route needs is in routes/table.ts. */
export function registerAccessRoutes(api: GatewayApp, s: GatewayServices): void {
  const { access } = s;

  api.post(
    '/requests',
    { schema: { body: createRequestBodySchema, response: { 201: accessRequestSchema } } },
    async (request, reply) => {
      const { actor } = authzOf(request);
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
      return reply.status(201).send(await requestView(s, actor, record));
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
      const { actor, everyone } = authzOf(request);
      const pendingOnly = request.query.pending === 'true';
      const records =
        request.query.all === 'true' && everyone
          ? await access.listAll(pendingOnly ? ['pending'] : undefined)
          : pendingOnly
            ? [...(await access.listApprovable(actor)), ...(await access.listOwn(actor, ['pending']))]
            : [...(await access.listOwn(actor)), ...(await access.listApprovable(actor))];
      const unique = [...new Map(records.map((r) => [r.id, r])).values()].sort(
        (a, b) => b.createdAt - a.createdAt,
      );
      return { requests: await Promise.all(unique.map((r) => requestView(s, actor, r))) };
    },
  );

  api.get(
    '/requests/:id',
    { schema: { params: idParamsSchema, response: { 200: accessRequestSchema } } },
    async (request) => {
      const context = authzOf(request);
      return requestView(s, context.actor, authorizedSession(context));
    },
  );

  api.post(
    '/requests/:id/approve',
    { schema: { params: idParamsSchema, body: reviewBodySchema, response: { 200: accessRequestSchema } } },
    async (request) => {
      const { actor } = authzOf(request);
      if (!request.body.digest)
        throw new GloveboxError('GBX_REQUEST_INVALID', 'digest of the reviewed request is required');
      const record = await access.approve(
        actor,
        request.params.id,
        request.body.digest,
        request.body.comment ?? null,
        isAdmin(s, actor),
      );
      return requestView(s, actor, record);
    },
  );

  api.post(
    '/requests/:id/deny',
    { schema: { params: idParamsSchema, body: reviewBodySchema, response: { 200: accessRequestSchema } } },
    async (request) => {
      const { actor } = authzOf(request);
      const record = await access.deny(
        actor,
        request.params.id,
        request.body.comment ?? null,
        isAdmin(s, actor),
      );
      return requestView(s, actor, record);
    },
  );
}
