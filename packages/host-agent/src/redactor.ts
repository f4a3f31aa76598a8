import { createRedactor, type KnownSecrets } from '@glovebox/redact';
import type { MaskingLevel } from '@glovebox/agent';

/** Counts of redacted values by detector type. */
export type RedactionCounts = Record<string, number>;

/** A redaction stream that keeps a secret whole when it is split across chunks. */
export interface RedactionStream {
  push(chunk: string): string;
  /** The source paused: releases the lines held back for a possible fold. */
  flush(): string;
  end(): string;
  readonly counts: Readonly<RedactionCounts>;
}

/** stdout and stderr redacted as one text in arrival order; output comes back per stream. */
export interface MergedRedactionStream {
  push(source: 'stdout' | 'stderr', chunk: string): Array<{ source: 'stdout' | 'stderr'; text: string }>;
  /** The command paused: releases the lines held back for a possible fold. */
  flush(): Array<{ source: 'stdout' | 'stderr'; text: string }>;
  end(): Array<{ source: 'stdout' | 'stderr'; text: string }>;
  readonly counts: Readonly<RedactionCounts>;
}

/** The part of the `@glovebox/redact` engine the host agent uses. */
export interface HostRedactor {
  redactText(text: string): { text: string; counts: Readonly<RedactionCounts> };
  redactValue(value: unknown): { value: unknown; counts: Readonly<RedactionCounts> };
  createStream(): RedactionStream;
  createMergedStream(): MergedRedactionStream;
  isSensitiveKey(name: string): boolean;
}

/** Returns the redactor for a masking level; injectable in module options. */
export type RedactorFactory = (level: MaskingLevel) => HostRedactor;

/**
 * The real engine, one instance per masking level; `knownSecrets` (the agent's credential, its
 * database passwords) are masked by value wherever they appear.
 */
export function defaultRedactorFactory(knownSecrets?: KnownSecrets): RedactorFactory {
  const cache = new Map<MaskingLevel, HostRedactor>();
  return (level) => {
    let redactor = cache.get(level);
    if (!redactor) {
      redactor = createRedactor({ level, ...(knownSecrets ? { knownSecrets } : {}) });
      cache.set(level, redactor);
    }
    return redactor;
  };
}

/** Adds `more` into `into`. */
export function addCounts(into: RedactionCounts, more: Readonly<RedactionCounts>): RedactionCounts {
  for (const [type, count] of Object.entries(more)) into[type] = (into[type] ?? 0) + count;
  return into;
}
