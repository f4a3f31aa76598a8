import { z } from 'zod';

/**
 * A small control message between replicas (PostgreSQL NOTIFY; ids only, never payloads). A
 * receiver never trusts what a message claims: it re-reads the state it names from the store.
 */
export const controlMessageSchema = z.discriminatedUnion('t', [
  /** A session was activated or ended (or its lease changed): re-read it, tell its agent. */
  z.strictObject({ t: z.literal('session'), id: z.string().min(1).max(64), from: z.string().max(64) }),
  /** An agent instance's connection appeared, moved or went away: re-read the routing table. */
  z.strictObject({
    t: z.literal('route'),
    agent: z.string().min(1).max(128),
    instance: z.string().min(1).max(64),
    from: z.string().max(64),
  }),
  /** An agent's registration changed (revoked, credential replaced): re-read it, drop a stale connection. */
  z.strictObject({ t: z.literal('agent'), agent: z.string().min(1).max(128), from: z.string().max(64) }),
  /** A shared secret (audit keyring, envelope keys) changed: reload it. */
  z.strictObject({ t: z.literal('secret'), name: z.string().min(1).max(64), from: z.string().max(64) }),
]);
export type ControlMessage = z.infer<typeof controlMessageSchema>;

/** Who is told about control messages; also told to resynchronise after the bus reconnected. */
export interface ControlListener {
  message(message: ControlMessage): void;
  /** Messages may have been missed (the listening connection was lost): re-read everything. */
  resync(): void;
}

/**
 * What several gateway replicas on one store share beyond the store's tables: a leader for the
 * singleton jobs, a cluster-wide lock for first-start work, and a bus for control messages.
 * PostgreSQL provides it with advisory locks and LISTEN/NOTIFY; SQLite (one process) in memory.
 */
export interface Cluster {
  /** This process's replica id (random per start). */
  readonly replicaId: string;
  /** Starts competing for leadership and listening to the bus. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** True while this replica holds the leadership. */
  isLeader(): boolean;
  /** Told each time this replica gains (true) or loses (false) the leadership. */
  onLeadership(listener: (leader: boolean) => void): void;
  /** Runs `fn` while holding a cluster-wide lock named `name`: one replica at a time. */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Sends a control message to every replica, this one included. Never throws. */
  publish(message: DistributiveOmit<ControlMessage, 'from'>): void;
  subscribe(listener: ControlListener): void;
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Parses a NOTIFY payload; null for anything that is not a control message. */
export function parseControlMessage(payload: string | undefined): ControlMessage | null {
  if (!payload || payload.length > 1024) return null;
  try {
    const parsed = controlMessageSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
