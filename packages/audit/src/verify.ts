import { createReadStream } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { signedCheckpointSchema, verifyCheckpointSignature, type SignedCheckpoint } from './checkpoint.js';
import {
  chainedEventSchema,
  computeEventHash,
  GENESIS_HASH,
  type ChainedEvent,
  type ChainHead,
} from './event.js';
import { EXPORT_FORMAT, EXPORT_VERSION, type AuditRecord } from './export-format.js';
import { parsePublicKey } from './keys.js';

/** What is wrong with a trail. */
export type VerifyProblem =
  | 'changed'
  | 'missing'
  | 'inserted'
  | 'reordered'
  | 'bad-signature'
  | 'unknown-key'
  | 'truncated'
  | 'malformed'
  | 'unreadable';

/** The verdict of a verification, shaped for a CLI (`--json` prints it as is). */
export interface VerifyReport {
  ok: boolean;
  /** Events verified before the first problem (all of them when ok). */
  events: number;
  /** Checkpoints verified before the first problem. */
  checkpoints: number;
  /** Seq and hash of the last verified event. */
  headSeq: number;
  headHash: string;
  /** Verified events after the last verified checkpoint: protected by the chain only. */
  unsignedTail: number;
  /** Where the public keys came from: passed by the caller, or read from the export itself. */
  keys: 'provided' | 'embedded';
  /** Every event with a lower seq verified; the trail is in doubt from here on. */
  firstBadSeq?: number;
  problem?: VerifyProblem;
  /** 1-based line of the export where the problem was found. */
  line?: number;
  message: string;
}

interface Verdict {
  problem: VerifyProblem;
  firstBadSeq?: number;
  line?: number;
  message: string;
}

interface EventView {
  event: ChainedEvent;
  selfOk: boolean;
}

type Pending =
  | { type: 'self-bad'; n: number; p: string; line: number }
  | { type: 'prev-mismatch'; n: number; p: string; line: number }
  | {
      type: 'jump';
      n: number;
      line: number;
      e: { seq: number; hash: string; prevHash: string };
      shadowSeq: number;
      shadowHash: string;
      steps: number;
    }
  | { type: 'scan'; n: number; line: number; jumpSeq: number }
  | { type: 'checkpoint-ahead'; n: number; line: number; cpSeq: number };

/** A record after the first anomaly, seen only to tell which kind of tampering it was. */
type Next =
  | { kind: 'event'; view: EventView }
  | { kind: 'other'; seq?: number }
  | { kind: 'checkpoint'; seq: number }
  | { kind: 'end' };

/**
 * The chain verifier as a state machine fed record by record, shared by the offline (export) and
 * live (store) paths. After the first anomaly it reads a little further to name the tampering.
 */
class TrailVerifier {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  #lastSeq = 0;
  #lastHash = GENESIS_HASH;
  #lastPrevHash = '';
  #events = 0;
  #checkpoints = 0;
  #lastCheckpointSeq = 0;
  #pending: Pending | null = null;
  #verdict: Verdict | null = null;

  constructor(keys: ReadonlyMap<string, KeyObject>) {
    this.#keys = keys;
  }

  get settled(): boolean {
    return this.#verdict !== null;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get lastHash(): string {
    return this.#lastHash;
  }

  get checkpointCount(): number {
    return this.#checkpoints;
  }

  get lastCheckpointSeq(): number {
    return this.#lastCheckpointSeq;
  }

