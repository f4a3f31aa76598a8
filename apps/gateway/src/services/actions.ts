import { GloveboxError, newId, type Clock } from '@glovebox/core';
import { RecordingHasher } from '@glovebox/audit';
import {
  asciicastHeaderLine,
  asciicastOutputLine,
  type AgentHello,
  type AgentResult,
  type DebugAction,
} from '@glovebox/protocol';
import { mergeCounts, type RedactionCounts, type Redactor } from '@glovebox/redact';
import { redactSqlLiterals } from '@glovebox/sql';
import type { Store } from '../store/index.js';
import { prepareAction } from './action-context.js';
import type { LiveFeed } from './live-feed.js';
import type { AccessService } from './access.js';
import type { CallOptions } from './agent-hub.js';
import type { AuditService } from './audit-service.js';
import type { Actor } from './identity.js';
import type { ArtifactReceiver, HeapArtifacts } from './heap-artifacts.js';

export interface ActionServiceConfig {
  clock: Clock;
  store: Store;
  /** Where released stream pieces are published for live watchers. */
  live: LiveFeed;
  access: AccessService;
  /** Reaches the agents: on this replica's connection or through the replica holding it. */
  hub: {
    call(options: CallOptions): Promise<AgentResult>;
    hello(agent: string): Promise<AgentHello | null>;
  };
  audit: AuditService;
  /** Where heap snapshots are received, checked and held for download. */
  artifacts: HeapArtifacts;
  /** Gateway-side redactors by masking level: the second pass over everything an agent returns. */
  redactors: { standard: Redactor; strict: Redactor };
}

export interface ActionOutput {
  result: unknown;
  redactions: RedactionCounts;
  auditEventId: string;
}

/**
 * Runs one debug action: authorize with current context → durable intent event → signed call to
 * the agent → second-pass redaction → durable result event → release. If either audit write
 * fails, nothing is forwarded or nothing is released.
 */
export class ActionService {
  readonly #c: ActionServiceConfig;

  constructor(config: ActionServiceConfig) {
    this.#c = config;
  }

  async run(
    actor: Actor,
    sessionId: string,
    action: DebugAction,
    params: Record<string, unknown>,
    options: {
      onStream?: (data: unknown) => void;
      signal?: AbortSignal;
      timeoutMs?: number;
    } = {},
  ): Promise<ActionOutput> {
    const known = await this.#c.store.getRequest(sessionId);
    const prepared = prepareAction(action, params, known ? await this.#c.hub.hello(known.target) : null);
    const { session, decision } = await this.#c.access.authorizeAction(
      actor,
      sessionId,
      action,
      prepared.policyContext,
      prepared.params,
    );
    params = prepared.params;
    const redactor = this.#c.redactors[session.obligations.masking];
    const base = {
      actor: { kind: 'user' as const, id: actor.name },
      sessionId,
      action,
      target: session.target,
    };
    await this.#c.audit.record({
      ...base,
      type: 'action.intent',
      decision,
      outcome: 'pending',
      details: {
        params: action === 'query' ? { ...params, sql: redactSqlLiterals(String(params.sql)) } : params,
        policyContext: prepared.policyContext,
      },
    });
    const started = this.#c.clock.now();
    const streamCounts: RedactionCounts = {};
    let streamBytes = 0;
    // a heap snapshot is one large result, not a stream to record piece by piece (ADR 0010)
    const artifact =
      action === 'heapsnapshot'
        ? this.#c.artifacts.begin({
            sessionId,
            actor: actor.name,
            action,
            keepSec: session.obligations.keepArtifactsSec ?? 0,
            redactor,
          })
        : undefined;
    const recorder =
      options.onStream && !artifact
        ? new StreamRecorder(this.#c, redactor, {
            actor: actor.name,
            sessionId,
            action,
            target: session.target,
          })
        : undefined;
    // Each streamed piece is redacted again, recorded, and its hash made durable in the audit
    // chain before the piece is released to the client (invariant 2 holds for streams too).
    let releasing: Promise<void> = Promise.resolve();
    const onStream = artifact
      ? (data: unknown) => artifact.accept(data, options.onStream)
      : recorder
        ? (data: unknown) => {
            const { value, counts } = redactor.redactValue(data);
            mergeCounts(streamCounts, counts);
            streamBytes += JSON.stringify(value ?? null).length;
            // The chunk event is queued now (so pieces arriving together share one durable
            // transaction); the piece is released, in order, once its event is durable.
            const durable = recorder.record(value);
            releasing = Promise.all([releasing, durable]).then(([, recordingId]) => {
              options.onStream?.(value);
              this.#c.live.publish({
                sessionId,
                action,
                recordingId,
                time: this.#c.clock.now(),
                data: value,
              });
            });
          }
        : undefined;
    let outcome: AgentResult;
    try {
      outcome = await this.#c.hub.call({
        session,
        action,
        params,
        masking: session.obligations.masking,
        ...(onStream ? { onStream } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
    } catch (error) {
      artifact?.abort();
      await releasing.catch(() => undefined);
      await recorder?.finish().catch(() => undefined);
      const code = error instanceof GloveboxError ? error.code : 'GBX_INTERNAL';
      await this.#c.audit.record({
        ...base,
        type: 'action.result',
        outcome: 'failure',
        details: { error: code, durationMs: this.#c.clock.now() - started },
      });
      throw error;
    }
    await releasing;
    const recording = recorder ? await recorder.finish() : undefined;
    const durationMs = this.#c.clock.now() - started;
    if (!outcome.ok) {
      artifact?.abort();
      const message = redactor.redactText(outcome.error?.message ?? 'the agent refused the action').text;
      await this.#c.audit.record({
        ...base,
        type: 'action.result',
        outcome: 'failure',
        details: { error: outcome.error?.code ?? 'unknown', message, durationMs },
      });
      throw new GloveboxError('GBX_AGENT_REFUSED', message, {
        details: { agentCode: outcome.error?.code ?? 'unknown' },
      });
    }
    const stored = artifact ? await this.#receive(artifact, outcome.result, base, started) : undefined;
    if (stored) mergeCounts(streamCounts, stored.counts);
    const second = redactor.redactValue(outcome.result ?? null);
    const redactions = mergeCounts(
      mergeCounts({ ...(outcome.redactions ?? {}) }, streamCounts),
      second.counts,
    );
    const event = await this.#c.audit.record({
      ...base,
      type: 'action.result',
      outcome: 'success',
      details: {
        durationMs,
        bytes: JSON.stringify(second.value ?? null).length + streamBytes,
        accessed: outcome.accessed ?? {},
        redactions,
        gatewayRedactions: mergeCounts({ ...streamCounts }, second.counts),
        ...(recording ? { recording } : {}),
        ...(stored ? { artifact: stored.audit } : {}),
      },
    });
    if (!stored) return { result: second.value, redactions, auditEventId: event.id };
    const released = this.#c.artifacts.release(stored.audit.id);
    const result = {
      ...(second.value as Record<string, unknown>),
      artifact: {
        id: released.id,
        sha256: released.sha256,
        bytes: released.bytes,
        expiresAt: released.expiresAt,
      },
    };
    return { result, redactions, auditEventId: event.id };
  }

  /** Ends a heap snapshot's transfer; a bad one is audited as a failure and thrown. */
  async #receive(
    artifact: ArtifactReceiver,
    result: unknown,
    base: { actor: { kind: 'user'; id: string }; sessionId: string; action: DebugAction; target: string },
    started: number,
  ) {
    try {
      const agentSha256 = (result as { sha256?: unknown } | null)?.sha256;
      const done = await artifact.finish(agentSha256);
      const audit = {
        id: done.record.id,
        sha256: done.record.sha256,
        agentSha256: done.inputSha256,
        bytes: done.record.bytes,
        keepSec: done.record.keep ? done.record.expiresAt / 1000 : 0,
        gatewayChangedStrings: done.changed,
      };
      return { audit, counts: done.counts };
    } catch (error) {
      const code = error instanceof GloveboxError ? error.code : 'GBX_INTERNAL';
      await this.#c.audit.record({
        ...base,
        type: 'action.result',
        outcome: 'failure',
        details: { error: code, durationMs: this.#c.clock.now() - started },
      });
      throw error;
    }
  }
}

