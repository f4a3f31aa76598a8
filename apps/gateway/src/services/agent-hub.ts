import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { GloveboxError, newId, type Clock } from '@glovebox/core';
import {
  AGENT_MAX_FRAME_BYTES,
  agentToGatewaySchema,
  signEnvelope,
  type AgentHello,
  type AgentResult,
  type GatewayToAgent,
  type MaskingLevel,
} from '@glovebox/protocol';
import type { Logger } from 'pino';
import type { AccessRequestRecord, AgentRecord, Store } from '../store/index.js';
import { hashBearer } from './secrets.js';
import type { GatewaySigningKey } from './signing-keys.js';
import type { SessionListener } from './access.js';

export interface AgentHubConfig {
  store: Store;
  clock: Clock;
  /** The envelope signing key every replica shares (read from the store at start). */
  key: () => GatewaySigningKey;
  log: Logger;
  /** How long a signed envelope stays valid. */
  envelopeTtlMs: number;
  /** Lease window: an agent ends a session on its own if not renewed within this. */
  leaseWindowMs: number;
  heartbeatIntervalMs: number;
  /** An agent silent for this long is considered gone. */
  agentTimeoutMs: number;
  callTimeoutMs: number;
  /** Told about connections, disconnections and refusals, for the audit trail. Must not throw. */
  onAgentEvent?: (
    type: 'agent.connected' | 'agent.disconnected' | 'agent.rejected',
    agent: string,
    details: Record<string, unknown>,
  ) => void;
  /** Told when an agent said hello here (its hello) and when that connection closed (null). */
  onConnection?: (agent: string, hello: AgentHello | null) => void;
}

interface PendingCall {
  resolve: (r: AgentResult) => void;
  reject: (e: Error) => void;
  onStream: ((data: unknown, seq: number) => void) | undefined;
  timer: NodeJS.Timeout;
  sessionId: string;
}

interface Connection {
  agent: AgentRecord;
  socket: WebSocket;
  hello: AgentHello | null;
  connectedAt: number;
  lastSeen: number;
  calls: Map<string, PendingCall>;
}

export interface CallOptions {
  session: AccessRequestRecord;
  action: string;
  params: unknown;
  masking: MaskingLevel;
  timeoutMs?: number;
  onStream?: (data: unknown, seq: number) => void;
  signal?: AbortSignal;
}

/**
 * Holds the agents' outbound WebSocket connections, signs every action it forwards, and keeps
 * session leases alive on the agents while sessions are active.
 */
