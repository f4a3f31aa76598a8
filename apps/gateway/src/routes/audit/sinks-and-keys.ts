import { z } from 'zod';
import { sinkStatusSchema } from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../../server.js';
import { authzOf } from '../authorize.js';

const empty = z.object({}).strict();

/** `GET /audit/sinks` and `POST /audit/keys/rotate`: where the trail is shipped, and its checkpoint key. */
export function registerAuditSinkAndKeyRoutes(api: GatewayApp, s: GatewayServices): void {
  const { audit } = s;

  api.get(
    '/audit/sinks',
    { schema: { response: { 200: z.object({ sinks: z.array(sinkStatusSchema) }) } } },
    async () => ({ sinks: s.sinks.status() }),
  );

  api.post(
    '/audit/keys/rotate',
    { schema: { body: empty.optional(), response: { 200: z.object({ keyId: z.string() }) } } },
    async (request) => {
      const { actor, decision } = authzOf(request);
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
}
