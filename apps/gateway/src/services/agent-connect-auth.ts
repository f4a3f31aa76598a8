import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import { GloveboxError } from '@glovebox/core';
import type { AgentRecord, Store } from '../store/index.js';
import type { CredentialLimiter } from './credential-limits.js';
import { hashBearer } from './secrets.js';

/** What checking an agent's credential on the WebSocket connect needs. */
export interface AgentConnectAuth {
  store: Pick<Store, 'getAgentByCredentialHash'>;
  /** Limits failed credential checks per source, in the store (as bearer tokens', under their own key). */
  limiter: Pick<CredentialLimiter, 'bearer'>;
  /** The client address of a connect request (the socket's peer, or the client a trusted proxy names). */
  clientAddress(req: IncomingMessage): string;
}

/**
 * The client address of a raw request under the server's `trustProxy`, as Fastify gives
 * `request.ip` for the API: the peer, unless it is a trusted proxy naming the client.
 */
export function clientAddressOf(trustProxy: boolean | string[]): (req: IncomingMessage) => string {
  if (trustProxy === false) return (req) => req.socket.remoteAddress ?? '';
  const trust = trustProxy === true ? () => true : proxyAddr.compile(trustProxy);
  return (req) => proxyAddr(req, trust);
}

/**
 * Checks the agent credential of a connect request under the credential limits: a wrong, unknown
 * or revoked credential counts against the source (never against an agent name: the request does
 * not say which agent it is before the check, and counting against a claimed name would let anyone
 * keep that agent from reconnecting); over the limit the credential is not looked at. The agent,
 * or why not: 401, 429, or 503 when the store failed.
 */
export async function authenticateAgentConnect(
  req: IncomingMessage,
  c: AgentConnectAuth,
): Promise<
  | { agent: AgentRecord }
  | { status: 401 | 429; reason: string; remote: string }
  | { status: 503; error: unknown }
> {
  const remote = c.clientAddress(req);
  try {
    return { agent: await c.limiter.bearer(remote, () => credentialOf(req, c.store), 'agent') };
  } catch (error) {
    const code = error instanceof GloveboxError ? error.code : null;
    if (code === 'GBX_RATE_LIMITED') return { status: 429, reason: 'rate limited', remote };
    if (code === 'GBX_AUTH_FAILED') return { status: 401, reason: 'invalid credential', remote };
    return { status: 503, error };
  }
}

async function credentialOf(req: IncomingMessage, store: AgentConnectAuth['store']): Promise<AgentRecord> {
  const match = /^Bearer (gbx_a_[A-Za-z0-9_-]{20,200})$/.exec(req.headers.authorization ?? '');
  const agent = match ? await store.getAgentByCredentialHash(hashBearer(match[1]!)) : null;
  if (!agent || agent.revokedAt !== null)
    throw new GloveboxError('GBX_AUTH_FAILED', 'invalid agent credential');
  return agent;
}