export class AgentHub implements SessionListener {
  readonly #c: AgentHubConfig;
  readonly #wss: WebSocketServer;
  readonly #connections = new Map<string, Connection>();
  readonly #leases = new Map<string, AccessRequestRecord>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(config: AgentHubConfig) {
    this.#c = config;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: AGENT_MAX_FRAME_BYTES });
  }

  start(activeSessions: AccessRequestRecord[]): void {
    for (const s of activeSessions) if (s.status === 'active') this.#leases.set(s.id, s);
    this.#timer = setInterval(
      () => this.#tick(),
      Math.min(this.#c.heartbeatIntervalMs, this.#c.leaseWindowMs / 3),
    );
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const c of this.#connections.values()) c.socket.close(1001, 'gateway shutting down');
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  connectedCount(): number {
    let n = 0;
    for (const c of this.#connections.values()) if (c.hello) n++;
    return n;
  }

  isConnected(agentName: string): boolean {
    return this.#connections.get(agentName)?.hello != null;
  }

  connectionInfo(
    agentName: string,
  ): { connectedAt: number; lastSeen: number; hello: AgentHello | null } | null {
    const c = this.#connections.get(agentName);
    return c ? { connectedAt: c.connectedAt, lastSeen: c.lastSeen, hello: c.hello } : null;
  }

  /** Handles an HTTP upgrade on the agent endpoint: authenticates the agent credential first. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (this.#closed) {
      // an agent reconnecting while this replica shuts down goes to another one
      reject(503, 'Service Unavailable');
      return;
    }
    const auth = req.headers.authorization ?? '';
    const match = /^Bearer (gbx_a_[A-Za-z0-9_-]{20,200})$/.exec(auth);
    let agent: AgentRecord | null = null;
    try {
      agent = match ? await this.#c.store.getAgentByCredentialHash(hashBearer(match[1]!)) : null;
    } catch (error) {
      this.#c.log.error({ err: error }, 'agent authentication failed: store unavailable');
      reject(503, 'Service Unavailable');
      return;
    }
    if (!agent || agent.revokedAt !== null) {
      this.#c.log.warn({ remote: req.socket.remoteAddress }, 'agent connection refused: invalid credential');
      this.#c.onAgentEvent?.('agent.rejected', agent?.name ?? 'unknown', {
        reason: 'invalid credential',
        remote: req.socket.remoteAddress ?? null,
      });
      reject(401, 'Unauthorized');
      return;
    }
    const known = agent;
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#attach(known, ws));
  }

  #attach(agent: AgentRecord, socket: WebSocket): void {
    const previous = this.#connections.get(agent.name);
    if (previous) {
      this.#failCalls(previous, new GloveboxError('GBX_AGENT_UNAVAILABLE', 'the agent reconnected'));
      previous.socket.close(4000, 'replaced by a newer connection');
    }
    const now = this.#c.clock.now();
    const conn: Connection = {
      agent,
      socket,
      hello: null,
      connectedAt: now,
      lastSeen: now,
      calls: new Map(),
    };
    this.#connections.set(agent.name, conn);
    this.#c.log.info({ agent: agent.name }, 'agent connected');
    this.#c.onAgentEvent?.('agent.connected', agent.name, {});
    socket.on('message', (data, isBinary) => this.#onMessage(conn, data, isBinary));
    socket.on('close', () => {
      if (this.#connections.get(agent.name) === conn) {
        this.#connections.delete(agent.name);
        if (conn.hello) this.#c.onConnection?.(agent.name, null);
      }
      this.#failCalls(conn, new GloveboxError('GBX_AGENT_UNAVAILABLE', 'the agent disconnected'));
      this.#c.log.info({ agent: agent.name }, 'agent disconnected');
      this.#c.onAgentEvent?.('agent.disconnected', agent.name, {});
    });
    socket.on('error', () => socket.terminate());
  }

  #send(conn: Connection, message: GatewayToAgent): void {
    conn.socket.send(JSON.stringify(message));
  }

  #onMessage(conn: Connection, data: unknown, isBinary: boolean): void {
    conn.lastSeen = this.#c.clock.now();
    let parsed;
    try {
      if (isBinary) throw new Error('binary frame');
      parsed = agentToGatewaySchema.safeParse(JSON.parse(String(data)));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      this.#c.log.warn({ agent: conn.agent.name }, 'malformed agent message; closing the connection');
      this.#c.onAgentEvent?.('agent.rejected', conn.agent.name, { reason: 'malformed message' });
      conn.socket.close(4002, 'malformed message');
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'hello': {
        conn.hello = msg;
        const key = this.#c.key();
        this.#send(conn, {
          type: 'welcome',
          agentName: conn.agent.name,
          signingKeys: [{ keyId: key.keyId, publicKeyPem: key.publicKeyPem }],
          serverTime: this.#c.clock.now(),
          heartbeatIntervalMs: this.#c.heartbeatIntervalMs,
        });
        this.#c.onConnection?.(conn.agent.name, msg);
        void this.#resumeLeases(conn);
        return;
      }
      case 'heartbeat':
        return;
      case 'result': {
        const call = conn.calls.get(msg.callId);
        if (!call) return;
        conn.calls.delete(msg.callId);
        clearTimeout(call.timer);
        call.resolve(msg);
        return;
      }
      case 'stream': {
        const call = conn.calls.get(msg.callId);
        if (!call) return;
        call.timer.refresh();
        try {
          call.onStream?.(msg.data, msg.seq);
        } catch (error) {
          this.#c.log.error({ err: error }, 'stream consumer failed');
        }
        return;
      }
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  /**
   * An agent that (re)connected here may hold sessions another replica activated or renewed: the
   * store says which are active, and their leases continue from here.
   */
  async #resumeLeases(conn: Connection): Promise<void> {
    try {
      for (const s of await this.#c.store.listLiveRequests())
        if (s.status === 'active' && s.target === conn.agent.name) this.#leases.set(s.id, s);
    } catch (error) {
      this.#c.log.warn({ err: error, agent: conn.agent.name }, 'active sessions not re-read');
    }
    if (this.#connections.get(conn.agent.name) !== conn) return;
    for (const s of this.#leases.values()) if (s.target === conn.agent.name) this.#sendLease(conn, s);
  }

  /** A session's state as another replica left it: renew its lease, or revoke it on the agent. */
  refreshSession(session: AccessRequestRecord): void {
    if (session.status === 'active') this.sessionActivated(session);
    else this.sessionEnded(session);
  }

  /** Sessions this hub renews leases for. */
  leasedSessions(): string[] {
    return [...this.#leases.keys()];
  }

  /** Closes this replica's connection of an agent that is now connected elsewhere. */
  drop(agentName: string, why: string): void {
    const conn = this.#connections.get(agentName);
    if (!conn) return;
    this.#c.log.info({ agent: agentName }, why);
    conn.socket.close(4001, 'connected to another replica');
  }

  #failCalls(conn: Connection, error: Error): void {
    for (const [id, call] of conn.calls) {
      clearTimeout(call.timer);
      call.reject(error);
      conn.calls.delete(id);
    }
  }

  #leaseExpiry(s: AccessRequestRecord): number {
    return Math.min(s.expiresAt ?? 0, this.#c.clock.now() + this.#c.leaseWindowMs);
  }

  #sendLease(conn: Connection, s: AccessRequestRecord): void {
    if (!conn.hello) return;
    const now = this.#c.clock.now();
    const envelope = signEnvelope(this.#c.key(), {
      callId: newId('lease'),
      sessionId: s.id,
      audience: conn.agent.name,
      target: conn.agent.name,
      action: 'lease',
      params: {},
      masking: s.obligations.masking,
      leaseExpiresAt: this.#leaseExpiry(s),
      issuedAt: now,
      expiresAt: now + this.#c.envelopeTtlMs,
    });
    this.#send(conn, { type: 'lease', envelope });
  }

  #tick(): void {
    const now = this.#c.clock.now();
    for (const conn of this.#connections.values()) {
      if (now - conn.lastSeen > this.#c.agentTimeoutMs) {
        this.#c.log.warn({ agent: conn.agent.name }, 'agent timed out');
        conn.socket.terminate();
      }
    }
    for (const s of this.#leases.values()) {
      if ((s.expiresAt ?? 0) <= now) {
        this.#leases.delete(s.id);
        continue;
      }
      const conn = this.#connections.get(s.target);
      if (conn) this.#sendLease(conn, s);
    }
  }

  sessionActivated(session: AccessRequestRecord): void {
    this.#leases.set(session.id, session);
    const conn = this.#connections.get(session.target);
    if (conn) this.#sendLease(conn, session);
  }

  sessionEnded(session: AccessRequestRecord): void {
    this.#leases.delete(session.id);
    const conn = this.#connections.get(session.target);
    if (!conn) return;
    this.#send(conn, { type: 'revoke', sessionId: session.id });
    for (const [id, call] of conn.calls) {
      if (call.sessionId !== session.id) continue;
      clearTimeout(call.timer);
      call.reject(new GloveboxError('GBX_SESSION_NOT_ACTIVE', 'the session ended'));
      conn.calls.delete(id);
    }
  }

  /** Signs and forwards one authorized action; resolves with the agent's result. */
  call(options: CallOptions): Promise<AgentResult> {
    const { session } = options;
    const conn = this.#connections.get(session.target);
    if (!conn?.hello) {
      return Promise.reject(
        new GloveboxError('GBX_AGENT_UNAVAILABLE', `the agent for "${session.target}" is not connected`),
      );
    }
    const now = this.#c.clock.now();
    const callId = newId('call');
    this.#leases.set(session.id, session);
    const envelope = signEnvelope(this.#c.key(), {
      callId,
      sessionId: session.id,
      audience: conn.agent.name,
      target: conn.agent.name,
      action: options.action,
      params: options.params,
      masking: options.masking,
      leaseExpiresAt: this.#leaseExpiry(session),
      issuedAt: now,
      expiresAt: now + this.#c.envelopeTtlMs,
    });
    return new Promise<AgentResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.calls.delete(callId);
        this.#send(conn, { type: 'cancel', callId });
        reject(new GloveboxError('GBX_AGENT_TIMEOUT', 'the agent did not answer in time'));
      }, options.timeoutMs ?? this.#c.callTimeoutMs);
      conn.calls.set(callId, { resolve, reject, onStream: options.onStream, timer, sessionId: session.id });
      options.signal?.addEventListener('abort', () => {
        if (!conn.calls.delete(callId)) return;
        clearTimeout(timer);
        this.#send(conn, { type: 'cancel', callId });
        reject(new GloveboxError('GBX_AGENT_REFUSED', 'cancelled'));
      });
      this.#send(conn, { type: 'call', envelope });
    });
  }
}
