import { newId } from '@glovebox/core';
import { RecordingHasher } from '@glovebox/audit';
import { asciicastHeaderLine, asciicastOutputLine, type DebugAction } from '@glovebox/protocol';
import { mergeCounts, type RedactionCounts, type Redactor } from '@glovebox/redact';
import type { AccessRequestRecord } from '../store/index.js';
import type { ActionServiceConfig } from './actions.js';
import type { ArtifactReceiver } from './heap-artifacts.js';

/** A streamed piece from one of several instances, labelled with it. */
function labelled(instance: string, data: unknown): unknown {
  return data !== null && typeof data === 'object' && !Array.isArray(data)
    ? { instance, ...(data as Record<string, unknown>) }
    : { instance, data };
}

/**
 * Where one call's streamed pieces go on their way to the caller. A heap snapshot's pieces go
 * into its artifact: one large result, not a stream to record piece by piece (ADR 0010). Any
 * other piece is redacted again, recorded, and its hash made durable in the audit chain before
 * the piece is released to the client (invariant 2 holds for streams too).
 */
export class ActionStream {
  /** The heap snapshot being received, if the action is one. */
  readonly artifact: ArtifactReceiver | undefined;
  /** Given to the agent call; undefined when nothing is streamed to the caller. */
  readonly onStream: ((data: unknown) => void) | undefined;
  /** What the gateway's second pass redacted from the pieces. */
  readonly counts: RedactionCounts = {};
  /** Length of the redacted pieces as JSON. */
  bytes = 0;
  readonly #recorder: StreamRecorder | undefined;
  #releasing: Promise<void> = Promise.resolve();

  constructor(
    c: ActionServiceConfig,
    redactor: Redactor,
    run: {
      actor: string;
      session: AccessRequestRecord;
      action: DebugAction;
      onStream: ((data: unknown) => void) | undefined;
      /** The instance each piece is labelled with, when several instances stream into one answer. */
      label: string | undefined;
    },
  ) {
    const { actor, session, action } = run;
    const sessionId = session.id;
    this.artifact =
      action === 'heapsnapshot'
        ? c.artifacts.begin({
            sessionId,
            actor,
            action,
            keepSec: session.obligations.keepArtifactsSec ?? 0,
            redactor,
          })
        : undefined;
    const recorder =
      run.onStream && !this.artifact
        ? new StreamRecorder(c, { actor, sessionId, action, target: session.target })
        : undefined;
    this.#recorder = recorder;
    const artifact = this.artifact;
    const accept = artifact
      ? (data: unknown) => artifact.accept(data, run.onStream)
      : recorder
        ? (data: unknown) => {
            const { value, counts } = redactor.redactValue(data);
            mergeCounts(this.counts, counts);
            this.bytes += JSON.stringify(value ?? null).length;
            // The chunk event is queued now (so pieces arriving together share one durable
            // transaction); the piece is released, in order, once its event is durable.
            const durable = recorder.record(value);
            this.#releasing = Promise.all([this.#releasing, durable]).then(([, recordingId]) => {
              run.onStream?.(value);
              c.live.publish({ sessionId, action, recordingId, time: c.clock.now(), data: value });
            });
          }
        : undefined;
    const label = run.label;
    this.onStream = accept && label !== undefined ? (data: unknown) => accept(labelled(label, data)) : accept;
  }

  /** After a failed call: drops a partial artifact and closes the recording of what was shown. */
  async abandon(): Promise<void> {
    this.artifact?.abort();
    await this.#releasing.catch(() => undefined);
    await this.#recorder?.finish().catch(() => undefined);
  }

  /** After the call: waits until every piece is released, then stores the recording, if any. */
  async finish(): Promise<{ id: string; chunks: number } | undefined> {
    await this.#releasing;
    return this.#recorder ? await this.#recorder.finish() : undefined;
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
