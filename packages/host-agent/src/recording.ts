import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { GloveboxError } from '@glovebox/core';
import { asciicastHeaderLine, asciicastOutputLine, parseAsciicast, type Asciicast } from '@glovebox/protocol';

/** One hashed slice of a recording file, in order; the hashes go into the audit chain. */
export interface RecordingChunk {
  index: number;
  /** Lower-case hex SHA-256 of exactly these bytes of the file. */
  sha256: string;
  bytes: number;
}

/** What identifies a finished recording in an action outcome and in the audit event. */
export interface RecordingRef {
  id: string;
  /** One chunk per line of the file, in order (header first). */
  chunks: RecordingChunk[];
  /** Size and SHA-256 of the whole file, for `recording.ended`. */
  bytes: number;
  sha256: string;
}

/** Who and what a recording belongs to; stored in the asciicast header under `glovebox`. */
export interface RecordingMeta {
  sessionId: string;
  callId: string;
  target: string;
  command: string;
}

const RECORDING_ID = /^rec_[0-9a-z]{16}$/;

/** A parsed recording (the format is `@glovebox/protocol`'s asciicast module). */
export type Recording = Asciicast;

/** Path of a recording file, refusing ids that are not ours (so an id can never name another file). */
export function recordingPath(dir: string, id: string): string {
  if (!RECORDING_ID.test(id)) throw new GloveboxError('GBX_NOT_FOUND', 'no such recording');
  return join(dir, `${id}.cast`);
}

// Writes are batched to this size; hashing is per line whatever the batching.
const WRITE_BATCH_BYTES = 64 * 1024;

/**
 * Writes one command's (already redacted) output as an asciicast v2 file (lines from
 * `@glovebox/protocol`'s asciicast module). Every line of the file (header, then one line per output
 * event) is one hashed chunk, the unit `@glovebox/audit` records as a `recording.chunk` event and checks
 * with its `verifyRecording(id, splitLines(file), events)`, the one recording verifier.
 *
 * @example
 * const writer = await RecordingWriter.create(dir, 'rec_0123456789abcdef', meta);
 * writer.output('hello\n');
 * const ref = await writer.finish(); // { id, chunks: [{ index: 0, sha256, bytes }, …], sha256, bytes }
 */
export class RecordingWriter {
  readonly id: string;
  readonly #file: FileHandle;
  readonly #now: () => number;
  readonly #start: number;
  readonly #chunks: RecordingChunk[] = [];
  readonly #whole = createHash('sha256');
  #bytes = 0;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #writes: Promise<unknown> = Promise.resolve();
  #failure: unknown = undefined;
  #finished = false;

  private constructor(id: string, file: FileHandle, now: () => number) {
    this.id = id;
    this.#file = file;
    this.#now = now;
    this.#start = now();
  }

  /** Creates `<dir>/<id>.cast` (0600, never overwriting one) and writes its header. */
  static async create(
    dir: string,
    id: string,
    meta: RecordingMeta,
    options: { now?: () => number; wallClock?: () => number } = {},
  ): Promise<RecordingWriter> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = await open(recordingPath(dir, id), 'wx', 0o600);
    const writer = new RecordingWriter(id, file, options.now ?? (() => performance.now()));
    writer.#append(
      asciicastHeaderLine({
        timestamp: Math.floor((options.wallClock ?? Date.now)() / 1000),
        command: meta.command,
        title: `${meta.target}: ${meta.command}`,
        glovebox: meta,
      }),
    );
    return writer;
  }

  /** Records one piece of output at the current time. */
  output(text: string): void {
    if (this.#finished) throw new TypeError('recording already finished');
    if (text.length === 0) return;
    this.#append(asciicastOutputLine((this.#now() - this.#start) / 1000, text));
  }

  /** Flushes, closes the file and returns the chunk hashes. */
  async finish(): Promise<RecordingRef> {
    if (this.#finished) throw new TypeError('recording already finished');
    this.#finished = true;
    this.#flush();
    await this.#writes;
    await this.#file.close();
    if (this.#failure !== undefined)
      throw new GloveboxError('GBX_INTERNAL', 'the recording could not be written', { cause: this.#failure });
    return { id: this.id, chunks: this.#chunks, bytes: this.#bytes, sha256: this.#whole.digest('hex') };
  }

  /** Closes and deletes the file; used when the command never started. */
  async discard(dir: string): Promise<void> {
    this.#finished = true;
    await this.#writes;
    await this.#file.close();
    await unlink(recordingPath(dir, this.id)).catch(() => undefined);
  }

  #append(line: string): void {
    const bytes = Buffer.from(line, 'utf8');
    this.#chunks.push({
      index: this.#chunks.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
    });
    this.#whole.update(bytes);
    this.#bytes += bytes.length;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= WRITE_BATCH_BYTES) this.#flush();
  }

  #flush(): void {
    if (this.#pendingBytes === 0) return;
    const batch = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#writes = this.#writes
      .then(() => this.#file.write(batch))
      .catch((error: unknown) => {
        this.#failure ??= error;
      });
  }
}

function parseRecording(text: string): Recording {
  const parsed = parseAsciicast(text);
  if ('invalidLine' in parsed)
    throw new GloveboxError(
      'GBX_RECORDING_INVALID',
      `not an asciicast v2 recording (line ${parsed.invalidLine})`,
    );
  return parsed;
}

/**
 * Reads and parses an asciicast v2 file.
 *
 * @throws GloveboxError GBX_NOT_FOUND when it does not exist, GBX_RECORDING_INVALID when it does not parse.
 */
export async function readRecording(path: string): Promise<Recording> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new GloveboxError('GBX_NOT_FOUND', 'no such recording');
  }
  return parseRecording(text);
}

/** One entry of {@link listRecordings}. */
export interface RecordingSummary {
  id: string;
  timestamp: number | null;
  sessionId: string | null;
  target: string | null;
  command: string | null;
  bytes: number;
}

// The header line only: listing must not read whole recordings.
async function readHead(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(16 * 1024);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    return end === -1 ? text : text.slice(0, end);
  } finally {
    await file.close();
  }
}

/** Lists the recordings in `dir`, newest first, optionally only one session's. Unreadable files are skipped. */
export async function listRecordings(
  dir: string,
  filter: { sessionId?: string } = {},
): Promise<RecordingSummary[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: RecordingSummary[] = [];
  for (const name of names) {
    const id = name.endsWith('.cast') ? name.slice(0, -5) : '';
    if (!RECORDING_ID.test(id)) continue;
    const path = join(dir, name);
    try {
      const [info, head] = await Promise.all([stat(path), readHead(path)]);
      const { header } = parseRecording(head);
      const meta = header.glovebox;
      if (filter.sessionId !== undefined && meta?.sessionId !== filter.sessionId) continue;
      out.push({
        id,
        timestamp: header.timestamp ?? null,
        sessionId: meta?.sessionId ?? null,
        target: meta?.target ?? null,
        command: meta?.command ?? header.command ?? null,
        bytes: info.size,
      });
    } catch {
      continue;
    }
  }
  return out.sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0) || a.id.localeCompare(b.id));
}
