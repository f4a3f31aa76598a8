import { z } from 'zod';
import { verifyRecording, type ChainedEvent } from '@glovebox/audit';
import { GloveboxError } from '@glovebox/core';
import { idParamsSchema, recordingContentSchema, recordingSchema } from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../../server.js';
import { authzOf } from '../authorize.js';

/** `GET /recordings` and `GET /recordings/:id`: streamed output, checked against the audit chain. */
export function registerRecordingRoutes(api: GatewayApp, s: GatewayServices): void {
  const { audit, store } = s;

  api.get(
    '/recordings',
    {
      schema: {
        querystring: z.object({ session: z.string().max(64).optional() }).strict(),
        response: { 200: z.object({ recordings: z.array(recordingSchema) }) },
      },
    },
    async (request) => {
      const { actor, everyone } = authzOf(request);
      // The owner filter is part of the query, so another user's recordings never push the
      // caller's own out of the row limit.
      const recordings = await store.listRecordings({
        sessionId: request.query.session,
        requesterId: everyone ? undefined : actor.userId,
      });
      return { recordings };
    },
  );

  api.get(
    '/recordings/:id',
    { schema: { params: idParamsSchema, response: { 200: recordingContentSchema } } },
    async (request) => {
      const { actor, decision, recording: r } = authzOf(request);
      if (!r) throw new GloveboxError('GBX_INTERNAL', 'recording route reached without its recording');
      const events = (await store.queryAudit({ sessionId: r.sessionId, order: 'asc', limit: 100_000 })).map(
        (row) => JSON.parse(row.event) as ChainedEvent,
      );
      const verification = await verifyRecording(r.id, r.cast.split(/(?<=\n)/), events);
      await audit.record({
        type: 'audit.read',
        actor: { kind: 'user', id: actor.name },
        sessionId: r.sessionId,
        decision,
        outcome: 'success',
        details: { recording: r.id },
      });
      return { ...r, verification: { ok: verification.ok, message: verification.message } };
    },
  );
}
