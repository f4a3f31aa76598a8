import { randomBytes } from 'node:crypto';
import {
  createRedactor,
  type KnownSecrets,
  mergeCounts,
  type MaskingLevel,
  type RedactionCounts,
  type Redactor,
} from '@glovebox/redact';
import { planGraph, USE } from './analysis.js';
import { decideNodes, keyOracle, type DecisionStats, type SourcePolicy } from './decisions.js';
import type { ParsedSnapshot } from './reader.js';

/** How a snapshot is redacted. */
export interface HeapRedactionOptions {
  /** Masking level of the session; default `standard`. */
  level?: MaskingLevel;
  /** Key of the placeholders' fingerprints (HMAC-SHA256), ≥ 16 bytes; default a random one per call. */
  fingerprintKey?: Uint8Array;
  /** Extra names whose values are masked. */
  sensitiveKeys?: string[];
  /** Values masked wherever they appear (the agent credential, sensitive environment values). */
  knownSecrets?: KnownSecrets;
  /** Script source text: `omit` (default) replaces it, `redact` runs the detectors, `keep` leaves it. */
  sources?: SourcePolicy;
  /** Function names, script URLs and regexp patterns: `redact` (default) runs the detectors, `keep` does not. */
  code?: 'redact' | 'keep';
  /** V8's `--heap-snapshot-string-limit` (1024): a string this long was cut, so its last token is too. */
  stringLimit?: number;
}

/** What the redaction did, for the audit event: counts only. */
export interface HeapRedactionStats extends DecisionStats {
  nodes: number;
  edges: number;
  strings: number;
  stringBytes: number;
  stringsRedacted: number;
  stringsDropped: number;
  stringsAdded: number;
  redactions: RedactionCounts;
  /** Whole redaction: planning the graph, deciding string nodes, writing nodes, edges and strings. */
  redactMs: number;
  /** Of which redacting and writing the strings table (time spent waiting on the consumer excluded). */
  stringsMs: number;
}

const CHUNK_CHARS = 1024 * 1024;
const BATCH_CHARS = 256 * 1024;

/**
 * Redacts a parsed snapshot and yields the `.heapsnapshot` text in chunks of about 1 MiB. Nodes,
 * edges, sizes and ids are written back unchanged (so retained sizes, dominators and retainers are
 * exact); only strings change: every entry goes through the redaction engine, string nodes whose
 * masking depends on where they sit point to new masked entries, and entries nothing uses any more
 * are emptied. The unredacted strings are zero-filled once written.
 */
export function* redactSnapshot(
  s: ParsedSnapshot,
  options: HeapRedactionOptions = {},
): Generator<string, HeapRedactionStats> {
  const started = performance.now();
  const fingerprintKey = options.fingerprintKey ?? randomBytes(32);
  const redactor = createRedactor({
    level: options.level ?? 'standard',
    fingerprintKey,
    ...(options.sensitiveKeys ? { sensitiveKeys: options.sensitiveKeys } : {}),
    ...(options.knownSecrets ? { knownSecrets: options.knownSecrets } : {}),
  });
  const cache = new Map<number, string>();
  const names = (entry: number): string => {
    let t = cache.get(entry);
    if (t === undefined) {
      t = s.strings.get(entry);
      if (cache.size < 200_000) cache.set(entry, t);
    }
    return t;
  };
  const counts: RedactionCounts = {};
  const plan = planGraph(s, keyOracle(s, redactor, names), names);
  const { texts, stats } = decideNodes(
    { s, redactor, fingerprintKey, names, counts, sources: options.sources ?? 'omit' },
    plan,
  );
  cache.clear();
  const l = s.layout;
  const keep = new Uint8Array(s.strings.length);
  const codeOnly = options.code === 'keep';
  for (let e = 0; e < keep.length; e++) {
    const u = plan.uses[e]!;
    if (u & (USE.edgeName | USE.nodeName | USE.trace)) keep[e] = 1;
    else if (u & USE.codeName) keep[e] = codeOnly ? 2 : 1;
  }
  const added: string[] = [];
  const addedIndex = new Map<string, number>();
  for (let node = 0; node * l.nodeFields < s.nodes.length; node++) {
    const at = node * l.nodeFields + l.nodeName;
    if (s.nodes[node * l.nodeFields + l.nodeType] !== l.node.string) continue;
    const text = texts.get(node);
    if (text === undefined) {
      keep[s.nodes[at]!] = 1;
      continue;
    }
    let index = addedIndex.get(text);
    if (index === undefined) {
      index = s.strings.length + added.length;
      added.push(text);
      addedIndex.set(text, index);
    }
    s.nodes[at] = index;
  }
  const result: HeapRedactionStats = {
    ...stats,
    nodes: s.nodes.length / l.nodeFields,
    edges: s.edges.length / l.edgeFields,
    strings: s.strings.length,
    stringBytes: s.strings.bytes,
    stringsRedacted: 0,
    stringsDropped: 0,
    stringsAdded: added.length,
    redactions: counts,
    redactMs: 0,
    stringsMs: 0,
  };
  const out = new ChunkBuffer();
  out.push(`{"snapshot":${JSON.stringify(s.header)},\n"nodes":[`);
  yield* numbers(out, s.nodes, l.nodeFields);
  out.push('],\n"edges":[');
  yield* numbers(out, s.edges, l.edgeFields);
  out.push(']');
  for (const section of s.sections) out.push(`,\n"${section.name}":${section.raw}`);
  out.push(',\n"strings":[');
  const limit = options.stringLimit ?? 1024;
  let first = true;
  const emit = (text: string) => {
    out.push(first ? quote(text) : `,\n${quote(text)}`);
    first = false;
  };
  const strings = batches(s, keep, redactor, counts);
  for (;;) {
    const batchStarted = performance.now();
    const step = strings.next();
    if (step.done) {
      result.stringsMs += performance.now() - batchStarted;
      break;
    }
    const batch = step.value;
    for (const [entry, original] of batch) {
      if (keep[entry] === 0) {
        result.stringsDropped++;
        emit('');
      } else if (keep[entry] === 2) emit(original);
      else {
        emit(redactValueText(redactor, original, limit, counts, result, batch.redacted.get(entry)));
      }
    }
    result.stringsMs += performance.now() - batchStarted;
    const chunk = out.take(CHUNK_CHARS);
    if (chunk !== undefined) yield chunk;
  }
  for (const text of added) emit(text);
  out.push(']}\n');
  s.strings.wipe();
  result.redactMs = Math.round(performance.now() - started);
  result.stringsMs = Math.round(result.stringsMs);
  const rest = out.take(0);
  if (rest !== undefined) yield rest;
  return result;
}

