import { createHash, type Hash } from 'node:crypto';
import type { Clock } from '@glovebox/core';
import type { AuditEventInput, ChainedEvent } from './event.js';
import { each } from './each.js';

/** `details` of a `recording.chunk` event. */
export interface RecordingChunkDetails {
  recordingId: string;
  /** 0-based position of the chunk in the recording. */
  index: number;
  bytes: number;
  /** Hex SHA-256 of the chunk's exact bytes. */
  sha256: string;
}

/** Who and what a recording belongs to; copied into each event. */
export interface RecordingContext {
  recordingId: string;
  actor: AuditEventInput['actor'];
  sessionId?: string;
  target?: string;
  action?: string;
  clock: Clock;
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/**
 * Turns a stream of output chunks into `recording.chunk` event inputs, so each chunk's hash
 * enters the chain as it is recorded. Record the exact bytes you store (e.g. each asciicast line
 * with its newline) so a verifier can split the file the same way.
 *
 * @example
 * const hasher = new RecordingHasher({ recordingId, actor, sessionId, clock });
 * await audit.append(hasher.started());
 * for await (const line of castLines) { file.write(line); await audit.append(hasher.chunk(line)); }
 * await audit.append(hasher.ended());
 */
export class RecordingHasher {
  readonly #context: RecordingContext;
  readonly #whole: Hash = createHash('sha256');
  #index = 0;
  #bytes = 0;
  #ended = false;

  constructor(context: RecordingContext) {
    if (context.recordingId.length === 0 || context.recordingId.length > 128)
      throw new TypeError('recordingId must be 1-128 characters');
    this.#context = context;
  }

  /** The `recording.started` event input. */
  started(extra: Record<string, unknown> = {}): AuditEventInput {
    return this.#event('recording.started', { ...extra, recordingId: this.#context.recordingId });
  }

  /** The `recording.chunk` event input for the next chunk. */
  chunk(data: Uint8Array | string): AuditEventInput {
    if (this.#ended) throw new TypeError('recording already ended');
    const bytes = toBytes(data);
    this.#whole.update(bytes);
    const details: RecordingChunkDetails = {
      recordingId: this.#context.recordingId,
      index: this.#index++,
      bytes: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    this.#bytes += bytes.byteLength;
    return this.#event('recording.chunk', { ...details });
  }

  /** The `recording.ended` event input: chunk count, total bytes and the SHA-256 of the whole recording. */
  ended(): AuditEventInput {
    if (this.#ended) throw new TypeError('recording already ended');
    this.#ended = true;
    return this.#event('recording.ended', {
      recordingId: this.#context.recordingId,
      chunks: this.#index,
      bytes: this.#bytes,
      sha256: this.#whole.digest('hex'),
    });
  }

  #event(
    type: 'recording.started' | 'recording.chunk' | 'recording.ended',
    details: Record<string, unknown>,
  ): AuditEventInput {
    const { actor, sessionId, target, action, clock } = this.#context;
    const input: AuditEventInput = {
      type,
      time: new Date(clock.now()).toISOString(),
      actor,
      outcome: 'success',
      details,
    };
    if (sessionId !== undefined) input.sessionId = sessionId;
    if (target !== undefined) input.target = target;
    if (action !== undefined) input.action = action;
    return input;
  }
}

/** What a recording verification found. */
export interface RecordingReport {
  ok: boolean;
  /** Chunks that matched their events. */
  chunks: number;
  bytes: number;
  problem?: 'changed' | 'missing' | 'extra' | 'no-events' | 'malformed-events';
  /** 0-based index of the first chunk that does not match. */
  firstBadIndex?: number;
  message: string;
}

function chunkDetails(event: ChainedEvent, recordingId: string): RecordingChunkDetails | null {
  if (event.type !== 'recording.chunk') return null;
  const d = event.details;
  if (d.recordingId !== recordingId) return null;
  if (typeof d.index !== 'number' || typeof d.bytes !== 'number' || typeof d.sha256 !== 'string') return null;
  return { recordingId, index: d.index, bytes: d.bytes, sha256: d.sha256 };
}

/**
 * Checks a recording's chunks against the `recording.chunk` events of the (separately verified)
 * trail. Names the first chunk that was changed, removed or added.
 *
 * @example
 * const report = await verifyRecording('rec_1', splitLines(createReadStream('rec_1.cast')), events);
 */
export async function verifyRecording(
  recordingId: string,
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  events: AsyncIterable<ChainedEvent> | Iterable<ChainedEvent>,
): Promise<RecordingReport> {
  const expected: RecordingChunkDetails[] = [];
  for await (const event of each(events)) {
    const details = chunkDetails(event, recordingId);
    if (details === null) continue;
    if (details.index !== expected.length) {
      return {
        ok: false,
        chunks: 0,
        bytes: 0,
        problem: 'malformed-events',
        message: `chunk events of ${recordingId} are not numbered 0, 1, 2… in trail order`,
      };
    }
    expected.push(details);
  }
  if (expected.length === 0) {
    return {
      ok: false,
      chunks: 0,
      bytes: 0,
      problem: 'no-events',
      message: `the trail holds no chunk events for recording ${recordingId}`,
    };
  }
  let index = 0;
  let bytes = 0;
  for await (const chunk of each(chunks)) {
    const data = toBytes(chunk);
    const want = expected[index];
    if (want === undefined) {
      return {
        ok: false,
        chunks: index,
        bytes,
        problem: 'extra',
        firstBadIndex: index,
        message: `chunk ${index} was added after the recorded end (${expected.length} chunks were audited)`,
      };
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (sha256 !== want.sha256 || data.byteLength !== want.bytes) {
      const next = expected[index + 1];
      const skipped = next !== undefined && next.sha256 === sha256;
      return {
        ok: false,
        chunks: index,
        bytes,
        problem: skipped ? 'missing' : 'changed',
        firstBadIndex: index,
        message: skipped
          ? `chunk ${index} is missing from the recording`
          : `chunk ${index} does not match its audited hash`,
      };
    }
    index++;
    bytes += data.byteLength;
  }
  if (index < expected.length) {
    return {
      ok: false,
      chunks: index,
      bytes,
      problem: 'missing',
      firstBadIndex: index,
      message: `the recording stops after ${index} of ${expected.length} audited chunks`,
    };
  }
  return {
    ok: true,
    chunks: index,
    bytes,
    message: `${index} chunk(s), ${bytes} bytes match the audit trail`,
  };
}

/**
 * Splits a byte stream into lines, each with its trailing newline: how an asciicast v2 file is
 * recorded chunk by chunk (header line, then one event per line).
 */
export async function* splitLines(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  let carry: Buffer[] = [];
  for await (const piece of source) {
    const buffer =
      typeof piece === 'string'
        ? Buffer.from(piece)
        : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let start = 0;
    for (let newline = buffer.indexOf(10, start); newline !== -1; newline = buffer.indexOf(10, start)) {
      carry.push(buffer.subarray(start, newline + 1));
      yield Buffer.concat(carry);
      carry = [];
      start = newline + 1;
    }
    if (start < buffer.length) carry.push(buffer.subarray(start));
  }
  if (carry.length > 0) yield Buffer.concat(carry);
}
