import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { GloveboxError, newId, type Clock } from '@glovebox/core';
import {
  AGENT_MAX_FRAME_BYTES,
  agentToGatewaySchema,
  signEnvelope,
  signWelcome,
  type AgentHello,
  type AgentResult,
  type EnvelopePayload,
  type GatewayToAgent,
  type SignedEnvelope,
} from '@glovebox/protocol';
import type { Logger } from 'pino';
import type { AccessRequestRecord, AgentRecord, Store } from '../store/index.js';
import { authenticateAgentConnect, type AgentConnectAuth } from './agent-connect-auth.js';
import type { GatewaySigningKey } from './signing-keys.js';
import { welcomed, type CallOptions, type Connection, type LocalInstance } from './agent-connection.js';
import type { SessionListener } from './access.js';

export interface AgentHubConfig extends AgentConnectAuth {
  store: Store;
  clock: Clock;
  /** The envelope signing key every replica shares now (read from the store, followed on rotation). */
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
    type: 'agent.connected' | 'agent.disconnected' | 'agent.rejected' | 'agent.refused_gateway',
    agent: string,
    details: Record<string, unknown>,
  ) => void;
  /** Whether an instance may connect (false: revoked on its own; a throw refuses too). Default: yes. */
  instanceAllowed?: (agent: string, instance: string) => Promise<boolean>;
  /** Told when an instance of an agent said hello here (its hello) and when that connection closed (null). */
  onConnection?: (agent: string, instance: string, hello: AgentHello | null) => void;
}

export type { CallOptions, LocalInstance };

/**
 * Holds the agents' outbound WebSocket connections, signs every action it forwards, and keeps
 * session leases alive on the agents while sessions are active. Every process connecting with an
 * agent's credential is an instance of it, reached by its own connection, envelopes and leases.
 */