  fail(verdict: Verdict): void {
    if (this.#verdict === null) this.#verdict = verdict;
  }

  /** An event-shaped value (unvalidated). */
  event(raw: unknown, line: number): void {
    if (this.#verdict) return;
    const parsed = chainedEventSchema.safeParse(raw);
    if (!parsed.success) {
      const seq = rawSeq(raw);
      this.#malformedOrNext(
        { kind: 'other', ...(seq === undefined ? {} : { seq }) },
        line,
        'an event line does not match the event schema',
      );
      return;
    }
    let selfOk = false;
    try {
      selfOk = computeEventHash(raw as Record<string, unknown>) === parsed.data.hash;
    } catch {
      selfOk = false;
    }
    const view: EventView = { event: parsed.data as ChainedEvent, selfOk };
    if (this.#pending) {
      this.#next({ kind: 'event', view }, line);
      return;
    }
    this.#fresh(view, line);
  }

  checkpoint(raw: unknown, line: number): void {
    if (this.#verdict) return;
    const parsed = signedCheckpointSchema.safeParse(raw);
    if (!parsed.success) {
      this.#malformedOrNext(
        { kind: 'other' },
        line,
        'a checkpoint line does not match the checkpoint schema',
      );
      return;
    }
    if (this.#pending) {
      this.#next({ kind: 'checkpoint', seq: parsed.data.seq }, line);
      if (this.#verdict || this.#pending) return;
    }
    this.#checkpoint(parsed.data, line);
  }

  /** A line that is not a record at all. `final` marks an unterminated last line. */
  malformed(line: number, message: string, final: boolean): void {
    if (this.#verdict) return;
    if (this.#pending) {
      this.#next(final ? { kind: 'end' } : { kind: 'other' }, line);
      return;
    }
    const n = this.#lastSeq + 1;
    if (final) {
      this.fail({
        problem: 'truncated',
        firstBadSeq: n,
        line,
        message: `the file is cut off inside line ${line}; the trail stops after seq ${this.#lastSeq}`,
      });
    } else {
      this.fail({ problem: 'malformed', firstBadSeq: n, line, message: `line ${line}: ${message}` });
    }
  }

  /** The end of the input (or an export's end line): settles any pending diagnosis. */
  endOfInput(line: number): void {
    if (this.#verdict) return;
    if (this.#pending) this.#next({ kind: 'end' }, line);
  }

  report(keys: 'provided' | 'embedded'): VerifyReport {
    const base = {
      events: this.#events,
      checkpoints: this.#checkpoints,
      headSeq: this.#lastSeq,
      headHash: this.#lastHash,
      unsignedTail: this.#lastSeq - this.#lastCheckpointSeq,
      keys,
    };
    if (this.#verdict) {
      const { problem, firstBadSeq, line, message } = this.#verdict;
      return {
        ok: false,
        ...base,
        problem,
        ...(firstBadSeq === undefined ? {} : { firstBadSeq }),
        ...(line === undefined ? {} : { line }),
        message,
      };
    }
    const tail =
      base.unsignedTail > 0
        ? `; the last ${base.unsignedTail} event(s) follow the last checkpoint and are protected by the chain only`
        : '';
    return {
      ok: true,
      ...base,
      message: `${this.#events} event(s) and ${this.#checkpoints} checkpoint(s) verified, head seq ${this.#lastSeq}${tail}`,
    };
  }

  #accept(event: ChainedEvent): void {
    this.#lastSeq = event.seq;
    this.#lastPrevHash = event.prevHash;
    this.#lastHash = event.hash;
    this.#events++;
  }

  #fits(view: EventView, seq: number, prevHash: string): boolean {
    return view.selfOk && view.event.seq === seq && view.event.prevHash === prevHash;
  }

  #fresh(view: EventView, line: number): void {
    const n = this.#lastSeq + 1;
    const p = this.#lastHash;
    const e = view.event;
    if (this.#fits(view, n, p)) {
      this.#accept(e);
      return;
    }
    if (!view.selfOk) {
      this.#pending = { type: 'self-bad', n, p, line };
    } else if (this.#lastSeq > 0 && e.hash === this.#lastHash) {
      this.fail({
        problem: 'inserted',
        firstBadSeq: n,
        line,
        message: `line ${line}: event seq ${e.seq} is repeated`,
      });
    } else if (n > 1 && e.seq === n - 1 && e.prevHash === this.#lastPrevHash) {
      this.fail({
        problem: 'inserted',
        firstBadSeq: n - 1,
        line,
        message: `line ${line}: two different events claim seq ${n - 1}`,
      });
    } else if (e.seq === n) {
      this.#pending = { type: 'prev-mismatch', n, p, line };
    } else if (e.seq < n) {
      this.fail({
        problem: 'inserted',
        firstBadSeq: n,
        line,
        message: `line ${line}: an event claiming seq ${e.seq} appears where seq ${n} belongs`,
      });
    } else {
      this.#pending = {
        type: 'jump',
        n,
        line,
        e: { seq: e.seq, hash: e.hash, prevHash: e.prevHash },
        shadowSeq: this.#lastSeq,
        shadowHash: p,
        steps: 0,
      };
    }
  }

  #malformedOrNext(next: Next, line: number, message: string): void {
    if (this.#pending) {
      this.#next(next, line);
      return;
    }
    this.fail({
      problem: 'malformed',
      firstBadSeq: this.#lastSeq + 1,
      line,
      message: `line ${line}: ${message}`,
    });
  }

