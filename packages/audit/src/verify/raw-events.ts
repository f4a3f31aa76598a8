// The offline verifier's fast path: an event's chain fields read straight from its stored bytes
// (RFC 8785 canonical JSON, as the writer hashed it) once those bytes hash to the event's hash,
// without decoding or parsing the event. Full validation is deferred and skipped for events a
// signed checkpoint covers (see TrailVerifier.rawEvent, docs/adr/0022-audit-verify-fast-path.md).
import * as crypto from 'node:crypto';
import { inspectEvent } from '../event-check.js';

/** The fields the chain is checked with. */
export interface ChainFields {
  seq: number;
  prevHash: string;
  hash: string;
}

const HASH_MEMBER = Buffer.from(',"hash":"');
const PREV_MEMBER = Buffer.from(',"prevHash":"');
const SEQ_MEMBER = Buffer.from(',"seq":');
const QUOTE = 34;

const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;

function sha256Hex(data: Uint8Array): string {
  return oneShot ? oneShot('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * Reads `seq`, `prevHash` and `hash` from an event's bytes `[start, end)` when the bytes without
 * the top-level `hash` member hash to it; null otherwise (the caller then parses the event).
 *
 * In canonical JSON every member after `hash` (id, outcome, prevHash, seq, sessionId, severity,
 * target, time, type) is a string or a number, so the last `,"hash":"` is the top-level one and
 * the first `,"prevHash":"` and `,"seq":` after it are too: a quote inside a string is escaped.
 * Bytes that were not written canonically but hash to themselves anyway were crafted; the
 * deferred validation compares these fields with a full parse.
 */
export function readChainFields(
  bytes: Buffer,
  start: number,
  end: number,
  scratch: { buffer: Buffer },
): ChainFields | null {
  const at = bytes.lastIndexOf(HASH_MEMBER, end - HASH_MEMBER.length);
  if (at < start) return null;
  const hashStart = at + HASH_MEMBER.length;
  const hashEnd = hashStart + 64;
  if (hashEnd >= end || bytes[hashEnd] !== QUOTE) return null;
  const length = at - start + (end - hashEnd - 1);
  if (scratch.buffer.length < length) scratch.buffer = Buffer.allocUnsafe(length * 2);
  bytes.copy(scratch.buffer, 0, start, at);
  bytes.copy(scratch.buffer, at - start, hashEnd + 1, end);
  const hash = bytes.toString('latin1', hashStart, hashEnd);
  if (sha256Hex(scratch.buffer.subarray(0, length)) !== hash) return null;
  const prev = bytes.indexOf(PREV_MEMBER, hashEnd);
  const prevStart = prev + PREV_MEMBER.length;
  if (prev === -1 || prevStart + 64 >= end || bytes[prevStart + 64] !== QUOTE) return null;
  const seqAt = bytes.indexOf(SEQ_MEMBER, prevStart + 65);
  if (seqAt === -1 || seqAt >= end) return null;
  let seq = 0;
  let digits = 0;
  for (let i = seqAt + SEQ_MEMBER.length; i < end; i++) {
    const c = bytes[i]!;
    if (c < 48 || c > 57) break;
    if (digits === 0 && c === 48) return null;
    seq = seq * 10 + (c - 48);
    digits++;
  }
  if (digits === 0 || digits > 15) return null;
  return { seq, prevHash: bytes.toString('latin1', prevStart, prevStart + 64), hash };
}

/** Why a deferred event failed its full check. */
export interface DeferredFailure {
  line: number;
  fields: ChainFields;
  /** The event's position among verified events: how many were verified before it. */
  eventsBefore: number;
  malformed: boolean;
}

interface Entry {
  line: number;
  fields: ChainFields;
  eventsBefore: number;
  offset: number;
  length: number;
}

/**
 * Events accepted on their chain fields alone, kept (bytes copied into one arena) until a signed
 * checkpoint covers them; those no checkpoint covers are validated in full when the arena fills
 * up and at the end.
 */
export class DeferredEvents {
  #arena = Buffer.allocUnsafe(1024 * 1024);
  #used = 0;
  #entries: Entry[] = [];
  readonly #limit: number;

  constructor(limitBytes = 8 * 1024 * 1024) {
    this.#limit = limitBytes;
  }

  /** Keeps an event; false when the arena is full (validate with {@link DeferredEvents.check} first). */
  add(
    bytes: Buffer,
    start: number,
    end: number,
    line: number,
    fields: ChainFields,
    eventsBefore: number,
  ): boolean {
    const length = end - start;
    if (this.#used + length > this.#arena.length) {
      if (this.#used + length > this.#limit) return false;
      const grown = Buffer.allocUnsafe(
        Math.min(this.#limit, Math.max(this.#arena.length * 2, this.#used + length)),
      );
      this.#arena.copy(grown, 0, 0, this.#used);
      this.#arena = grown;
    }
    bytes.copy(this.#arena, this.#used, start, end);
    this.#entries.push({ line, fields, eventsBefore, offset: this.#used, length });
    this.#used += length;
    return true;
  }

  /** A verified checkpoint covers every kept event. */
  clear(): void {
    this.#entries = [];
    this.#used = 0;
  }

  /** Validates every kept event in full, in order; the first that fails, or null. Empties the arena. */
  check(): DeferredFailure | null {
    const entries = this.#entries;
    this.clear();
    for (const entry of entries) {
      const text = this.#arena.toString('utf8', entry.offset, entry.offset + entry.length);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      const view = value === undefined ? null : inspectEvent(value, text);
      const { fields } = entry;
      if (
        view === null ||
        !view.selfOk ||
        view.event.seq !== fields.seq ||
        view.event.prevHash !== fields.prevHash ||
        view.event.hash !== fields.hash
      ) {
        return { line: entry.line, fields, eventsBefore: entry.eventsBefore, malformed: view === null };
      }
    }
    return null;
  }
}
