import type { FastifyReply } from 'fastify';
import { isGloveboxError } from '@glovebox/core';

interface StreamedOutput {
  result: unknown;
  redactions: Record<string, number>;
  auditEventId: string;
}

/**
 * Answers an action as NDJSON: `{"type":"stream","data":…}` lines as they come (already redacted
 * and recorded), then one `{"type":"result",…}` or `{"type":"error",…}` line. Errors before the
 * first line still get a normal HTTP error status; a client that goes away cancels the action.
 */
export async function streamAction(
  reply: FastifyReply,
  run: (onStream: (data: unknown) => void, signal: AbortSignal) => Promise<StreamedOutput>,
  ids: { sessionId: string; action: string },
): Promise<FastifyReply> {
  const controller = new AbortController();
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    void reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
  };
  try {
    const out = await run((data) => {
      start();
      reply.raw.write(`${JSON.stringify({ type: 'stream', data })}\n`);
    }, controller.signal);
    start();
    reply.raw.end(`${JSON.stringify({ type: 'result', ...ids, ...out })}\n`);
  } catch (error) {
    if (!started) throw error;
    const body = isGloveboxError(error)
      ? { code: error.code, message: error.message }
      : { code: 'GBX_INTERNAL', message: 'internal error' };
    reply.raw.end(`${JSON.stringify({ type: 'error', error: body })}\n`);
  }
  return reply;
}
