import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { RedactionCounts, Redactor } from './types.js';

/** A Transform that redacts UTF-8 text; `counts` is complete once the stream has finished. */
export interface RedactTransform extends Transform {
  readonly counts: RedactionCounts;
}

/**
 * Wraps a redactor's stream in a node:stream Transform (bytes or strings in, UTF-8 text out).
 * Multi-byte characters split across chunks are reassembled before redaction.
 *
 * @example
 * process.stdin.pipe(createRedactTransform(createRedactor())).pipe(process.stdout);
 */
export function createRedactTransform(redactor: Redactor): RedactTransform {
  const stream = redactor.createStream();
  const decoder = new StringDecoder('utf8');
  const t = new Transform({
    decodeStrings: false,
    transform(chunk: unknown, _enc, done) {
      try {
        const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
        const out = stream.push(text);
        done(null, out.length > 0 ? out : undefined);
      } catch (e) {
        done(e as Error);
      }
    },
    flush(done) {
      try {
        const rest = stream.push(decoder.end());
        const out = rest + stream.end();
        done(null, out.length > 0 ? out : undefined);
      } catch (e) {
        done(e as Error);
      }
    },
  });
  return Object.defineProperty(t, 'counts', {
    get: () => stream.counts,
    enumerable: true,
  }) as RedactTransform;
}
