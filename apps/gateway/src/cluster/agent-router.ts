import type { GatewayApp } from '../server.js';
import type { Logger } from 'pino';
import { GloveboxError, type Clock } from '@glovebox/core';
import { agentHelloSchema, type AgentHello, type AgentResult } from '@glovebox/protocol';
import type { AccessRequestRecord, AgentRoute, Store } from '../store/index.js';
import type { AgentHub, CallOptions } from '../services/agent-hub.js';
import type { Cluster, ControlListener, ControlMessage } from './cluster.js';
import { RelayAuth } from './relay-auth.js';
import { registerRelay, relayCall } from './relay.js';

/** A connected instance of an agent, on this replica or another. */
export interface ConnectedInstance {
  id: string;
  hello: AgentHello;
  connectedAt: number;
  /** When this replica last heard from it; null when another replica holds it. */
  lastSeen: number | null;
  /** The replica holding its connection. */
  replica: string;
}

/** How long a read of an agent's routes answers for (see `AgentRouter`). */
export const ROUTES_KEPT_MS = 250;
/** Agents whose routes are kept at once; past this the whole set is dropped. */
const ROUTES_KEPT_AGENTS = 4096;

export interface AgentRouterConfig {
  store: Store;
  cluster: Cluster;
  hub: AgentHub;
  clock: Clock;
  log: Logger;
  /** How often this replica proves it is alive (and re-reads the sessions it keeps leases for). */
  heartbeatMs: number;
  /** A replica not heard from for this long holds no agent: its routes are ignored. */
  staleMs: number;
  /** How long a forwarded call may go without a word from the other replica. */
  relayIdleTimeoutMs: number;
}

/**
 * Sends each action to the replica holding its agent's connection. The store's route table says
 * which replica that is (with the replica's liveness); a call for an agent connected elsewhere is
 * forwarded over the authenticated relay. Control messages keep every replica's view current:
 * a session activated or ended anywhere is re-read here and its agent told (lease or revoke) by
 * whichever replica holds it; an agent that moved is let go by the replica it left.
 */
export class AgentRouter implements ControlListener {
  readonly #c: AgentRouterConfig;
  readonly #relayed = new Map<string, Set<AbortController>>();
  #auth: RelayAuth | undefined;
  #url: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #beats = 0;
  /**
   * Route reads kept for {@link ROUTES_KEPT_MS} at most. Every change of a route is announced on
   * the bus and drops its agent's entry; the age bound covers what no message announces (a
   * replica that stops beating). An action on an instance that just moved, or on a replica that
   * just died, fails as it could already within `staleMs`.
   */
  readonly #kept = new Map<string, { at: number; routes: Promise<AgentRoute[]> }>();

  constructor(config: AgentRouterConfig) {
    this.#c = config;
    config.cluster.subscribe(this);
  }

