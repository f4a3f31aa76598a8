import { z } from 'zod';
import { GloveboxError, parseDuration } from '@glovebox/core';
import { createTokenBodySchema, createdTokenSchema, idParamsSchema, tokenSchema } from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../../server.js';
import { authzOf } from '../authorize.js';

const ok = { 200: z.object({ ok: z.boolean() }) };

/** API tokens: create (lifetime capped by policy), list, revoke. */
export function registerTokenRoutes(api: GatewayApp, s: GatewayServices): void {
  const { identity, audit, store } = s;

  api.post(
    '/tokens',
    { schema: { body: createTokenBodySchema, response: { 201: createdTokenSchema } } },
    async (request, reply) => {
      const { actor, decision, user } = authzOf(request);
      if (!user || !decision?.obligations)
        throw new GloveboxError('GBX_INTERNAL', 'token route reached without its user and decision');
      const requestedTtlMs = request.body.ttl === undefined ? undefined : parseDuration(request.body.ttl);
      const label = request.body.label ?? null;
      const { token, record, limitedBy } = await identity.mintApiToken(
        actor,
        user.id,
        requestedTtlMs,
        label,
        decision.obligations,
      );
      const ttlMs = record.expiresAt - record.createdAt;
      await audit.record({
        type: 'auth.token_created',
        actor: { kind: 'user', id: actor.name },
        decision,
        outcome: 'success',
        details: {
          user: user.name,
          ttlMs,
          requestedTtlMs: requestedTtlMs ?? null,
          limitedBy,
          label,
          token: record.id,
        },
      });
      return reply.status(201).send({
        id: record.id,
        user: user.name,
        kind: record.kind,
        label: record.label,
        createdAt: record.createdAt,
        expiresAt: record.expiresAt,
        revokedAt: null,
        token,
        limitedBy,
      });
    },
  );

  api.get(
    '/tokens',
    { schema: { response: { 200: z.object({ tokens: z.array(tokenSchema) }) } } },
    async (request) => {
      const { actor } = authzOf(request);
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

  api.delete('/tokens/:id', { schema: { params: idParamsSchema, response: ok } }, async (request) => {
    const { actor, decision, token } = authzOf(request);
    if (!token) throw new GloveboxError('GBX_INTERNAL', 'token route reached without its token');
    await identity.revokeToken(token.id);
    await audit.record({
      type: 'auth.token_revoked',
      actor: { kind: 'user', id: actor.name },
      decision,
      outcome: 'success',
      details: { token: token.id },
    });
    return { ok: true };
  });
}
