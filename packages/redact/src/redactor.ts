import { Engine } from './engine.js';
import { MergedStream } from './merged-stream.js';
import { newCursor, shiftCursor } from './segment.js';
import type { SegmentCursor } from './segment.js';
import { redactStructured, resolveBudget } from './structured.js';
import type { Budget } from './structured.js';
import type {
  MaskingLevel,
  MergedRedactionStream,
  RedactionCounts,
  Redactor,
  RedactorOptions,
  TextRedactionStream,
} from './types.js';

class TextStream implements TextRedactionStream {
  private buffer = '';
  private readonly cursor: SegmentCursor = newCursor();
  private ended = false;
  readonly counts: RedactionCounts = {};

  constructor(private readonly engine: Engine) {}

  push(chunk: string): string {
    if (this.ended) throw new TypeError('push() after end()');
    if (typeof chunk !== 'string') throw new TypeError('chunk must be a string');
    if (chunk.length === 0) return '';
    this.buffer += chunk;
    return this.drain(false);
  }

  flush(): string {
    if (this.ended) throw new TypeError('flush() after end()');
    this.cursor.settle = true;
    try {
      return this.drain(false);
    } finally {
      this.cursor.settle = false;
    }
  }

  end(): string {
    if (this.ended) throw new TypeError('end() called twice');
    const out = this.drain(true);
    this.ended = true;
    this.buffer = '';
    return out;
  }

  private drain(final: boolean): string {
    const { out, end } = this.engine.drain(this.buffer, this.cursor, final, this.counts);
    if (end > 0) {
      this.buffer = this.buffer.slice(end);
      shiftCursor(this.cursor, end);
    }
    return out;
  }
}

class RedactorImpl implements Redactor {
  private readonly engine: Engine;
  private readonly budget: Budget;

  constructor(options: RedactorOptions) {
    this.engine = new Engine(options);
    this.budget = resolveBudget(options.budget);
  }

  get level(): MaskingLevel {
    return this.engine.level;
  }

  redactText(text: string): { text: string; counts: RedactionCounts } {
    if (typeof text !== 'string') throw new TypeError('redactText expects a string');
    const counts: RedactionCounts = {};
    return { text: this.engine.redactText(text, counts), counts };
  }

  redactValue(value: unknown): { value: unknown; counts: RedactionCounts } {
    const counts: RedactionCounts = {};
    return { value: redactStructured(this.engine, this.budget, value, counts), counts };
  }

  createStream(): TextRedactionStream {
    return new TextStream(this.engine);
  }

  createMergedStream<S extends string = string>(): MergedRedactionStream<S> {
    return new MergedStream<S>(this.engine);
  }

  isSensitiveKey(name: string): boolean {
    if (typeof name !== 'string') throw new TypeError('isSensitiveKey expects a string');
    const v = this.engine.classifyKey(name);
    return v !== undefined && v.mode === 'mask';
  }
}

/**
 * Builds a redactor. Throws `RedactError` (`GBX_REDACT_UNSAFE_PATTERN`, `GBX_REDACT_INVALID_PATTERN`,
 * `GBX_REDACT_INVALID_OPTIONS`) for unusable configuration and `TypeError` for API misuse.
 *
 * @example
 * const r = createRedactor({ level: 'strict' });
 * r.redactText('mail alice@example.com from 10.0.0.7').text;
 * // 'mail [REDACTED:EMAIL] from [REDACTED:IPV4]'
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  return new RedactorImpl(options);
}

/**
 * Adds `from` into `into` and returns `into`, for aggregating counts over several calls.
 *
 * @example
 * const total = {}; mergeCounts(total, r.redactText(a).counts); mergeCounts(total, r.redactText(b).counts);
 */
export function mergeCounts(into: RedactionCounts, from: RedactionCounts): RedactionCounts {
  for (const [k, v] of Object.entries(from)) {
    if (k === '__proto__') continue;
    into[k] = (into[k] ?? 0) + v;
  }
  return into;
}