  #checkpoint(cp: SignedCheckpoint, line: number): void {
    const signature = verifyCheckpointSignature(cp, this.#keys);
    if (signature === 'unknown-key') {
      this.fail({
        problem: 'unknown-key',
        firstBadSeq: cp.seq,
        line,
        message: `line ${line}: checkpoint at seq ${cp.seq} is signed with key ${cp.keyId}, which is not among the trusted public keys`,
      });
      return;
    }
    if (signature === 'bad-signature') {
      this.fail({
        problem: 'bad-signature',
        firstBadSeq: cp.seq,
        line,
        message: `line ${line}: the signature of the checkpoint at seq ${cp.seq} does not verify with key ${cp.keyId}`,
      });
      return;
    }
    if (cp.seq <= this.#lastCheckpointSeq || cp.seq < this.#lastSeq) {
      this.fail({
        problem: 'reordered',
        firstBadSeq: cp.seq,
        line,
        message: `line ${line}: checkpoint for seq ${cp.seq} is out of place (after seq ${this.#lastSeq})`,
      });
      return;
    }
    if (cp.seq > this.#lastSeq) {
      this.#pending = { type: 'checkpoint-ahead', n: this.#lastSeq + 1, line, cpSeq: cp.seq };
      return;
    }
    if (cp.headHash !== this.#lastHash) {
      this.fail({
        problem: 'changed',
        firstBadSeq: cp.seq,
        line,
        message: `line ${line}: the chain does not match the signed checkpoint at seq ${cp.seq}: an event after seq ${this.#lastCheckpointSeq} and up to ${cp.seq} was changed and the chain re-hashed`,
      });
      return;
    }
    this.#checkpoints++;
    this.#lastCheckpointSeq = cp.seq;
  }

  #next(next: Next, line: number): void {
    const pending = this.#pending;
    if (pending === null) return;
    switch (pending.type) {
      case 'self-bad':
      case 'prev-mismatch': {
        this.#pending = null;
        if (next.kind === 'event' && this.#fits(next.view, pending.n, pending.p)) {
          this.fail({
            problem: 'inserted',
            firstBadSeq: pending.n,
            line: pending.line,
            message: `line ${pending.line}: an event that does not belong to the chain was inserted before seq ${pending.n}`,
          });
        } else if (pending.type === 'self-bad') {
          this.fail({
            problem: 'changed',
            firstBadSeq: pending.n,
            line: pending.line,
            message: `line ${pending.line}: event seq ${pending.n} does not match its hash (changed)`,
          });
        } else {
          const seq = Math.max(1, pending.n - 1);
          this.fail({
            problem: 'changed',
            firstBadSeq: seq,
            line: pending.line,
            message: `line ${pending.line}: the event at seq ${seq} was changed and re-hashed (its successor links to another hash)`,
          });
        }
        return;
      }
      case 'jump': {
        const atSlot = pending.shadowSeq + 1 === pending.e.seq;
        if (next.kind === 'event' && this.#fits(next.view, pending.shadowSeq + 1, pending.shadowHash)) {
          if (atSlot) {
            this.#pending = null;
            this.fail({
              problem: 'inserted',
              firstBadSeq: pending.n,
              line: pending.line,
              message: `line ${pending.line}: an extra event claiming seq ${pending.e.seq} was inserted before seq ${pending.n}`,
            });
            return;
          }
          pending.shadowSeq = next.view.event.seq;
          pending.shadowHash = next.view.event.hash;
          pending.steps++;
          return;
        }
        // The shadow's own checkpoints say nothing about where the jumped event belongs.
        if (next.kind === 'checkpoint' && pending.steps > 0 && (!atSlot || next.seq === pending.shadowSeq))
          return;
        if (pending.steps === 0) {
          this.#pending = { type: 'scan', n: pending.n, line: pending.line, jumpSeq: pending.e.seq };
          this.#next(next, line);
          return;
        }
        this.#pending = null;
        if (atSlot && pending.e.prevHash === pending.shadowHash) {
          this.fail({
            problem: 'reordered',
            firstBadSeq: pending.n,
            line: pending.line,
            message: `line ${pending.line}: event seq ${pending.e.seq} was moved before seq ${pending.n}`,
          });
        } else {
          this.fail({
            problem: 'inserted',
            firstBadSeq: pending.n,
            line: pending.line,
            message: `line ${pending.line}: an event claiming seq ${pending.e.seq} is out of place before seq ${pending.n}`,
          });
        }
        return;
      }
      case 'scan': {
        const seq =
          next.kind === 'event' ? next.view.event.seq : next.kind === 'other' ? next.seq : undefined;
        if (seq === pending.n) {
          this.#pending = null;
          this.fail({
            problem: 'reordered',
            firstBadSeq: pending.n,
            line: pending.line,
            message: `line ${pending.line}: seq ${pending.jumpSeq} comes where seq ${pending.n} belongs; seq ${pending.n} appears later (line ${line})`,
          });
        } else if (next.kind === 'end') {
          this.#pending = null;
          const last = pending.jumpSeq - 1;
          const range = last > pending.n ? `seq ${pending.n} to ${last} are` : `seq ${pending.n} is`;
          this.fail({
            problem: 'missing',
            firstBadSeq: pending.n,
            line: pending.line,
            message: `line ${pending.line}: ${range} missing`,
          });
        }
        return;
      }
      case 'checkpoint-ahead': {
        this.#pending = null;
        if (next.kind === 'end') {
          this.fail({
            problem: 'truncated',
            firstBadSeq: pending.n,
            line: pending.line,
            message: `line ${pending.line}: the trail ends at seq ${pending.n - 1} before its checkpoint at seq ${pending.cpSeq}`,
          });
        } else {
          this.fail({
            problem: 'missing',
            firstBadSeq: pending.n,
            line: pending.line,
            message: `line ${pending.line}: events from seq ${pending.n} up to the checkpoint at seq ${pending.cpSeq} are missing`,
          });
        }
        return;
      }
      default: {
        const unreachable: never = pending;
        throw new TypeError(`unknown pending state ${String(unreachable)}`);
      }
    }
  }
}

