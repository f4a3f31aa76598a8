import type { KnownSecrets } from './known-secrets.js';

/** How much a redactor masks: `standard` masks secrets and personal data, `strict` also IPs, MACs and names. */
export type MaskingLevel = 'standard' | 'strict';

/** Counts by detector type, e.g. `{ EMAIL: 2, AWS_ACCESS_KEY_ID: 1 }`. Never values. */
export type RedactionCounts = Record<string, number>;

/**
 * A user-supplied detector. The pattern is checked for catastrophic backtracking when the redactor
 * is built and runs on one line at a time.
 */
export interface CustomDetector {
  /** Placeholder type, upper snake case, e.g. `ACME_TOKEN`. */
  type: string;
  /** Regular expression (source string or RegExp); flags other than `i`, `u` and `s` are ignored. */
  pattern: string | RegExp;
  /** Optional check on the matched text; return false to leave the match alone. */
  validate?: (match: string) => boolean;
  /** Lowest level at which the detector runs; default `standard`. */
  level?: MaskingLevel;
}

/** Limits for {@link Redactor.redactValue}, so a huge or cyclic graph cannot stall it. */
export interface RedactionBudget {
  /** Most values visited; the rest are replaced by `[Truncated]`. Default 10 000. */
  maxNodes?: number;
  /** Deepest nesting followed; deeper values become `[MaxDepth]`. Default 32. */
  maxDepth?: number;
  /** Longest string kept; longer strings are cut (after redaction) and marked. Default 65 536. */
  maxStringLength?: number;
}

/** Options of {@link createRedactor}. */
export interface RedactorOptions {
  /** Default `standard`. */
  level?: MaskingLevel;
  /** When set, placeholders carry a keyed fingerprint: `[EMAIL:3fa1c2]` (HMAC-SHA256, truncated). */
  fingerprintKey?: string | Uint8Array;
  /** Extra regex detectors, checked for catastrophic backtracking. */
  detectors?: CustomDetector[];
  /** Values never redacted: exact strings, or regular expressions that must match the whole value. */
  allow?: Array<string | RegExp>;
  /** Extra key names whose values are always masked (compared case- and separator-insensitively). */
  sensitiveKeys?: string[];
  /** Structured redaction budget. */
  budget?: RedactionBudget;
  /**
   * Secrets this process knows (its credential, database passwords, sensitive environment
   * values), masked by exact value and in common encodings; see {@link KnownSecrets}.
   */
  knownSecrets?: KnownSecrets;
}

/** A configured redaction engine; immutable and safe to share. */
export interface Redactor {
  readonly level: MaskingLevel;
  /** Masks every detected secret and personal value in `text`. */
  redactText(text: string): { text: string; counts: RedactionCounts };
  /**
   * Deep, cycle-safe, budgeted copy with secrets masked by key name and by value; output is JSON-safe
   * (Map -> object/entries, Set -> array, BigInt -> string, cycles and budget overruns marked).
   */
  redactValue(value: unknown): { value: unknown; counts: RedactionCounts };
  /**
   * Streaming: push chunks, get redacted text back; catches secrets split across chunks (multi-line
   * PEM keys too) with bounded look-back memory; end() flushes. The concatenated output equals
   * `redactText` of the concatenated input, whatever the split.
   */
  createStream(): TextRedactionStream;
  /**
   * Several sources (a command's stdout and stderr) redacted as one text in the order their chunks
   * arrive, so a secret split between them is still masked; output comes back per source.
   * Concatenating all pieces gives `redactText` of all chunks in arrival order.
   */
  createMergedStream<S extends string = string>(): MergedRedactionStream<S>;
  /** True when values under this key name are masked whatever they look like. */
  isSensitiveKey(name: string): boolean;
}

/** A text stream being redacted; see {@link Redactor.createStream}. */
export interface TextRedactionStream {
  /** Feeds a chunk; returns the redacted text that is final so far (possibly empty). */
  push(chunk: string): string;
  /**
   * The source paused: releases the complete lines held back because the next line might continue
   * them (a run of folded lines); a line without its `\n` stays held. Call it when no chunk came for
   * a short while (`FLUSH_IDLE_MS`, `idleFlush`); output still equals `redactText` of the whole input
   * unless the pause fell inside a folded secret, which is then masked per piece only.
   */
  flush(): string;
  /** Flushes whatever is held back; the stream cannot be used afterwards. */
  end(): string;
  /** Counts so far. */
  readonly counts: RedactionCounts;
}

/** Redacted output of one source; see {@link Redactor.createMergedStream}. */
export interface RedactedPiece<S extends string = string> {
  source: S;
  text: string;
}

/** Sources redacted together in arrival order; see {@link Redactor.createMergedStream}. */
export interface MergedRedactionStream<S extends string = string> {
  /** Feeds a chunk of one source; returns the redacted output that is final so far, per source. */
  push(source: S, chunk: string): Array<RedactedPiece<S>>;
  /** The sources paused: as {@link TextRedactionStream.flush}. */
  flush(): Array<RedactedPiece<S>>;
  /** Flushes whatever is held back; the stream cannot be used afterwards. */
  end(): Array<RedactedPiece<S>>;
  /** Counts so far. */
  readonly counts: RedactionCounts;
}
