import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { idleFlush } from './idle.js';
import type { RedactionCounts, Redactor } from './types.js';

/** A Transform that redacts UTF-8 text; `counts` is complete once the stream has finished. */
export interface RedactTransform extends Transform {
  readonly counts: RedactionCounts;
}

/**
 * Wraps a redactor's stream in a node:stream Transform (bytes or strings in, UTF-8 text out).
 * Multi-byte characters split across chunks are reassembled before redaction. When no chunk came
 * for FLUSH_IDLE_MS, the lines held back for a possible fold are released.
 *
 * @example
 * process.stdin.pipe(createRedactTransform(createRedactor())).pipe(process.stdout);
 */
export function createRedactTransform(redactor: Redactor): RedactTransform {
  const stream = redactor.createStream();
  const decoder = new StringDecoder('utf8');
  const idle = idleFlush(() => {
    try {
      const out = stream.flush();
      if (out.length > 0) t.push(out);
    } catch (e) {
      t.destroy(e as Error);
    }
  });
  const t: Transform = new Transform({
    decodeStrings: false,
    transform(chunk: unknown, _enc, done) {
      try {
        const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
        const out = stream.push(text);
        idle.touch();
        done(null, out.length > 0 ? out : undefined);
      } catch (e) {
        done(e as Error);
      }
    },
    flush(done) {
      idle.cancel();
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