function rawSeq(raw: unknown): number | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const seq = (raw as { seq?: unknown }).seq;
  return typeof seq === 'number' ? seq : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Options of {@link verifyExport}. */
export interface VerifyExportOptions {
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

function toKeyMap(keys: Iterable<unknown> | ReadonlyMap<string, KeyObject>): Map<string, KeyObject> {
  if (keys instanceof Map) return new Map(keys as ReadonlyMap<string, KeyObject>);
  const map = new Map<string, KeyObject>();
  for (const value of keys as Iterable<unknown>) {
    const parsed = parsePublicKey(value);
    if (parsed === null) throw new TypeError('a trusted public key is not an Ed25519 audit key');
    map.set(parsed.keyId, parsed.key);
  }
  return map;
}

type LineHandler = (text: string | null, line: number, terminated: boolean) => boolean;

/** Splits a byte stream into lines without ever holding more than `maxBytes` of one line. */
async function forEachLine(
  source: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
  onLine: LineHandler,
): Promise<void> {
  let parts: Buffer[] = [];
  let length = 0;
  let oversize = false;
  let line = 0;
  for await (const chunk of source) {
    const buffer =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    while (start < buffer.length) {
      const newline = buffer.indexOf(10, start);
      const end = newline === -1 ? buffer.length : newline;
      if (!oversize) {
        if (length + (end - start) > maxBytes) {
          oversize = true;
          parts = [];
          length = 0;
        } else if (end > start) {
          parts.push(buffer.subarray(start, end));
          length += end - start;
        }
      }
      if (newline === -1) break;
      line++;
      const text = oversize
        ? null
        : parts.length === 1
          ? parts[0]!.toString('utf8')
          : Buffer.concat(parts, length).toString('utf8');
      parts = [];
      length = 0;
      oversize = false;
      start = newline + 1;
      if (!onLine(text, line, true)) return;
    }
  }
  if (length > 0 || oversize) {
    line++;
    const text = oversize ? null : Buffer.concat(parts, length).toString('utf8');
    onLine(text, line, false);
  }
}

/**
 * Verifies an export offline, streaming: never loads the file whole, never throws on bad input.
 * Names the first bad seq and what is wrong.
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
  let keys = provided ?? new Map<string, KeyObject>();
  const verifier = new TrailVerifier(keys);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE;
  let sawHeader = false;
  let sawEnd = false;
  let lastLine = 0;

  const headerProblem = (line: number, message: string, final: boolean): false => {
    verifier.fail(
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
  };

  const onLine: LineHandler = (text, line, terminated) => {
    lastLine = line;
    if (text === null) {
      if (!sawHeader)
        return headerProblem(
          line,
          `not a Glovebox audit export: line ${line} is longer than ${maxLineBytes} bytes`,
          false,
        );
      verifier.malformed(line, `longer than ${maxLineBytes} bytes`, false);
      return !verifier.settled;
    }
    if (text.trim() === '') return true;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (!sawHeader) {
      if (!isObject(value) || value.kind !== 'header' || value.format !== EXPORT_FORMAT) {
        return headerProblem(
          line,
          'not a Glovebox audit export: the first line is not its header',
          !terminated,
        );
      }
      if (value.version !== EXPORT_VERSION) {
        return headerProblem(
          line,
          `unsupported export version ${JSON.stringify(value.version) ?? 'none'}; this verifier reads version ${EXPORT_VERSION}`,
          false,
        );
      }
      const embedded = value.publicKeys;
      if (!Array.isArray(embedded) || embedded.length > 1000)
        return headerProblem(line, 'the header carries no valid list of public keys', false);
      if (provided === null) {
        for (const item of embedded) {
          const parsed = parsePublicKey(item);
          if (parsed === null)
            return headerProblem(line, 'a public key in the header is not a valid Ed25519 audit key', false);
          keys.set(parsed.keyId, parsed.key);
        }
      }
      sawHeader = true;
      return true;
    }
    if (sawEnd) {
      verifier.fail({ problem: 'malformed', line, message: `line ${line}: data after the end line` });
      return false;
    }
    if (!isObject(value)) {
      verifier.malformed(line, 'not a JSON object', !terminated);
      return !verifier.settled;
    }
    const keysOfLine = Object.keys(value);
    if (value.kind === 'event' && keysOfLine.length === 2 && 'event' in value) {
      verifier.event(value.event, line);
    } else if (value.kind === 'checkpoint' && keysOfLine.length === 2 && 'checkpoint' in value) {
      verifier.checkpoint(value.checkpoint, line);
    } else if (value.kind === 'end') {
      sawEnd = true;
      verifier.endOfInput(line);
      checkEnd(verifier, value, line);
    } else {
      verifier.malformed(line, 'not an event, checkpoint or end line', !terminated);
    }
    return !verifier.settled;
  };

  try {
    const stream =
      typeof source === 'string' ? createReadStream(source, { highWaterMark: 1024 * 1024 }) : source;
    try {
      await forEachLine(stream, maxLineBytes, onLine);
    } finally {
      if (typeof source === 'string') (stream as ReturnType<typeof createReadStream>).destroy();
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    verifier.fail({
      problem: 'unreadable',
      message: `the export cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
    });
    return verifier.report(keyOrigin);
  }
  if (!sawHeader) {
    verifier.fail({
      problem: 'truncated',
      firstBadSeq: 1,
      message: 'the file is empty: not a Glovebox audit export',
    });
  } else if (!sawEnd) {
    verifier.endOfInput(lastLine + 1);
    verifier.fail({
      problem: 'truncated',
      firstBadSeq: verifier.lastSeq + 1,
      message: `the export ends without its end line after seq ${verifier.lastSeq}: the file was cut off`,
    });
  }
  keys = new Map();
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

/** Options of {@link verifyEvents}. */
export interface VerifyEventsOptions {
  /** The head the store reports; a trail that stops short of it is truncated. */
  expectedHead?: ChainHead;
}

/**
 * Verifies a trail as the live store yields it: events (or records with checkpoints placed right
 * after the event they sign), in seq order.
 *
 * @example
 * const report = await verifyEvents(store.records(), ring.verificationKeys(), { expectedHead: await store.head() });
 */
export async function verifyEvents(
  records: AsyncIterable<AuditRecord | ChainedEvent> | Iterable<AuditRecord | ChainedEvent>,
  publicKeys: Iterable<unknown> | ReadonlyMap<string, KeyObject>,
  options: VerifyEventsOptions = {},
): Promise<VerifyReport> {
  const verifier = new TrailVerifier(toKeyMap(publicKeys));
  let position = 0;
  try {
    for await (const record of records) {
      position++;
      if (isObject(record) && record.kind === 'checkpoint')
        verifier.checkpoint((record as { checkpoint: unknown }).checkpoint, position);
      else if (isObject(record) && record.kind === 'event')
        verifier.event((record as { event: unknown }).event, position);
      else verifier.event(record, position);
      if (verifier.settled) break;
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    verifier.fail({
      problem: 'unreadable',
      message: `the trail cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
    });
  }
  verifier.endOfInput(position + 1);
  const expected = options.expectedHead;
  if (expected !== undefined && !verifier.settled) {
    if (expected.seq > verifier.lastSeq) {
      verifier.fail({
        problem: 'truncated',
        firstBadSeq: verifier.lastSeq + 1,
        message: `the trail stops at seq ${verifier.lastSeq} but the store's head is seq ${expected.seq}`,
      });
    } else if (expected.seq === verifier.lastSeq && expected.hash !== verifier.lastHash) {
      verifier.fail({
        problem: 'changed',
        firstBadSeq: verifier.lastSeq,
        message: `the event at seq ${verifier.lastSeq} does not match the store's head hash`,
      });
    }
  }
  return verifier.report('provided');
}
