import { z } from 'zod';
import { GloveboxError } from '@glovebox/core';
import {
  createUserBodySchema,
  createdUserSchema,
  resetMfaResponseSchema,
  userAccessChangedSchema,
  userSchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../../server.js';
import { recordFactorChange } from '../../services/factor-changes.js';
import { authzOf } from '../authorize.js';

const empty = z.object({}).strict();

/** Local users: create, reset a second factor, disable or enable, list. */
export function registerUserRoutes(api: GatewayApp, s: GatewayServices): void {
  const { identity, audit, store } = s;

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
      await recordFactorChange(s, {
        kind: 'mfa.removed',
        user: user.name,
        actor: actor.name,
        factor: 'all',
        via: 'reset-mfa',
        decision,
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
        if (change === 'disable')
          await s.control.assertAdministrable([{ ...user, disabled: true }]).catch(async (err: unknown) => {
            await audit.record({
              type: 'user.disabled',
              actor: { kind: 'user', id: actor.name },
              decision,
              outcome: 'failure',
              details: { user: user.name, reason: 'last administrator' },
            });
            throw err;
          });
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
}
