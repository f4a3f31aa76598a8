import type { GatewayApp } from '../server.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ERROR_CODES, GloveboxError, type Clock, type ErrorCode } from '@glovebox/core';
import { agentResultSchema, maskingLevelSchema, type AgentResult } from '@glovebox/protocol';
import type { AgentRoute, Store } from '../store/index.js';
import type { AgentHub, CallOptions } from '../services/agent-hub.js';
import { NonceWindow, RELAY_HEADER, type RelayAuth } from './relay-auth.js';

/** The internal endpoint a replica forwards an action to the replica holding the agent through. */
export const RELAY_PATH = '/internal/v1/relay';
const RELAY_TYPE = 'application/x-glovebox-relay';

const relayRequestSchema = z.strictObject({
  sessionId: z.string().min(1).max(64),
  instance: z.string().min(1).max(64),
  action: z.string().min(1).max(64),
  params: z.unknown(),
  masking: maskingLevelSchema,
  timeoutMs: z.number().int().positive().max(3_600_000).optional(),
  stream: z.boolean(),
});

const answerSchema = z.discriminatedUnion('k', [
  z.strictObject({ k: z.literal('stream'), seq: z.number().int().nonnegative(), data: z.unknown() }),
  z.strictObject({ k: z.literal('result'), result: agentResultSchema }),
  z.strictObject({ k: z.literal('error'), code: z.string().max(64), message: z.string().max(4096) }),
]);
type Answer = z.infer<typeof answerSchema>;

export interface RelayServerConfig {
  self: string;
  auth: () => RelayAuth;
  store: Store;
  hub: AgentHub;
  clock: Clock;
  log: Logger;
}

/**
 * The receiving side: authenticates the sending replica, re-reads the session (it must be active
 * here too) and runs the call on the agent connection this replica holds, answering with MACed
 * NDJSON lines (stream pieces, then the result or the error). The sender keeps the audit trail:
 * it wrote the intent before forwarding and records each piece before releasing it.
 */
export function registerRelay(app: GatewayApp, c: RelayServerConfig): void {
  const nonces = new NonceWindow();
  void app.register(async (scope) => {
    scope.addContentTypeParser(RELAY_TYPE, { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.post(RELAY_PATH, { schema: { hide: true } }, async (req, reply) => {
      const body = typeof req.body === 'string' ? req.body : '';
      const now = c.clock.now();
      const auth = c.auth();
      const header = req.headers[RELAY_HEADER];
      const ok = auth.verify(typeof header === 'string' ? header : undefined, c.self, now, body);
      if (!ok || !nonces.fresh(ok.nonce, now)) {
        c.log.warn({ remote: req.socket.remoteAddress }, 'relay request refused: authentication failed');
        return reply.status(401).send({
          error: { code: 'GBX_REPLICA_UNAUTHENTICATED', message: 'replica authentication failed' },
        });
      }
      let parsed;
      try {
        parsed = relayRequestSchema.safeParse(JSON.parse(body));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success)
        return reply
          .status(400)
          .send({ error: { code: 'GBX_REQUEST_INVALID', message: 'bad relay request' } });
      const request = parsed.data;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
      let index = 0;
      const write = (answer: Answer) => {
        if (!res.destroyed && !res.writableEnded) res.write(auth.line(ok.nonce, index++, answer));
      };
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      try {
        const session = await c.store.getRequest(request.sessionId);
        if (session?.status !== 'active')
          throw new GloveboxError('GBX_SESSION_NOT_ACTIVE', 'the session is not active');
        const result = await c.hub.call({
          session,
          instance: request.instance,
          action: request.action,
          params: request.params,
          masking: request.masking,
          signal: abort.signal,
          ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}),
          ...(request.stream ? { onStream: (data, seq) => write({ k: 'stream', seq, data }) } : {}),
        });
        write({ k: 'result', result });
      } catch (error) {
        const known = error instanceof GloveboxError;
        write({
          k: 'error',
          code: known ? error.code : 'GBX_INTERNAL',
          message: known ? error.message : 'internal error',
        });
        if (!known) c.log.error({ err: error }, 'relayed call failed');
      }
      res.end();
    });
  });
}

export interface RelayClientConfig {
  self: string;
  auth: () => RelayAuth;
  clock: Clock;
  log: Logger;
  /** How long the sender waits without hearing anything from the other replica. */
  idleTimeoutMs: number;
}

const unavailable = (why: string) =>
  new GloveboxError('GBX_AGENT_UNAVAILABLE', `the agent's replica ${why}; retry to reach it again`);

/** Forwards one call to the replica holding the agent and reads its authenticated answer. */
export async function relayCall(
  c: RelayClientConfig,
  route: AgentRoute,
  options: CallOptions,
): Promise<AgentResult> {
  const auth = c.auth();
  const body = JSON.stringify({
    sessionId: options.session.id,
    instance: options.instance,
    action: options.action,
    params: options.params,
    masking: options.masking,
    stream: options.onStream !== undefined,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const { header, nonce } = auth.sign(c.self, route.replica, c.clock.now(), body);
  const controller = new AbortController();
  const idle = setTimeout(() => controller.abort(), c.idleTimeoutMs);
  const cancel = () => controller.abort();
  options.signal?.addEventListener('abort', cancel);
  try {
    let res: Response;
    try {
      res = await fetch(`${route.url}${RELAY_PATH}`, {
        method: 'POST',
        body,
        headers: { 'content-type': RELAY_TYPE, [RELAY_HEADER]: header },
        signal: controller.signal,
      });
    } catch {
      if (options.signal?.aborted) throw new GloveboxError('GBX_AGENT_REFUSED', 'cancelled');
      throw unavailable('cannot be reached');
    }
    if (res.status !== 200 || !res.body) {
      if (res.status === 401)
        c.log.error({ replica: route.replica }, 'relay refused: do the replicas share the master key?');
      throw unavailable(`refused the relay (HTTP ${res.status})`);
    }
    let index = 0;
    let buffered = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        idle.refresh();
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          const answer = answerSchema.safeParse(auth.open(nonce, index++, line));
          if (!answer.success) {
            c.log.error({ replica: route.replica }, 'relay answer failed authentication');
            throw unavailable('sent an answer that failed authentication');
          }
          const a = answer.data;
          if (a.k === 'stream') options.onStream?.(a.data, a.seq);
          else if (a.k === 'result') return a.result;
          else {
            const code = (a.code in ERROR_CODES ? a.code : 'GBX_AGENT_UNAVAILABLE') as ErrorCode;
            throw new GloveboxError(code, a.message);
          }
        }
      }
    } catch (error) {
      if (error instanceof GloveboxError) throw error;
      if (options.signal?.aborted) throw new GloveboxError('GBX_AGENT_REFUSED', 'cancelled');
      throw unavailable('went away during the call');
    }
    throw unavailable('went away during the call');
  } finally {
    clearTimeout(idle);
    options.signal?.removeEventListener('abort', cancel);
  }
}
