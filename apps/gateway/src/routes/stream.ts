import type { FastifyReply } from 'fastify';
import { isGloveboxError, type GloveboxError } from '@glovebox/core';
import type { Redactor } from '@glovebox/redact';
import type { LiveFeed, LivePiece } from '../services/live-feed.js';
import { RecheckGate } from './recheck-gate.js';

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
 * re-check of the caller begun after it came ({@link RecheckGate}): a refusal aborts `signal` and
 * ends the answer with its error instead.
 */
export async function streamLines(
  reply: FastifyReply,
  run: (write: (line: object) => void, signal: AbortSignal) => Promise<object>,
  redactor: Redactor,
  recheck?: () => Promise<GloveboxError | null>,
): Promise<FastifyReply> {
  const controller = new AbortController();
  let started = false;
  const gate = recheck ? new RecheckGate(recheck, () => controller.abort()) : null;
  const start = () => {
    if (started) return;
    started = true;
    void reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
  };
  const write = (text: string) => (gate ? gate.release(() => reply.raw.write(text)) : reply.raw.write(text));
  let last: object;
  try {
    last = await run((line) => {
      start();
      write(`${JSON.stringify(line)}\n`);
    }, controller.signal);
    await gate?.settled();
  } catch (error) {
    await gate?.settled();
    if (!started) throw error;
    last = { type: 'error', error: errorBody(gate?.refused ?? error, redactor) };
  }
  start();
  const refused = gate?.refused;
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
 * keep-alive, is released only after `recheck` allowed it, in order ({@link RecheckGate}). A watcher that cannot keep
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
  let closed = false;
  const finish = (line: unknown) => {
    if (closed) return;
    closed = true;
    out.end(`${JSON.stringify(line)}\n`);
  };
  const gate = new RecheckGate(recheck, (refused) =>
    finish({ type: 'error', error: { code: refused.code, message: refused.message } }),
  );
  const release = (write: () => void) => {
    if (closed) return;
    gate.release(() => {
      if (!closed) write();
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
      void gate.settled().then(() => finish({ type: 'ended', sessionId }));
      return;
    }
    if (out.writableLength > WATCHER_BUFFER_BYTES || gate.waiting > MAX_QUEUED_PIECES) {
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