/** A batch of entries with the redaction of those redacted together. */
type Batch = [number, string][] & { redacted: Map<number, string> };

/**
 * Groups entries without line breaks and redacts each group as one text joined by `\n` (detectors
 * never cross a line, so this equals redacting each entry, at block speed). A group whose line
 * count changes (a multi-line secret across entries) is redacted entry by entry instead.
 */
function* batches(
  s: ParsedSnapshot,
  keep: Uint8Array,
  redactor: Redactor,
  counts: RedactionCounts,
): Generator<Batch> {
  let batch = newBatch();
  let chars = 0;
  for (let e = 0; e < s.strings.length; e++) {
    const text = keep[e] === 0 ? '' : s.strings.get(e);
    batch.push([e, text]);
    chars += text.length + 1;
    if (chars >= BATCH_CHARS) {
      redactTogether(batch, keep, redactor, counts);
      yield batch;
      batch = newBatch();
      chars = 0;
    }
  }
  redactTogether(batch, keep, redactor, counts);
  if (batch.length > 0) yield batch;
}

function newBatch(): Batch {
  const batch = [] as unknown as Batch;
  batch.redacted = new Map();
  return batch;
}

function redactTogether(batch: Batch, keep: Uint8Array, redactor: Redactor, counts: RedactionCounts): void {
  const together = batch.filter(([e, text]) => keep[e] === 1 && !text.includes('\n'));
  if (together.length === 0) return;
  const r = redactor.redactText(together.map(([, text]) => text).join('\n'));
  const lines = r.text.split('\n');
  if (lines.length !== together.length) return;
  mergeCounts(counts, r.counts);
  for (let i = 0; i < together.length; i++) batch.redacted.set(together[i]![0], lines[i]!);
}

function redactValueText(
  redactor: Redactor,
  original: string,
  limit: number,
  counts: RedactionCounts,
  stats: HeapRedactionStats,
  batched: string | undefined,
): string {
  let text: string;
  if (batched !== undefined) text = batched;
  else {
    const r = redactor.redactText(original);
    mergeCounts(counts, r.counts);
    text = r.text;
  }
  if (original.length >= limit) text = cutLastToken(text);
  if (text !== original) stats.stringsRedacted++;
  return text;
}

/** V8 cut this string at its limit: a secret may start in its last, partial token. */
function cutLastToken(text: string): string {
  const m = /[^\s"',;:=&?/()[\]{}<>]{1,512}$/.exec(text);
  return m ? `${text.slice(0, m.index)}[CUT]` : text;
}

/** Writes a numeric array as V8 does (one row per line), straight into ASCII bytes. */
function* numbers(out: ChunkBuffer, array: Uint32Array, width: number): Generator<string> {
  const buf = Buffer.allocUnsafe(CHUNK_CHARS + 256);
  const digits = new Uint8Array(10);
  let at = 0;
  for (let i = 0; i < array.length; i++) {
    if (i > 0) {
      buf[at++] = 44;
      if (i % width === 0) buf[at++] = 10;
    }
    let n = array[i]!;
    let d = 0;
    do {
      digits[d++] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    while (d > 0) buf[at++] = digits[--d]!;
    if (at >= CHUNK_CHARS) {
      out.push(buf.toString('latin1', 0, at));
      at = 0;
      const chunk = out.take(CHUNK_CHARS);
      if (chunk !== undefined) yield chunk;
    }
  }
  if (at > 0) out.push(buf.toString('latin1', 0, at));
}

/** JSON string with everything outside ASCII escaped, as V8 writes it. */
function quote(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

class ChunkBuffer {
  #parts: string[] = [];
  #chars = 0;

  push(text: string): void {
    this.#parts.push(text);
    this.#chars += text.length;
  }

  /** The buffered text once at least `min` characters are there (any amount when `min` is 0). */
  take(min: number): string | undefined {
    if (this.#chars === 0 || this.#chars < min) return undefined;
    const text = this.#parts.join('');
    this.#parts = [];
    this.#chars = 0;
    return text;
  }
}
