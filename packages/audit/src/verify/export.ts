import { createReadStream } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { signedCheckpointSchema, verifyCheckpointSignature } from '../checkpoint.js';
import { EXPORT_FORMAT } from '../export-format.js';
import { parsePublicKey } from '../keys.js';
import { forEachLineBytes, type ByteLineHandler } from './lines.js';
import type { VerifyCommonOptions, VerifyReport } from './report.js';
import { TrailVerifier } from './trail-verifier.js';

/** Options of {@link verifyExport}. */
export interface VerifyExportOptions extends VerifyCommonOptions {
  /**
   * Trusted public keys (PEM strings, exported key objects, or a map by key id). Without them the
   * keys embedded in the export's header are used, which proves integrity against accidents
   * but not against someone who rewrote the whole file and re-signed it.
   */
  publicKeys?: Iterable<unknown> | ReadonlyMap<string, KeyObject>;
  /** Lines longer than this are refused without being buffered. Default 1 MiB. */
  maxLineBytes?: number;
}

const DEFAULT_MAX_LINE = 1024 * 1024;
const READABLE_VERSIONS = new Set([1, 2]);
const EVENT_PREFIX = '{"kind":"event","event":';
const EVENT_PREFIX_BYTES = Buffer.from(EVENT_PREFIX);

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Public keys given by the caller, as the verifier's map; TypeError on anything that is not one. */
export function toKeyMap(keys: Iterable<unknown> | ReadonlyMap<string, KeyObject>): Map<string, KeyObject> {
  if (keys instanceof Map) return new Map(keys as ReadonlyMap<string, KeyObject>);
  const map = new Map<string, KeyObject>();
  for (const value of keys as Iterable<unknown>) {
    const parsed = parsePublicKey(value);
    if (parsed === null) throw new TypeError('a trusted public key is not an Ed25519 audit key');
    map.set(parsed.keyId, parsed.key);
  }
  return map;
}

/** Reads the header line into the verifier; returns a problem message, or null when it is fine. */
function readHeader(
  value: Record<string, unknown>,
  verifier: TrailVerifier,
  keys: Map<string, KeyObject>,
  embeddedKeys: boolean,
): string | null {
  if (!READABLE_VERSIONS.has(value.version as number)) {
    return `unsupported export version ${JSON.stringify(value.version) ?? 'none'}; this verifier reads versions 1 and 2`;
  }
  const embedded = value.publicKeys;
  if (!Array.isArray(embedded) || embedded.length > 1000)
    return 'the header carries no valid list of public keys';
  if (embeddedKeys) {
    for (const item of embedded) {
      const parsed = parsePublicKey(item);
      if (parsed === null) return 'a public key in the header is not a valid Ed25519 audit key';
      keys.set(parsed.keyId, parsed.key);
    }
  }
  if (value.version === 2 && value.witness !== null) {
    const witness = signedCheckpointSchema.safeParse(value.witness);
    if (!witness.success) return 'the witnessed head in the header is malformed';
    const signature = verifyCheckpointSignature(witness.data, keys);
    if (signature !== 'ok') {
      verifier.fail({
        problem: signature,
        firstBadSeq: witness.data.seq,
        line: 1,
        message: `the witnessed head in the header (seq ${witness.data.seq}) does not verify: ${signature}`,
      });
      return null;
    }
    verifier.addWitness({ seq: witness.data.seq, hash: witness.data.headHash });
  }
  return null;
}

/** Reads an export line by line into the verifier: header, events, checkpoints, end line. */
class ExportReader {
  readonly #verifier: TrailVerifier;
  readonly #keys: Map<string, KeyObject>;
  readonly #embeddedKeys: boolean;
  readonly #maxLineBytes: number;
  #sawHeader = false;
  #sawEnd = false;
  #lastLine = 0;

  constructor(
    verifier: TrailVerifier,
    keys: Map<string, KeyObject>,
    embeddedKeys: boolean,
    maxLineBytes: number,
  ) {
    this.#verifier = verifier;
    this.#keys = keys;
    this.#embeddedKeys = embeddedKeys;
    this.#maxLineBytes = maxLineBytes;
  }

  readonly onLine: ByteLineHandler = (bytes, start, end, line, terminated) => {
    this.#lastLine = line;
    const verifier = this.#verifier;
    if (bytes === null) {
      const message = `longer than ${this.#maxLineBytes} bytes`;
      if (!this.#sawHeader)
        return this.#headerProblem(line, `not a Glovebox audit export: line ${line} is ${message}`, false);
      verifier.malformed(line, message, false);
      return !verifier.settled;
    }
    if (this.#sawHeader && !this.#sawEnd && isEventLine(bytes, start, end)) {
      // The usual line: `{"kind":"event","event":TEXT}` with TEXT exactly as the store keeps it.
      if (verifier.rawEvent(bytes, start + EVENT_PREFIX.length, end - 1, line)) return !verifier.settled;
      const eventText = bytes.toString('utf8', start + EVENT_PREFIX.length, end - 1);
      const event = parseJson(eventText);
      if (event !== undefined) {
        verifier.event(event, line, eventText);
        return !verifier.settled;
      }
    }
    const text = bytes.toString('utf8', start, end);
    if (text.trim() === '') return true;
    const value = parseJson(text);
    if (!this.#sawHeader) return this.#header(value, line, terminated);
    if (this.#sawEnd) {
      verifier.fail({ problem: 'malformed', line, message: `line ${line}: data after the end line` });
      return false;
    }
    this.#record(value, line, terminated);
    return !verifier.settled;
  };

  /** After the last line: an empty file, or one cut off before its end line, is truncated. */
  finish(): void {
    const verifier = this.#verifier;
    if (!this.#sawHeader) {
      verifier.fail({
        problem: 'truncated',
        firstBadSeq: 1,
        message: 'the file is empty: not a Glovebox audit export',
      });
    } else if (!this.#sawEnd) {
      verifier.endOfInput(this.#lastLine + 1);
      verifier.fail({
        problem: 'truncated',
        firstBadSeq: verifier.lastSeq + 1,
        message: `the export ends without its end line after seq ${verifier.lastSeq}: the file was cut off`,
      });
    }
    verifier.checkWitness();
  }

  #header(value: unknown, line: number, terminated: boolean): boolean {
    if (!isObject(value) || value.kind !== 'header' || value.format !== EXPORT_FORMAT)
      return this.#headerProblem(
        line,
        'not a Glovebox audit export: the first line is not its header',
        !terminated,
      );
    const problem = readHeader(value, this.#verifier, this.#keys, this.#embeddedKeys);
    if (problem !== null) return this.#headerProblem(line, problem, false);
    this.#sawHeader = true;
    return !this.#verifier.settled;
  }

  #headerProblem(line: number, message: string, final: boolean): false {
    this.#verifier.fail(
      final
        ? {
            problem: 'truncated',
            firstBadSeq: 1,
            line,
            message: 'the file is cut off inside its header line',
          }
        : { problem: 'malformed', line, message },
    );
    return false;
  }

