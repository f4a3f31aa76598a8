/** Masking level the session's policy obligations demand. */
export type MaskingLevel = 'standard' | 'strict';

/** What an action handler gets besides its (already signature-checked) params. */
export interface ActionContext {
  sessionId: string;
  callId: string;
  /** The target name the call addresses (one agent may serve several). */
  target: string;
  masking: MaskingLevel;
  /** Aborted when the call is cancelled, its session ends or its lease lapses. */
  signal: AbortSignal;
  /** Sends one piece of a streamed result (logpoint line, output chunk) to the gateway, in order.
   *  Values must already be redacted. */
  emit(data: unknown): void;
  /** Resolves once what was emitted has mostly left for the gateway (bounded send buffer), so a
   *  large streamed result does not pile up in memory. Optional: test hosts need not provide it. */
  drained?(): Promise<void>;
}

/** A handler's answer. Everything in it must already be redacted. */
export interface ActionOutcome {
  result: unknown;
  /** What was read, for the audit event: names and counts, never values. */
  accessed?: Record<string, unknown>;
  /** How many values were redacted, by detector type. */
  redactions?: Record<string, number>;
}

/** Performs one action. Throws GloveboxError for refusals the engineer should see. */
export type ActionHandler = (params: unknown, ctx: ActionContext) => Promise<ActionOutcome>;

/** A group of actions with shared state (probes, child processes, connections). */
export interface ActionModule {
  /** Handlers by action name (`facts`, `snapshot`, `exec`, …). */
  readonly actions: Readonly<Record<string, ActionHandler>>;
  /** Removes everything the session created. Called when a session ends or its lease lapses. */
  endSession(sessionId: string): Promise<void>;
  /** Removes everything, for shutdown or loss of the gateway beyond the grace period. */
  close(): Promise<void>;
}