  get #self(): string {
    return this.#c.cluster.replicaId;
  }

  /** The relay key is read from the store at start; until then nothing is relayed. */
  useKey(key: Buffer): void {
    this.#auth = new RelayAuth(key);
  }

  #key = (): RelayAuth => {
    if (!this.#auth) throw new GloveboxError('GBX_STORE_UNAVAILABLE', 'the gateway has not started');
    return this.#auth;
  };

  /** Adds the relay endpoint to the gateway's HTTP server. */
  register(app: GatewayApp): void {
    const c = this.#c;
    registerRelay(app, {
      self: this.#self,
      auth: this.#key,
      store: c.store,
      hub: c.hub,
      clock: c.clock,
      log: c.log,
    });
  }

  /** Starts advertising this replica at `url` (its relay endpoint's base) and proving liveness. */
  async advertise(url: string): Promise<void> {
    this.#url = url;
    await this.#c.store.replicas.heartbeat(this.#self, url, this.#c.clock.now());
    this.#timer = setInterval(() => void this.#beat(), this.#c.heartbeatMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    if (this.#url) await this.#c.store.replicas.leave(this.#self).catch(() => undefined);
  }

  async #beat(): Promise<void> {
    try {
      await this.#c.store.replicas.heartbeat(this.#self, this.#url ?? '', this.#c.clock.now());
      // a control message lost while the bus reconnected is caught up within a few beats
      if (++this.#beats % 5 === 0) await this.#resync();
    } catch (error) {
      this.#c.log.warn({ err: error }, 'replica heartbeat failed');
    }
  }

  /** The hub's hook: an instance said hello here (hello) or its connection here closed (null). */
  connection(agent: string, instance: string, hello: AgentHello | null): void {
    this.#kept.delete(agent);
    const replicas = this.#c.store.replicas;
    const write = hello
      ? replicas.putRoute(agent, instance, this.#self, JSON.stringify(hello), this.#c.clock.now())
      : replicas.dropRoute(agent, instance, this.#self);
    write.then(
      () => this.#c.cluster.publish({ t: 'route', agent, instance }),
      (error: unknown) => this.#c.log.error({ err: error, agent, instance }, 'agent route not recorded'),
    );
  }

  /**
   * Every connected instance of the agent, wherever its connection is held: this replica's own,
   * then those the route table places on live replicas, oldest connection first.
   */
  async instances(agent: string): Promise<ConnectedInstance[]> {
    const out = new Map<string, ConnectedInstance>();
    for (const [id, local] of this.#c.hub.instances(agent))
      out.set(id, { id, ...local, replica: this.#self });
    for (const route of await this.#routes(agent)) {
      if (out.has(route.instance) || route.replica === this.#self) continue;
      const parsed = agentHelloSchema.safeParse(JSON.parse(route.helloJson));
      if (parsed.success)
        out.set(route.instance, {
          id: route.instance,
          hello: parsed.data,
          connectedAt: route.connectedAt,
          lastSeen: null,
          replica: route.replica,
        });
    }
    return [...out.values()].sort((a, b) => a.connectedAt - b.connectedAt || a.id.localeCompare(b.id));
  }

  #routes(agent: string): Promise<AgentRoute[]> {
    const now = this.#c.clock.now();
    const kept = this.#kept.get(agent);
    if (kept && now - kept.at < ROUTES_KEPT_MS && now >= kept.at) return kept.routes;
    const entry = { at: now, routes: this.#c.store.replicas.routes(agent, now - this.#c.staleMs) };
    if (this.#kept.size >= ROUTES_KEPT_AGENTS) this.#kept.clear();
    this.#kept.set(agent, entry);
    entry.routes.catch(() => {
      if (this.#kept.get(agent) === entry) this.#kept.delete(agent);
    });
    return entry.routes;
  }

  /** Runs one call on one instance: here when this replica holds it, else on the replica that does. */
  async call(options: CallOptions): Promise<AgentResult> {
    const { target } = options.session;
    if (this.#c.hub.holds(target, options.instance)) return this.#c.hub.call(options);
    const route = (await this.#routes(target)).find((r) => r.instance === options.instance);
    if (!route || route.replica === this.#self || !this.#url) return this.#c.hub.call(options);
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort());
    const sessionId = options.session.id;
    const set = this.#relayed.get(sessionId) ?? new Set();
    this.#relayed.set(sessionId, set.add(controller));
    try {
      return await relayCall(
        {
          self: this.#self,
          auth: this.#key,
          clock: this.#c.clock,
          log: this.#c.log,
          idleTimeoutMs: this.#c.relayIdleTimeoutMs,
        },
        route,
        { ...options, signal: controller.signal },
      );
    } catch (error) {
      if (controller.signal.aborted && !options.signal?.aborted)
        throw new GloveboxError('GBX_SESSION_NOT_ACTIVE', 'the session ended');
      throw error;
    } finally {
      set.delete(controller);
      if (set.size === 0) this.#relayed.delete(sessionId);
    }
  }

  /** A session ended here: tell every replica, and stop the calls this replica forwarded for it. */
  sessionEnded(session: AccessRequestRecord): void {
    for (const controller of this.#relayed.get(session.id) ?? []) controller.abort();
    this.#c.cluster.publish({ t: 'session', id: session.id });
  }

  sessionActivated(session: AccessRequestRecord): void {
    this.#c.cluster.publish({ t: 'session', id: session.id });
  }

  /**
   * An agent's registration changed here: the connection to it (on this replica or another one) is
   * closed if its credential was revoked or replaced.
   */
  async agentChanged(name: string): Promise<void> {
    await this.#recheckAgent(name);
    this.#c.cluster.publish({ t: 'agent', agent: name });
  }

  message(message: ControlMessage): void {
    if (message.from === this.#self) return;
    if (message.t === 'session') void this.#refresh(message.id);
    else if (message.t === 'route') {
      this.#kept.delete(message.agent);
      void this.#moved(message.agent, message.instance);
    } else if (message.t === 'agent') void this.#recheckAgent(message.agent);
  }

  async #recheckAgent(name: string): Promise<void> {
    try {
      const agent = await this.#c.store.getAgentByName(name);
      if (agent)
        this.#c.hub.recheckCredential(agent, new Set(await this.#c.store.revokedInstances.list(name)));
    } catch (error) {
      this.#c.log.warn({ err: error, agent: name }, 'agent not re-read after a control message');
    }
  }

  /** The bus reconnected: messages may have been lost meanwhile. */
  resync(): void {
    this.#kept.clear();
    void this.#resync();
  }

  async #refresh(id: string): Promise<void> {
    try {
      const session = await this.#c.store.getRequest(id);
      if (!session) return;
      this.#c.hub.refreshSession(session);
      if (session.status !== 'active') for (const c of this.#relayed.get(id) ?? []) c.abort();
    } catch (error) {
      this.#c.log.warn({ err: error, session: id }, 'session not re-read after a control message');
    }
  }

  /** Another replica took the instance: a connection of it still open here is stale, close it. */
  async #moved(agent: string, instance: string): Promise<void> {
    if (!this.#c.hub.holds(agent, instance)) return;
    const routes = await this.#routes(agent).catch(() => []);
    const route = routes.find((r) => r.instance === instance);
    if (route && route.replica !== this.#self)
      this.#c.hub.drop(agent, instance, 'the instance connected to another replica');
  }

  async #resync(): Promise<void> {
    try {
      const live = await this.#c.store.listLiveRequests();
      const known = new Set(live.map((s) => s.id));
      for (const s of live) if (s.status === 'active') this.#c.hub.refreshSession(s);
      for (const id of this.#c.hub.leasedSessions()) if (!known.has(id)) await this.#refresh(id);
    } catch (error) {
      this.#c.log.warn({ err: error }, 'sessions not re-read');
    }
  }
}
