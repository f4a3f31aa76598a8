import { z } from 'zod';
import { GloveboxError, newSecret } from '@glovebox/core';
import {
  agentSchema,
  registerAgentBodySchema,
  registeredAgentSchema,
  revokedAgentSchema,
  targetSchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';
import { mayAskFor, targetResource } from '../services/authorizer.js';
import { hashBearer } from '../services/secrets.js';
import type { AgentRecord } from '../store/index.js';
import { authzOf } from './authorize.js';
import { agentView } from './present.js';
import { selectInstances } from '../services/instances.js';

/** What the agent must pin: the fingerprint of the gateway's current signing key. */
function pins(s: GatewayServices): string[] {
  return [s.signingKey.current().fingerprint];
}

/** Agent registration and the targets a caller may ask for. */
export function registerAgentRoutes(api: GatewayApp, s: GatewayServices): void {
  const { authorizer, audit, store } = s;

  api.post(
    '/agents',
    { schema: { body: registerAgentBodySchema, response: { 201: registeredAgentSchema } } },
    async (request, reply) => {
      const { actor, decision } = authzOf(request);
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
      await store.createAgent(agent);
      // Recorded once the store accepted it: a refused duplicate leaves no success event.
      await audit.record({
        type: 'agent.registered',
        actor: { kind: 'user', id: actor.name },
        target: agent.name,
        decision,
        outcome: 'success',
        details: { env: agent.env, owner: agent.owner, tags: agent.tags },
      });
      return reply.status(201).send({ agent: await agentView(s, agent), credential, gatewayKeys: pins(s) });
    },
  );

  registerAgentCredentialRoutes(api, s);

  api.get(
    '/agents',
    { schema: { response: { 200: z.object({ agents: z.array(agentSchema) }) } } },
    async () => ({
      agents: await Promise.all(
        (await store.listAgents()).filter((a) => a.revokedAt === null).map((a) => agentView(s, a)),
      ),
    }),
  );

  api.get(
    '/targets',
    { schema: { response: { 200: z.object({ targets: z.array(targetSchema) }) } } },
    async (request) => {
      const { actor } = authzOf(request);
      const visible = (await store.listAgents()).filter(
        (a) =>
          a.revokedAt === null &&
          mayAskFor(authorizer.decide(actor, 'request', targetResource(a), { reason: '' })),
      );
      return {
        targets: await Promise.all(
          visible.map(async (a) => {
            const v = await agentView(s, a);
            return {
              name: v.name,
              env: v.env,
              owner: v.owner,
              tags: v.tags,
              connected: v.connected,
              actions: v.actions,
              instances: v.instances,
            };
          }),
        ),
      };
    },
  );
}

/** The credential's life after registration: revoked (its connections and sessions end) or rotated. */
function registerAgentCredentialRoutes(api: GatewayApp, s: GatewayServices): void {
  const { audit, store } = s;
  const registered = async (name: string) => {
    const agent = await store.getAgentByName(name);
    if (!agent || agent.revokedAt !== null) throw new GloveboxError('GBX_NOT_FOUND', 'no such agent');
    return agent;
  };
  const nameParams = z.object({ name: z.string().max(128) });

  api.post(
    '/agents/:name/revoke',
    {
      schema: {
        params: nameParams,
        body: z
          .object({ instance: z.string().min(1).max(128).optional() })
          .strict()
          .optional(),
        response: { 200: revokedAgentSchema },
      },
    },
    async (request) => {
      const { actor, decision } = authzOf(request);
      const agent = await registered(request.params.name);
      const wanted = request.body?.instance;
      if (wanted !== undefined) {
        // One instance (id or unambiguous prefix of a connected one): the credential stays valid.
        const connected = await s.router.instances(agent.name);
        const [one] = selectInstances(agent.name, 'revoke', connected, { instance: wanted }, 0);
        await s.control.revokeInstance(agent, one!.id, actor.name);
        await audit.record({
          type: 'agent.revoked',
          actor: { kind: 'user', id: actor.name },
          target: agent.name,
          decision,
          outcome: 'success',
          details: { agent: agent.name, instance: one!.id, sessionsClosed: 0 },
        });
        return { agent: agent.name, instance: one!.id, sessionsClosed: 0 };
      }
      const { sessionsClosed } = await s.control.revokeAgent(agent, actor.name);
      await audit.record({
        type: 'agent.revoked',
        actor: { kind: 'user', id: actor.name },
        target: agent.name,
        decision,
        outcome: 'success',
        details: { agent: agent.name, sessionsClosed },
      });
      return { agent: agent.name, sessionsClosed };
    },
  );

  api.post(
    '/agents/:name/rotate',
    {
      schema: {
        params: nameParams,
        body: z.object({}).strict().optional(),
        response: { 200: registeredAgentSchema },
      },
    },
    async (request) => {
      const { actor, decision } = authzOf(request);
      const agent = await registered(request.params.name);
      const credential = await s.control.rotateAgent(agent);
      await audit.record({
        type: 'agent.rotated',
        actor: { kind: 'user', id: actor.name },
        target: agent.name,
        decision,
        outcome: 'success',
        details: { agent: agent.name },
      });
      const rotated = (await store.getAgentByName(agent.name)) ?? agent;
      return { agent: await agentView(s, rotated), credential, gatewayKeys: pins(s) };
    },
  );
}
