import { parseWitnessedHead, type VerifyProgress } from '@glovebox/audit';
import { auditVerifyQuerySchema, auditVerifySchema, type AuditVerifyProgress } from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../../server.js';
import { authzOf } from '../authorize.js';
import { streamLines } from '../stream.js';

/** `GET /audit/verify` and `GET /audit/export`: the whole trail checked here, or handed out to check elsewhere. */
export function registerAuditVerifyRoutes(api: GatewayApp, s: GatewayServices): void {
  const { audit, store } = s;

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
