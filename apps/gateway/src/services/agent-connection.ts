import type { WebSocket } from 'ws';
import type { AgentHello, AgentResult, MaskingLevel } from '@glovebox/protocol';
import type { AccessRequestRecord, AgentRecord } from '../store/index.js';
import type { GatewaySigningKey } from './signing-keys.js';

/** A call sent on a connection, waiting for its result. */
export interface PendingCall {
  resolve: (r: AgentResult) => void;
  reject: (e: Error) => void;
  onStream: ((data: unknown, seq: number) => void) | undefined;
  timer: NodeJS.Timeout;
  sessionId: string;
}

export interface Connection {
  agent: AgentRecord;
  socket: WebSocket;
  /** Set by the hello; until then the connection reaches no instance. */
  hello: AgentHello | null;
  /** Named in this connection's welcome and in every envelope sent on it. */
  channel: string;
  /** The key this connection's welcome named; its envelopes are signed with it. */
  key: GatewaySigningKey | null;
  connectedAt: number;
  lastSeen: number;
  calls: Map<string, PendingCall>;
}

/** One connected instance of an agent, as this replica holds it. */
export interface LocalInstance {
  hello: AgentHello;
  connectedAt: number;
  lastSeen: number;
}

export interface CallOptions {
  session: AccessRequestRecord;
  /** The one instance (process) of the session's target that acts. */
  instance: string;
  action: string;
  params: unknown;
  masking: MaskingLevel;
  timeoutMs?: number;
  onStream?: (data: unknown, seq: number) => void;
  signal?: AbortSignal;
}

/** Whether the connection said hello and was welcomed (its envelopes have a key and an instance). */
export function welcomed(
  conn: Connection,
): conn is Connection & { key: GatewaySigningKey; hello: AgentHello } {
  return conn.key !== null && conn.hello !== null;
}
