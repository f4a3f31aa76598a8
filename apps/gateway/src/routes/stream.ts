import type { FastifyReply } from 'fastify';
import { isGloveboxError } from '@glovebox/core';
import type { LiveFeed } from '../services/live-feed.js';

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

/** How much unsent output a slow watcher may hold before pieces are dropped (and counted). */
const WATCHER_BUFFER_BYTES = 1024 * 1024;

/**
 * Streams a session's live output to a watcher as NDJSON until the session ends or the watcher
 * leaves. A watcher that cannot keep up loses pieces (counted in the next line), never slows the
 * session.
 */
export function watchSession(reply: FastifyReply, live: LiveFeed, sessionId: string): FastifyReply {
  void reply.hijack();
  const out = reply.raw;
  out.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  out.write(`${JSON.stringify({ type: 'watching', sessionId })}\n`);
  let dropped = 0;
  const stop = live.subscribe(sessionId, (piece) => {
    if (piece === null) {
      out.end(`${JSON.stringify({ type: 'ended', sessionId })}\n`);
      return;
    }
    if (out.writableLength > WATCHER_BUFFER_BYTES) {
      dropped++;
      return;
    }
    out.write(
      `${JSON.stringify({ type: 'stream', action: piece.action, time: piece.time, data: piece.data, dropped })}\n`,
    );
    dropped = 0;
  });
  const ping = setInterval(() => out.write(`${JSON.stringify({ type: 'ping' })}\n`), 15_000);
  out.on('close', () => {
    clearInterval(ping);
    stop();
  });
  return reply;
}
