import { randomBytes, type KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import WebSocket from 'ws';
import { GloveboxError, isGloveboxError, systemClock, type Clock } from '@glovebox/core';
import {
  AGENT_MAX_FRAME_BYTES,
  AGENT_PROTOCOL_VERSION,
  CONTROL_ACTIONS,
  keyIdOf,
  verifyEnvelope,
  verifyWelcome,
  type AgentToGateway,
  type EnvelopePayload,
  type GatewayWelcome,
  type SignedEnvelope,
} from '@glovebox/protocol';
import type { ActionContext, ActionHandler, ActionModule } from './action.js';
import { gatewayKeyPins, gatewayUrls } from './gateway-config.js';
import { callIdOf, readGatewayMessage } from './gateway-message.js';
import { NonceCache } from './nonce-cache.js';

export interface AgentRuntimeOptions {
  /**
   * Gateway base URL, e.g. `https://glovebox.example.com` (one load-balanced URL), or several
   * replicas' URLs separated by commas: each reconnection tries the next one.
   */
  url: string;
  /** The agent credential printed by `glovebox agents register`. */
  token: string;
  /**
   * Fingerprints (`sha256:<hex>`) of the gateway keys this agent trusts, as `glovebox agents
   * register` printed them: a welcome whose key is not one of them (or reached from one by a signed
   * rotation) is refused.
   */
  gatewayKeys: string[];
  modules: ActionModule[];
  /** Local target name; `default` is served under the agent's registered name. */
  targetName?: string;
  clock?: Clock;
  /** Diagnostics sink; never receives secrets. Default: stderr with a prefix. */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** How long the agent keeps sessions alive without any gateway contact. */
  gatewayGraceMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Calls running at once; more are refused. */
  maxConcurrentCalls?: number;
  version?: string;
  /** The service's own version (release, image tag), shown with this instance. */
  serviceVersion?: string;
  /** Allow-listed commands announced to the gateway (names and classes), for policy context. */
  commands?: { name: string; class: string }[];
  /**
   * Why this process must not be served now (e.g. its inspector is exposed), asked before every call
   * and lease: while it answers an error, every session ends and every call is refused with it.
   */
  refusal?: () => GloveboxError | undefined;
}

interface Lease {
  expiresAt: number;
  calls: Set<AbortController>;
}

/**
 * The agent's connection to the gateway: outbound WebSocket, authenticates with its credential,
 * verifies every envelope (signature, audience, target, time, single use, digest), keeps session
 * leases and ends everything a session created when it ends, lapses, or the gateway is gone.
 */
export class AgentRuntime {
  readonly #o: Required<
    Omit<AgentRuntimeOptions, 'targetName' | 'version' | 'commands' | 'serviceVersion' | 'refusal'>
  > & {
    targetName: string;
    version: string;
    commands: { name: string; class: string }[];
  };
  /** This process among all connected with the same credential; chosen once, kept across reconnections. */
  readonly #instance: { id: string; startedAt: number; version: string | null };
  readonly #handlers = new Map<string, ActionHandler>();
  readonly #nonces = new NonceCache();
  readonly #leases = new Map<string, Lease>();
  /** Sessions revoked by the gateway; a later envelope cannot revive them. */
  readonly #revoked = new Set<string>();
  readonly #calls = new Map<string, AbortController>();
  #socket: WebSocket | undefined;
  /** The key of the current connection's welcome, by key id; empty until it arrived. */
  #keys = new Map<string, KeyObject>();
  /** The channel the current connection's welcome named; envelopes must name it. */
  #channel: string | undefined;
  /** The nonce of the current connection's hello. */
  #nonce = '';
  /** Gateway keys seen rotated away from: never trusted again by this process. */
  readonly #retired = new Set<string>();
  readonly #pins: string[];
  readonly #refusal: () => GloveboxError | undefined;
  #agentName: string | undefined;
  #stopped = false;
  #attempt = 0;
  #lastContact = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #onWelcome: ((name: string) => void) | undefined;
  readonly #urls: string[];
  /** Which URL the next connection tries. */
  #next = 0;

  constructor(options: AgentRuntimeOptions) {
    this.#urls = gatewayUrls(options.url);
    this.#refusal = options.refusal ?? (() => undefined);
    this.#pins = gatewayKeyPins(options.gatewayKeys.join(','));
    this.#o = {
      clock: systemClock,
      log: (level, message) => process.stderr.write(`[glovebox-agent] ${level}: ${message}\n`),
      gatewayGraceMs: 60_000,
      reconnectMinMs: 500,
      reconnectMaxMs: 30_000,
      maxConcurrentCalls: 16,
      targetName: 'default',
      version: '0.1.0',
      commands: [],
      ...options,
    };
    this.#instance = {
      id: `inst_${randomBytes(9).toString('base64url')}`,
      startedAt: Math.round(this.#o.clock.now() - process.uptime() * 1000),
      version: options.serviceVersion?.slice(0, 64) ?? null,
    };
    for (const m of options.modules) {
      for (const [name, handler] of Object.entries(m.actions)) {
        if (this.#handlers.has(name)) throw new TypeError(`two modules handle "${name}"`);
        this.#handlers.set(name, handler);
      }
    }
  }

  /** The name the gateway registered this agent under, once connected. */
  get agentName(): string | undefined {
    return this.#agentName;
  }

  /** This process's instance id, as the gateway lists it. */
  get instanceId(): string {
    return this.#instance.id;
  }

  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN && this.#channel !== undefined;
  }

  /** Sessions this agent currently holds a lease for. */
  activeSessions(): string[] {
    return [...this.#leases.keys()];
  }

  /** Connects (and keeps reconnecting); resolves once the first welcome arrives. */
  start(): Promise<string> {
    // Timers stay referenced: in the in-process agent the worker thread itself is unref'd, so this
    // keeps only the worker alive (reconnecting), never the application.
    this.#watchdog = setInterval(() => this.#enforceLeases(), 250);
    const welcomed = new Promise<string>((resolve) => {
      this.#onWelcome = resolve;
    });
    this.#connect();
    return welcomed;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#watchdog);
    clearInterval(this.#heartbeat);
    clearTimeout(this.#reconnectTimer);
    this.#socket?.close(1000, 'agent stopping');
    for (const id of [...this.#leases.keys()]) await this.#endSession(id, 'agent stopping');
    await Promise.allSettled(this.#o.modules.map((m) => m.close()));
  }

  #wsUrl(): string {
    const base = this.#urls[this.#next++ % this.#urls.length]!.replace(/\/+$/, '').replace(/^http/, 'ws');
    // ws:// only where gatewayUrls allowed http:// (this machine)
    return `${base}/api/v1/agent/connect`;
  }

  #connect(): void {
    if (this.#stopped) return;
    const socket = new WebSocket(this.#wsUrl(), {
      headers: { authorization: `Bearer ${this.#o.token}` },
      maxPayload: AGENT_MAX_FRAME_BYTES,
      handshakeTimeout: 10_000,
    });
    this.#socket = socket;
    socket.on('open', () => {
      this.#attempt = 0;
      this.#lastContact = this.#o.clock.now();
      this.#keys = new Map();
      this.#channel = undefined;
      this.#nonce = randomBytes(24).toString('base64url');
      this.#send({
        type: 'hello',
        protocol: AGENT_PROTOCOL_VERSION,
        agentVersion: this.#o.version,
        nonce: this.#nonce,
        runtime: { node: process.versions.node, pid: process.pid, hostname: hostname().slice(0, 255) },
        instance: this.#instance,
        targets: [
          {
            name: this.#o.targetName,
            actions: [...this.#handlers.keys()].sort(),
            ...(this.#o.commands.length ? { commands: this.#o.commands } : {}),
          },
        ],
      });
      clearInterval(this.#heartbeat);
      this.#heartbeat = setInterval(
        () => this.#send({ type: 'heartbeat', time: this.#o.clock.now() }),
        10_000,
      );
    });
    socket.on('message', (data, isBinary) => {
      this.#lastContact = this.#o.clock.now();
      if (isBinary) return;
      void this.#onMessage((data as Buffer).toString('utf8'));
    });
    socket.on('unexpected-response', (_req, res) => {
      const fatal = res.statusCode === 401 || res.statusCode === 403;
      this.#o.log(
        fatal ? 'error' : 'warn',
        `gateway refused the connection (HTTP ${res.statusCode})${fatal ? ': check GLOVEBOX_AGENT_TOKEN' : ''}`,
      );
      socket.terminate();
    });
    socket.on('error', (error) => this.#o.log('warn', `gateway connection error: ${error.message}`));
    socket.on('close', () => {
      clearInterval(this.#heartbeat);
      if (this.#socket === socket) {
        this.#socket = undefined;
        this.#keys = new Map();
        this.#channel = undefined;
      }
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    const base = Math.min(this.#o.reconnectMaxMs, this.#o.reconnectMinMs * 2 ** Math.min(this.#attempt, 16));
    this.#attempt++;
    const delay = base / 2 + Math.random() * (base / 2);
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  #send(message: AgentToGateway): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  /** Waits while the socket holds more than 8 MiB not yet sent (or until the call ends). */
  async #drained(signal: AbortSignal): Promise<void> {
    while (
      !signal.aborted &&
      this.#socket?.readyState === WebSocket.OPEN &&
      this.#socket.bufferedAmount > 8 * 1024 * 1024
    )
      await new Promise((resolve) => setTimeout(resolve, 10));
  }

  #verify(envelope: SignedEnvelope): { ok: true; payload: EnvelopePayload } | { ok: false; reason: string } {
    if (!this.#agentName || !this.#channel) return { ok: false, reason: 'not-welcomed' };
    const now = this.#o.clock.now();
    return verifyEnvelope(envelope, {
      keys: this.#keys,
      audience: this.#agentName,
      channel: this.#channel,
      targets: new Set([this.#agentName]),
      instance: this.#instance.id,
      now,
      claimNonce: (id, until) => this.#nonces.claim(id, until, now),
    });
  }

  async #onMessage(text: string): Promise<void> {
    const read = readGatewayMessage(text);
    if (!read.ok) {
      const what = read.claimed ? `"${read.claimed}" ` : '';
      this.#o.log('warn', `refused a malformed or unsigned ${what}message from the gateway end`);
      this.#report('GBX_ENVELOPE_INVALID', `refused a malformed or unsigned ${what}message`);
      return;
    }
    const msg = read.message;
    switch (msg.type) {
      case 'welcome':
        this.#onWelcomeMessage(msg);
        return;
      case 'lease': {
        const p = this.#control('lease', msg.envelope);
        if (p) this.#extendLease(p);
        return;
      }
      case 'revoke': {
        const p = this.#control('revoke', msg.envelope);
        if (!p) return;
        await this.#endSession(p.sessionId, 'revoked by the gateway');
        this.#revoked.add(p.sessionId);
        if (this.#revoked.size > 10_000) this.#revoked.delete(this.#revoked.values().next().value!);
        return;
      }
      case 'cancel': {
        const p = this.#control('cancel', msg.envelope);
        const callId = (p?.params as { callId?: unknown } | undefined)?.callId;
        const call = typeof callId === 'string' ? this.#calls.get(callId) : undefined;
        // only a call of the session the cancel names
        if (p && call && this.#leases.get(p.sessionId)?.calls.has(call))
          call.abort(new GloveboxError('GBX_AGENT_REFUSED', 'cancelled by the gateway'));
        return;
      }
      case 'call':
        await this.#onCall(msg.envelope);
        return;
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  /**
   * Verifies a control message's envelope (lease, revoke, cancel) like a call's and checks it is the
   * action its message says; refuses (logged, told to the gateway end for its audit) anything else.
   */
  #control(action: 'lease' | 'revoke' | 'cancel', envelope: SignedEnvelope): EnvelopePayload | undefined {
    const checked = this.#verify(envelope);
    if (checked.ok && checked.payload.action === action) return checked.payload;
    const reason = checked.ok ? 'wrong action' : checked.reason;
    this.#o.log('warn', `refused a ${action} envelope (${reason})`);
    this.#report('GBX_ENVELOPE_INVALID', `${action} refused: ${reason}`, callIdOf(envelope));
    return undefined;
  }

  /**
   * Trusts the first welcome of a connection when its key is pinned (or reached from a pinned key
   * through signed rotations) and it is signed over this connection's nonce; refuses any other and
   * any second one, and then leaves the connection.
   */
  #onWelcomeMessage(msg: GatewayWelcome): void {
    const socket = this.#socket;
    const refuse = (why: string) => {
      this.#o.log(
        'error',
        `GBX_AGENT_GATEWAY_UNTRUSTED: refused the gateway (${why}); check GLOVEBOX_GATEWAY_KEYS`,
      );
      this.#report('GBX_AGENT_GATEWAY_UNTRUSTED', why);
      this.#keys = new Map();
      this.#channel = undefined;
      socket?.close(4010, `GBX_AGENT_GATEWAY_UNTRUSTED: ${why}`);
    };
    if (this.#channel !== undefined) return refuse('a second welcome on one connection');
    const checked = verifyWelcome(msg, { pins: this.#pins, retired: this.#retired, nonce: this.#nonce });
    if (!checked.ok) return refuse(`welcome refused: ${checked.reason}`);
    for (const old of checked.superseded) this.#retired.add(old);
    this.#keys = new Map([[keyIdOf(checked.key), checked.key]]);
    this.#channel = checked.payload.channel;
    this.#agentName = checked.payload.agentName;
    this.#o.log('info', `connected to the gateway as "${this.#agentName}" (key ${checked.fingerprint})`);
    this.#onWelcome?.(this.#agentName);
  }

  /** Tells the gateway end what was refused, for its audit trail. */
  #report(code: string, message: string, callId?: string): void {
    this.#send({ type: 'refusal', code, message: message.slice(0, 500), ...(callId ? { callId } : {}) });
  }

  #extendLease(p: EnvelopePayload): boolean {
    if (this.#revoked.has(p.sessionId) || this.#refusal()) return false;
    const now = this.#o.clock.now();
    if (p.leaseExpiresAt <= now) return false;
    const lease = this.#leases.get(p.sessionId);
    if (lease) lease.expiresAt = Math.max(lease.expiresAt, p.leaseExpiresAt);
    else this.#leases.set(p.sessionId, { expiresAt: p.leaseExpiresAt, calls: new Set() });
    return true;
  }

  async #onCall(envelope: SignedEnvelope): Promise<void> {
    const checked = this.#verify(envelope);
    const unverifiedCallId = callIdOf(envelope);
    const refuse = (code: string, message: string) =>
      this.#send({ type: 'result', callId: unverifiedCallId, ok: false, error: { code, message } });
    if (!checked.ok) {
      this.#o.log('warn', `refused an envelope: ${checked.reason}`);
      refuse('GBX_ENVELOPE_INVALID', `envelope refused: ${checked.reason}`);
      this.#report('GBX_ENVELOPE_INVALID', `envelope refused: ${checked.reason}`, unverifiedCallId);
      return;
    }
    const p = checked.payload;
    if (CONTROL_ACTIONS.has(p.action)) {
      refuse('GBX_ENVELOPE_INVALID', 'envelope refused: a control message sent as a call');
      this.#report('GBX_ENVELOPE_INVALID', 'envelope refused: wrong action', p.callId);
      return;
    }
    const refusal = this.#refusal();
    if (refusal) {
      refuse(refusal.code, refusal.message);
      return;
    }
    if (!this.#extendLease(p)) {
      refuse('GBX_SESSION_NOT_ACTIVE', 'the session has ended on this agent');
      return;
    }
    const handler = this.#handlers.get(p.action);
    if (!handler) {
      refuse('GBX_AGENT_REFUSED', `this agent does not support "${p.action}"`);
      return;
    }
    if (this.#calls.size >= this.#o.maxConcurrentCalls) {
      refuse('GBX_AGENT_REFUSED', 'the agent is busy; retry later');
      return;
    }
    const lease = this.#leases.get(p.sessionId)!;
    const controller = new AbortController();
    lease.calls.add(controller);
    this.#calls.set(p.callId, controller);
    let seq = 0;
    const ctx: ActionContext = {
      sessionId: p.sessionId,
      callId: p.callId,
      target: p.target,
      masking: p.masking,
      signal: controller.signal,
      emit: (data) => {
        if (!controller.signal.aborted) this.#send({ type: 'stream', callId: p.callId, seq: seq++, data });
      },
      drained: () => this.#drained(controller.signal),
    };
    try {
      const outcome = await handler(p.params, ctx);
      this.#send({
        type: 'result',
        callId: p.callId,
        ok: true,
        result: outcome.result,
        ...(outcome.accessed ? { accessed: outcome.accessed } : {}),
        ...(outcome.redactions ? { redactions: outcome.redactions } : {}),
      });
    } catch (error) {
      const code = isGloveboxError(error) ? error.code : 'GBX_AGENT_REFUSED';
      const message = isGloveboxError(error) ? error.message : 'the action failed on the agent';
      if (!isGloveboxError(error)) this.#o.log('error', `action "${p.action}" failed unexpectedly`);
      this.#send({
        type: 'result',
        callId: p.callId,
        ok: false,
        error: { code, message: message.slice(0, 2000) },
      });
    } finally {
      lease.calls.delete(controller);
      this.#calls.delete(p.callId);
    }
  }

  async #endSession(sessionId: string, why: string): Promise<void> {
    const lease = this.#leases.get(sessionId);
    this.#leases.delete(sessionId);
    for (const c of lease?.calls ?? []) c.abort(new GloveboxError('GBX_SESSION_NOT_ACTIVE', why));
    await Promise.allSettled(this.#o.modules.map((m) => m.endSession(sessionId)));
    if (lease) this.#o.log('info', `session ${sessionId} ended on the agent (${why})`);
  }

  #enforceLeases(): void {
    const now = this.#o.clock.now();
    const gatewayGone = !this.connected && now - this.#lastContact > this.#o.gatewayGraceMs;
    const refusal = this.#leases.size ? this.#refusal() : undefined;
    for (const [id, lease] of this.#leases) {
      if (refusal) void this.#endSession(id, refusal.message);
      else if (lease.expiresAt <= now) void this.#endSession(id, 'lease lapsed');
      else if (gatewayGone) void this.#endSession(id, 'gateway unreachable beyond the grace period');
    }
  }
}
