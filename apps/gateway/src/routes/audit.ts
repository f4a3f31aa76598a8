import { z } from 'zod';
import { parseWitnessedHead, verifyRecording, type ChainedEvent, type VerifyProgress } from '@glovebox/audit';
import { GloveboxError } from '@glovebox/core';
import {
  auditListSchema,
  auditQuerySchema,
  auditVerifyQuerySchema,
  auditVerifySchema,
  idParamsSchema,
  type AuditVerifyProgress,
  recordingContentSchema,
  recordingSchema,
  sinkStatusSchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';
import { auditFilterOf, searchAudit } from '../services/audit-search.js';
import { authzOf } from './authorize.js';
import { streamLines } from './stream.js';

const empty = z.object({}).strict();

/** The audit trail, recordings, sinks and checkpoint keys. What each needs is in routes/table.ts. */
export function registerAuditRoutes(api: GatewayApp, s: GatewayServices): void {
  const { audit, store } = s;

  api.get(
    '/audit',
    { schema: { querystring: auditQuerySchema, response: { 200: auditListSchema } } },
    async (request) => {
      const { actor, decision } = authzOf(request);
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

  api.get(
    '/audit/verify',
    { schema: { querystring: auditVerifyQuerySchema, response: { 200: auditVerifySchema } } },
    async (request, reply) => {
      const { actor, decision } = authzOf(request);
      const given = request.query.head;
      const heads = (given === undefined ? [] : typeof given === 'string' ? [given] : given).map((text) =>
        parseWitnessedHead(text)!,
      );
      const verifyAndRecord = async (onProgress?: (progress: VerifyProgress) => void) => {
        const report = await s.trail().verify(heads, onProgress);
        await audit.record({
          type: 'audit.verified',
          actor: { kind: 'user', id: actor.name },
          decision,
          outcome: report.ok ? 'success' : 'failure',
          details: {
            events: report.events,
            checkpoints: report.checkpoints,
            problem: report.problem ?? null,
            heads: heads.map((head) => `${head.seq}:${head.hash}`),
          },
        });
        return auditVerifySchema.parse(report);
      };
      if (!request.headers.accept?.includes('application/x-ndjson')) return verifyAndRecord();
      const targetSeq = (await store.auditHead())?.seq ?? 0;
      return streamLines(
        reply,
        async (write) => {
          const report = await verifyAndRecord((progress) =>
            write({ type: 'progress', ...progress, targetSeq } satisfies AuditVerifyProgress),
          );
          return { type: 'result', ...report };
        },
        s.redactor,
      );
    },
  );

  api.get('/audit/export', async (request, reply) => {
    const { actor, decision } = authzOf(request);
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
}