  #record(value: unknown, line: number, terminated: boolean): void {
    const verifier = this.#verifier;
    if (!isObject(value)) {
      verifier.malformed(line, 'not a JSON object', !terminated);
      return;
    }
    const keysOfLine = Object.keys(value);
    if (value.kind === 'event' && keysOfLine.length === 2 && 'event' in value) {
      verifier.event(value.event, line);
    } else if (value.kind === 'checkpoint' && keysOfLine.length === 2 && 'checkpoint' in value) {
      verifier.checkpoint(value.checkpoint, line);
    } else if (value.kind === 'end') {
      this.#sawEnd = true;
      verifier.endOfInput(line);
      checkEnd(verifier, value, line);
    } else {
      verifier.malformed(line, 'not an event, checkpoint or end line', !terminated);
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isEventLine(bytes: Buffer, start: number, end: number): boolean {
  return (
    end - start > EVENT_PREFIX_BYTES.length &&
    bytes[end - 1] === 125 &&
    bytes.compare(
      EVENT_PREFIX_BYTES,
      0,
      EVENT_PREFIX_BYTES.length,
      start,
      start + EVENT_PREFIX_BYTES.length,
    ) === 0
  );
}

/**
 * Verifies an export offline, streaming: never loads the file whole, never throws on bad input.
 * Names the first bad seq and what is wrong. A trail that stops before the head witnessed in its
 * header, or before `witness`, is `rolled-back`.
 *
 * @example
 * const report = await verifyExport('audit.jsonl', { publicKeys: [trustedPem] });
 * if (!report.ok) console.error(report.problem, report.firstBadSeq, report.message);
 */
export async function verifyExport(
  source: string | AsyncIterable<Uint8Array | string>,
  options: VerifyExportOptions = {},
): Promise<VerifyReport> {
  const provided = options.publicKeys === undefined ? null : toKeyMap(options.publicKeys);
  const keyOrigin = provided === null ? 'embedded' : 'provided';
  const keys = provided ?? new Map<string, KeyObject>();
  const verifier = new TrailVerifier(keys, options);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE;
  const reader = new ExportReader(verifier, keys, provided === null, maxLineBytes);
  const stream =
    typeof source === 'string' ? createReadStream(source, { highWaterMark: 1024 * 1024 }) : source;
  try {
    await forEachLineBytes(stream, maxLineBytes, reader.onLine);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    verifier.fail({
      problem: 'unreadable',
      message: `the export cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
    });
    return verifier.report(keyOrigin);
  } finally {
    if (typeof source === 'string') (stream as ReturnType<typeof createReadStream>).destroy();
  }
  reader.finish();
  return verifier.report(keyOrigin);
}

function checkEnd(verifier: TrailVerifier, end: Record<string, unknown>, line: number): void {
  if (verifier.settled) return;
  const { events, checkpoints, headSeq, headHash } = end;
  if (
    typeof events !== 'number' ||
    typeof checkpoints !== 'number' ||
    typeof headSeq !== 'number' ||
    typeof headHash !== 'string' ||
    Object.keys(end).length !== 5
  ) {
    verifier.fail({
      problem: 'malformed',
      firstBadSeq: verifier.lastSeq + 1,
      line,
      message: `line ${line}: malformed end line`,
    });
    return;
  }
  if (headSeq > verifier.lastSeq) {
    verifier.fail({
      problem: 'truncated',
      firstBadSeq: verifier.lastSeq + 1,
      line,
      message: `the trail stops at seq ${verifier.lastSeq} but the export holds events up to seq ${headSeq}`,
    });
  } else if (headSeq < verifier.lastSeq) {
    verifier.fail({
      problem: 'inserted',
      firstBadSeq: headSeq + 1,
      line,
      message: `events after seq ${headSeq} were added to the export`,
    });
  } else if (headHash !== verifier.lastHash) {
    verifier.fail({
      problem: 'changed',
      firstBadSeq: verifier.lastSeq,
      line,
      message: `the event at seq ${verifier.lastSeq} does not match the head hash of the export`,
    });
  } else if (checkpoints !== verifier.checkpointCount) {
    verifier.fail({
      problem: 'missing',
      firstBadSeq: verifier.lastCheckpointSeq + 1,
      line,
      message: `the export held ${checkpoints} checkpoint(s) but ${verifier.checkpointCount} are present: a checkpoint line was removed or added`,
    });
  }
}
