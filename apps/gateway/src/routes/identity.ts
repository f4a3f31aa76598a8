import { z } from 'zod';
import { GloveboxError, parseDuration } from '@glovebox/core';
import {
  createTokenBodySchema,
  createUserBodySchema,
  createdTokenSchema,
  createdUserSchema,
  idParamsSchema,
  loginBodySchema,
  loginResponseSchema,
  mfaEnrollBodySchema,
  mfaEnrollResponseSchema,
  mfaVerifyBodySchema,
  mfaVerifyResponseSchema,
  resetMfaResponseSchema,
  tokenSchema,
  userAccessChangedSchema,
  userSchema,
  whoamiResponseSchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';
import { passwordLogin } from '../services/password-login.js';
import { authzOf } from './authorize.js';

const empty = z.object({}).strict();
const ok = { 200: z.object({ ok: z.boolean() }) };

/** Login, logout, users, API tokens and TOTP. What each route needs is in routes/table.ts. */
export function registerIdentityRoutes(api: GatewayApp, s: GatewayServices): void {
  const { identity, audit, store } = s;

  api.post(
    '/auth/login',
    { schema: { body: loginBodySchema, response: { 200: loginResponseSchema } } },
    async (request) => {
      const { user, password, otp } = request.body;
      const result = await passwordLogin(identity, audit, s.redactor, {
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

  api.post('/auth/logout', { schema: { body: empty.optional(), response: ok } }, async (request) => {
    const { actor } = authzOf(request);
    await identity.revokeToken(actor.tokenId);
    await audit.record({ type: 'auth.logout', actor: { kind: 'user', id: actor.name }, outcome: 'success' });
    return { ok: true };
  });

  api.get('/whoami', { schema: { response: { 200: whoamiResponseSchema } } }, async (request) => {
    const { actor } = authzOf(request);
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
      const { actor, decision } = authzOf(request);
      const { name, groups, password } = request.body;
      const user = await identity.createUser(name, groups, password ?? null);
      // Recorded once the store accepted it: a refused duplicate leaves no success event.
      await audit.record({
        type: 'user.created',
        actor: { kind: 'user', id: actor.name },
        decision,
        outcome: 'success',
        details: { user: user.name, groups: user.groups, localPassword: password !== undefined },
      });
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
      const { actor, decision } = authzOf(request);
      const user = await store.getUserByName(request.params.name);
      if (!user) throw new GloveboxError('GBX_NOT_FOUND', 'no such user');
      const enrollmentTicket = await identity.mfa.reset(user.id);
      await audit.record({
        type: 'auth.mfa_removed',
        actor: { kind: 'user', id: actor.name },
        decision,
        outcome: 'success',
        details: { user: user.name, factors: 'all', enrollmentTicket: 'issued' },
      });
      return { user: user.name, enrollmentTicket };
    },
  );

  for (const change of ['disable', 'enable'] as const) {
    api.post(
      `/users/:name/${change}`,
      {
        schema: {
          params: z.object({ name: z.string().max(64) }),
          body: empty.optional(),
          response: { 200: userAccessChangedSchema },
        },
      },
      async (request) => {
        const { actor, decision } = authzOf(request);
        const user = await store.getUserByName(request.params.name);
        if (!user) throw new GloveboxError('GBX_NOT_FOUND', 'no such user');
        const ended =
          change === 'disable'
            ? await s.control.disableUser(user, actor.name)
            : (await s.control.enableUser(user), { tokensRevoked: 0, sessionsClosed: 0 });
        await audit.record({
          type: change === 'disable' ? 'user.disabled' : 'user.enabled',
          actor: { kind: 'user', id: actor.name },
          decision,
          outcome: 'success',
          details: { user: user.name, ...ended },
        });
        return { user: user.name, disabled: change === 'disable', ...ended };
      },
    );
  }

  api.get('/users', { schema: { response: { 200: z.object({ users: z.array(userSchema) }) } } }, async () => {
    const users = await store.listUsers();
    return {
      users: users.map((u) => ({
        name: u.name,
        groups: u.groups,
        mfaEnrolled: u.mfaEnrolledAt !== null,
        createdAt: u.createdAt,
        disabled: u.disabled,
      })),
    };
  });

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

  api.post(
    '/mfa/enroll',
    { schema: { body: mfaEnrollBodySchema.optional(), response: { 200: mfaEnrollResponseSchema } } },
    async (request) => {
      const { actor } = authzOf(request);
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
      const { actor } = authzOf(request);
      try {
        const result = await identity.limiter.attempt(
          { user: actor.name, source: request.ip },
          () => identity.mfa.verifyTotp(actor, request.body.code),
          (code) => code === 'GBX_MFA_INVALID',
        );
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
}