export class AgentHub implements SessionListener {
  readonly #c: AgentHubConfig;
  readonly #wss: WebSocketServer;
  /** Every open connection, said hello or not. */
  readonly #open = new Set<Connection>();
  /** Connections that said hello, by agent name then instance id. */
  readonly #connections = new Map<string, Map<string, Connection>>();
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
    for (const c of this.#open) c.socket.close(1001, 'gateway shutting down');
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  /** Instances connected here, all agents together. */
  connectedCount(): number {
    let n = 0;
    for (const m of this.#connections.values()) n += m.size;
    return n;
  }

  /** Whether this replica holds that instance's connection. */
  holds(agentName: string, instance: string): boolean {
    return this.#connections.get(agentName)?.has(instance) === true;
  }

  /** The agent's instances connected here, by instance id. */
  instances(agentName: string): Map<string, LocalInstance> {
    const out = new Map<string, LocalInstance>();
    for (const [id, c] of this.#connections.get(agentName) ?? [])
      if (c.hello) out.set(id, { hello: c.hello, connectedAt: c.connectedAt, lastSeen: c.lastSeen });
    return out;
  }

  #instancesOf(agentName: string): Iterable<Connection> {
    return this.#connections.get(agentName)?.values() ?? [];
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
    const checked = await authenticateAgentConnect(req, this.#c);
    if ('status' in checked) {
      if (checked.status === 503) {
        this.#c.log.error({ err: checked.error }, 'agent authentication failed: store unavailable');
        reject(503, 'Service Unavailable');
        return;
      }
      this.#c.log.warn({ remote: checked.remote }, `agent connection refused: ${checked.reason}`);
      this.#c.onAgentEvent?.('agent.rejected', 'unknown', { reason: checked.reason, remote: checked.remote });
      reject(checked.status, checked.status === 429 ? 'Too Many Requests' : 'Unauthorized');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#attach(checked.agent, ws));
  }

  #attach(agent: AgentRecord, socket: WebSocket): void {
    const now = this.#c.clock.now();
    const conn: Connection = {
      agent,
      socket,
      hello: null,
      channel: `chan_${randomBytes(18).toString('base64url')}`,
      key: null,
      connectedAt: now,
      lastSeen: now,
      calls: new Map(),
    };
    this.#open.add(conn);
    this.#c.log.info({ agent: agent.name }, 'agent connected');
    socket.on('message', (data, isBinary) => this.#onMessage(conn, data, isBinary));
    socket.on('close', (code, reason) => {
      this.#open.delete(conn);
      const instance = conn.hello?.instance.id;
      const same = instance ? this.#connections.get(agent.name) : undefined;
      if (instance && same?.get(instance) === conn) {
        same.delete(instance);
        if (same.size === 0) this.#connections.delete(agent.name);
        this.#c.onConnection?.(agent.name, instance, null);
      }
      this.#failCalls(conn, new GloveboxError('GBX_AGENT_UNAVAILABLE', 'the instance disconnected'));
      this.#c.log.info({ agent: agent.name, instance }, 'agent disconnected');
      if (instance)
        this.#c.onAgentEvent?.('agent.disconnected', agent.name, {
          instance,
          code,
          reason: reason.toString('utf8').slice(0, 123),
        });
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
      case 'hello':
        void this.#welcome(conn, msg);
        return;
      case 'heartbeat':
        return;
      case 'refusal':
        this.#c.log.warn({ agent: conn.agent.name, code: msg.code }, 'the agent refused the gateway');
        this.#c.onAgentEvent?.('agent.refused_gateway', conn.agent.name, {
          code: msg.code,
          reason: msg.message,
          ...(msg.callId ? { callId: msg.callId } : {}),
        });
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
      default:
        return msg satisfies never;
    }
  }

  /**
   * Answers the one hello of a connection with the one welcome, signed over the agent's nonce. An
   * instance revoked on its own is refused (its siblings keep the credential); fails closed.
   */
  async #welcome(conn: Connection, hello: AgentHello): Promise<void> {
    const allowed = this.#c.instanceAllowed ?? (() => Promise.resolve(true));
    if (!(await allowed(conn.agent.name, hello.instance.id).catch(() => false))) {
      this.#c.onAgentEvent?.('agent.rejected', conn.agent.name, {
        reason: 'instance revoked',
        instance: hello.instance.id,
      });
      return void conn.socket.close(4003, 'instance revoked');
    }
    if (conn.hello) {
      this.#c.onAgentEvent?.('agent.rejected', conn.agent.name, { reason: 'a second hello' });
      conn.socket.close(4002, 'a second hello');
      return;
    }
    const key = this.#c.key();
    conn.key = key;
    this.#admit(conn, hello);
    this.#send(conn, {
      type: 'welcome',
      key: key.publicKeyPem,
      rotations: key.rotations,
      welcome: signWelcome(key, {
        agentName: conn.agent.name,
        nonce: hello.nonce,
        channel: conn.channel,
        serverTime: this.#c.clock.now(),
        heartbeatIntervalMs: this.#c.heartbeatIntervalMs,
      }),
    });
    this.#c.onConnection?.(conn.agent.name, hello.instance.id, hello);
    void this.#resumeLeases(conn);
  }

  /**
   * The shared key rotated: connections welcomed under the old key are closed, so their agents
   * reconnect and are welcomed under the new one (its rotation signed by the old).
   */
  rekey(): void {
    const current = this.#c.key().keyId;
    for (const conn of this.#open)
      if (conn.key && conn.key.keyId !== current) conn.socket.close(4003, 'the gateway signing key rotated');
  }

  /** A hello names the instance: a reconnection of the same process replaces its older connection. */
  #admit(conn: Connection, hello: AgentHello): void {
    conn.hello = hello;
    const name = conn.agent.name;
    const instances = this.#connections.get(name) ?? new Map<string, Connection>();
    this.#connections.set(name, instances);
    const previous = instances.get(hello.instance.id);
    instances.set(hello.instance.id, conn);
    if (previous) {
      this.#failCalls(previous, new GloveboxError('GBX_AGENT_UNAVAILABLE', 'the instance reconnected'));
      previous.socket.close(4000, 'replaced by a newer connection');
    }
    const { id, version } = hello.instance;
    const { hostname, pid } = hello.runtime;
    this.#c.onAgentEvent?.('agent.connected', name, { instance: id, host: hostname, pid, version });
  }

  /**
   * An agent that (re)connected here may hold sessions another replica activated or renewed: the
   * store says which are active, and only those are leased on the new connection. A session this
   * replica still leases but the store no longer holds active ended elsewhere before this replica
   * heard of it: it is revoked rather than leased to a process that cannot know (a restarted one).
   */
  async #resumeLeases(conn: Connection): Promise<void> {
    const before = new Map(this.#leases);
    let active: AccessRequestRecord[];
    try {
      active = (await this.#c.store.listLiveRequests()).filter(
        (s) => s.status === 'active' && s.target === conn.agent.name,
      );
    } catch (error) {
      this.#c.log.warn({ err: error, agent: conn.agent.name }, 'active sessions not re-read');
      return;
    }
    const live = new Set(active.map((s) => s.id));
    for (const [id, s] of before)
      if (s.target === conn.agent.name && !live.has(id) && this.#leases.get(id) === s) this.sessionEnded(s);
    for (const s of active) this.#leases.set(s.id, s);
    if (!conn.hello || this.#connections.get(conn.agent.name)?.get(conn.hello.instance.id) !== conn) return;
    for (const s of active) this.#sendLease(conn, s);
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

  /**
   * An agent's registration changed: every connection made with a credential that is now revoked
   * or replaced, or of an instance revoked on its own (its sessions revoked first), is closed at once
   * (its calls fail); the agent must reconnect with its current one.
   */
  recheckCredential(agent: AgentRecord, revoked: ReadonlySet<string> = new Set()): void {
    for (const conn of [...this.#open]) {
      if (conn.agent.name !== agent.name) continue;
      const current =
        agent.revokedAt === null &&
        agent.id === conn.agent.id &&
        agent.credentialHash === conn.agent.credentialHash &&
        !revoked.has(conn.hello?.instance.id ?? '');
      if (current) continue;
      for (const s of this.#leases.values())
        if (s.target === agent.name) this.#sendControl(conn, 'revoke', s);
      this.#c.log.warn({ agent: agent.name }, 'agent credential revoked or replaced; closing its connection');
      this.#failCalls(
        conn,
        new GloveboxError('GBX_AGENT_UNAVAILABLE', 'the agent credential was revoked or replaced'),
      );
      conn.socket.close(4003, 'credential revoked or replaced');
    }
  }

  /** Closes this replica's connection of an instance that is now connected elsewhere. */
  drop(agentName: string, instance: string, why: string): void {
    const conn = this.#connections.get(agentName)?.get(instance);
    if (!conn) return;
    this.#c.log.info({ agent: agentName, instance }, why);
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

  /** Signs an envelope for one connection: its key, its channel, its instance, a fresh id. */
  #sign(
    conn: Connection & { key: GatewaySigningKey; hello: AgentHello },
    fields: Pick<EnvelopePayload, 'sessionId' | 'action' | 'params' | 'masking' | 'leaseExpiresAt'>,
    callId = newId(fields.action),
  ): SignedEnvelope {
    const now = this.#c.clock.now();
    return signEnvelope(conn.key, {
      callId,
      audience: conn.agent.name,
      channel: conn.channel,
      target: conn.agent.name,
      instance: conn.hello.instance.id,
      issuedAt: now,
      expiresAt: now + this.#c.envelopeTtlMs,
      ...fields,
    });
  }

  #sendLease(conn: Connection, s: AccessRequestRecord): void {
    if (!welcomed(conn)) return;
    const fields = { sessionId: s.id, action: 'lease', params: {}, masking: s.obligations.masking };
    const envelope = this.#sign(conn, { ...fields, leaseExpiresAt: this.#leaseExpiry(s) });
    this.#send(conn, { type: 'lease', envelope });
  }

  /** A revoke or a cancel, signed and bound to the connection like every envelope. */
  #sendControl(
    conn: Connection,
    type: 'revoke' | 'cancel',
    session: AccessRequestRecord,
    callId?: string,
  ): void {
    if (!welcomed(conn)) return;
    const params = callId ? { callId } : {};
    const masking = session.obligations.masking;
    const envelope = this.#sign(conn, {
      sessionId: session.id,
      action: type,
      params,
      masking,
      leaseExpiresAt: 0,
    });
    this.#send(conn, { type, envelope });
  }

  #tick(): void {
    const now = this.#c.clock.now();
    for (const conn of this.#open) {
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
      for (const conn of this.#instancesOf(s.target)) this.#sendLease(conn, s);
    }
  }

  /** Every instance of the target holds its own lease, renewed on its own connection. */
  sessionActivated(session: AccessRequestRecord): void {
    this.#leases.set(session.id, session);
    for (const conn of this.#instancesOf(session.target)) this.#sendLease(conn, session);
  }

  /** Revokes the session on every instance connected here and fails their calls for it. */
  sessionEnded(session: AccessRequestRecord): void {
    this.#leases.delete(session.id);
    for (const conn of this.#instancesOf(session.target)) {
      this.#sendControl(conn, 'revoke', session);
      for (const [id, call] of conn.calls) {
        if (call.sessionId !== session.id) continue;
        clearTimeout(call.timer);
        call.reject(new GloveboxError('GBX_SESSION_NOT_ACTIVE', 'the session ended'));
        conn.calls.delete(id);
      }
    }
  }

  /** Signs and forwards one authorized action to one instance; resolves with its result. */
  call(options: CallOptions): Promise<AgentResult> {
    const { session, instance } = options;
    const conn = this.#connections.get(session.target)?.get(instance);
    const gone = `instance ${instance} of "${session.target}" is not connected`;
    if (!conn?.key) return Promise.reject(new GloveboxError('GBX_AGENT_UNAVAILABLE', gone));
    const callId = newId('call');
    this.#leases.set(session.id, session);
    const envelope = this.#sign(
      conn as Connection & { key: GatewaySigningKey; hello: AgentHello },
      {
        sessionId: session.id,
        action: options.action,
        params: options.params,
        masking: options.masking,
        leaseExpiresAt: this.#leaseExpiry(session),
      },
      callId,
    );
    return new Promise<AgentResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.calls.delete(callId);
        this.#sendControl(conn, 'cancel', session, callId);
        reject(new GloveboxError('GBX_AGENT_TIMEOUT', 'the agent did not answer in time'));
      }, options.timeoutMs ?? this.#c.callTimeoutMs);
      conn.calls.set(callId, { resolve, reject, onStream: options.onStream, timer, sessionId: session.id });
      options.signal?.addEventListener('abort', () => {
        if (!conn.calls.delete(callId)) return;
        clearTimeout(timer);
        this.#sendControl(conn, 'cancel', session, callId);
        reject(new GloveboxError('GBX_AGENT_REFUSED', 'cancelled'));
      });
      this.#send(conn, { type: 'call', envelope });
    });
  }
}