/** Renders a streamed piece as the text a terminal would show. */
function pieceText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as { data?: unknown; line?: unknown };
    if (typeof v.data === 'string') return v.data;
    if (typeof v.line === 'string') return `${v.line}\r\n`;
  }
  return `${JSON.stringify(value)}\r\n`;
}

/**
 * Records what a streamed action showed, as asciicast v2: one line per piece, each line's
 * SHA-256 appended to the audit chain (`recording.chunk`) before the piece is released.
 */
class StreamRecorder {
  readonly #c: ActionServiceConfig;
  readonly #hasher: RecordingHasher;
  readonly #lines: string[] = [];
  readonly #meta: { actor: string; sessionId: string; action: string; target: string };
  readonly #id = newId('rec');
  readonly #started: number;
  /** Events queued but not yet awaited by anyone. */
  readonly #pending: Promise<unknown>[] = [];

  constructor(
    c: ActionServiceConfig,
    _redactor: Redactor,
    meta: { actor: string; sessionId: string; action: string; target: string },
  ) {
    this.#c = c;
    this.#meta = meta;
    this.#started = c.clock.now();
    this.#hasher = new RecordingHasher({
      recordingId: this.#id,
      actor: { kind: 'user', id: meta.actor },
      sessionId: meta.sessionId,
      target: meta.target,
      action: meta.action,
      clock: c.clock,
    });
  }

  /** Queues the chunk event at once (keeping line order = chunk order); resolves when durable. */
  #append(line: string): Promise<unknown> {
    this.#lines.push(line);
    return this.#c.audit.recordInput(this.#hasher.chunk(line));
  }

  /**
   * Records one piece. Its event is queued synchronously; the promise resolves (with the
   * recording's id) once the event is durable.
   */
  record(value: unknown): Promise<string> {
    if (this.#pending.length === 0 && this.#lines.length === 0) {
      this.#pending.push(this.#c.audit.recordInput(this.#hasher.started({ format: 'asciicast-v2' })));
      const header = asciicastHeaderLine({
        timestamp: Math.floor(this.#started / 1000),
        title: `${this.#meta.sessionId} ${this.#meta.action}`,
      });
      this.#pending.push(this.#append(header));
    }
    const seconds = (this.#c.clock.now() - this.#started) / 1000;
    const durable = this.#append(asciicastOutputLine(seconds, pieceText(value)));
    this.#pending.push(durable);
    return Promise.all(this.#pending.splice(0)).then(() => this.#id);
  }

  /** Closes and stores the recording; returns its reference for the result event. */
  async finish(): Promise<{ id: string; chunks: number } | undefined> {
    if (this.#lines.length === 0) return undefined;
    await Promise.all(this.#pending.splice(0));
    await this.#c.audit.recordInput(this.#hasher.ended());
    const cast = this.#lines.join('');
    await this.#c.store.saveRecording({
      id: this.#id,
      sessionId: this.#meta.sessionId,
      action: this.#meta.action,
      actor: this.#meta.actor,
      createdAt: this.#started,
      chunks: this.#lines.length,
      bytes: Buffer.byteLength(cast),
      cast,
    });
    return { id: this.#id, chunks: this.#lines.length };
  }
}
