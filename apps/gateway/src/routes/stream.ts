import type { FastifyReply } from 'fastify';
import { GloveboxError, isGloveboxError } from '@glovebox/core';
import type { Redactor } from '@glovebox/redact';
import type { LiveFeed, LivePiece } from '../services/live-feed.js';

interface StreamedOutput {
  result: unknown;
  redactions: Record<string, number>;
  auditEventId: string;
}

/**
 * Answers as NDJSON: the lines `run` writes as they come, then the line it returns, or one
 * `{"type":"error",…}` line when it fails after the first line (before it, the error gets a normal
 * HTTP error status). A client that goes away aborts `signal`. A mid-stream error's message passes
 * the redactor, like every other error the gateway sends. With `recheck`, every line waits for a
 * re-check of the caller made after it came (token revoked, rights changed): a refusal aborts
 * `signal` and ends the answer with its error instead.
 */
export async function streamLines(
  reply: FastifyReply,
  run: (write: (line: object) => void, signal: AbortSignal) => Promise<object>,
  redactor: Redactor,
  recheck?: () => Promise<GloveboxError | null>,
): Promise<FastifyReply> {
  const controller = new AbortController();
  let started = false;
  let refused: GloveboxError | null = null;
  let chain: Promise<void> = Promise.resolve();
  const start = () => {
    if (started) return;
    started = true;
    void reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
  };
  // Lines are checked one after another so they leave in the order they came; a re-check that
  // cannot be made refuses (fail closed).
  const release = (text: string) => {
    chain = chain.then(async () => {
      if (refused) return;
      refused = recheck
        ? await recheck().catch(
            () => new GloveboxError('GBX_STORE_UNAVAILABLE', 'could not re-check the caller'),
          )
        : null;
      if (refused) controller.abort();
      else reply.raw.write(text);
    });
  };
  let last: object;
  try {
    last = await run((line) => {
      start();
      release(`${JSON.stringify(line)}\n`);
    }, controller.signal);
    await chain;
  } catch (error) {
    await chain;
    if (!started) throw error;
    last = { type: 'error', error: errorBody(refused ?? error, redactor) };
  }
  start();
  reply.raw.end(
    `${JSON.stringify(refused ? { type: 'error', error: errorBody(refused, redactor) } : last)}\n`,
  );
  return reply;
}

function errorBody(error: unknown, redactor: Redactor): { code: string; message: string } {
  return isGloveboxError(error)
    ? { code: error.code, message: redactor.redactText(error.message).text }
    : { code: 'GBX_INTERNAL', message: 'internal error' };
}

/**
 * Answers an action as NDJSON: `{"type":"stream","data":…}` lines as they come (already redacted
 * and recorded), each released only after `recheck` allowed the caller, then one
 * `{"type":"result",…}` or `{"type":"error",…}` line.
 */
export function streamAction(
  reply: FastifyReply,
  run: (onStream: (data: unknown) => void, signal: AbortSignal) => Promise<StreamedOutput>,
  ids: { sessionId: string; action: string },
  redactor: Redactor,
  recheck: () => Promise<GloveboxError | null>,
): Promise<FastifyReply> {
  return streamLines(
    reply,
    async (write, signal) => ({
      type: 'result',
      ...ids,
      ...(await run((data) => write({ type: 'stream', data }), signal)),
    }),
    redactor,
    recheck,
  );
}

/** How much unsent output a slow watcher may hold before pieces are dropped (and counted). */
const WATCHER_BUFFER_BYTES = 1024 * 1024;
/** How many pieces may wait for their re-check before further ones are dropped (and counted). */
const MAX_QUEUED_PIECES = 256;

/**
 * Streams a session's live output to a watcher as NDJSON until the session ends, the watcher
 * leaves, or `recheck` refuses the watcher (token revoked, rights changed): every piece, and every
 * keep-alive, is released only after `recheck` allowed it, in order. A watcher that cannot keep
 * up loses pieces (counted in the next line), never slows the session.
 */
export function watchSession(
  reply: FastifyReply,
  live: LiveFeed,
  sessionId: string,
  recheck: () => Promise<GloveboxError | null>,
): FastifyReply {
  void reply.hijack();
  const out = reply.raw;
  out.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  out.write(`${JSON.stringify({ type: 'watching', sessionId })}\n`);
  let dropped = 0;
  let queued = 0;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  const finish = (line: unknown) => {
    if (closed) return;
    closed = true;
    out.end(`${JSON.stringify(line)}\n`);
  };
  // Pieces are checked one after another so they leave in the order they came.
  const release = (write: () => void) => {
    queued++;
    chain = chain.then(async () => {
      queued--;
      if (closed) return;
      // A re-check that cannot be made refuses (fail closed).
      const refused = await recheck().catch(
        () => new GloveboxError('GBX_STORE_UNAVAILABLE', 'could not re-check the watcher'),
      );
      if (refused) finish({ type: 'error', error: { code: refused.code, message: refused.message } });
      else if (!closed) write();
    });
  };
  const writePiece = (piece: LivePiece) => {
    out.write(
      `${JSON.stringify({ type: 'stream', action: piece.action, time: piece.time, data: piece.data, dropped })}\n`,
    );
    dropped = 0;
  };
  const stop = live.subscribe(sessionId, (piece) => {
    if (piece === null) {
      chain = chain.then(() => finish({ type: 'ended', sessionId }));
      return;
    }
    if (out.writableLength > WATCHER_BUFFER_BYTES || queued > MAX_QUEUED_PIECES) {
      dropped++;
      return;
    }
    release(() => writePiece(piece));
  });
  const ping = setInterval(() => release(() => out.write(`${JSON.stringify({ type: 'ping' })}\n`)), 15_000);
  out.on('close', () => {
    closed = true;
    clearInterval(ping);
    stop();
  });
  return reply;
}
