import type { Engine, Region } from './engine.js';
import { newCursor, shiftCursor } from './segment.js';
import type { SegmentCursor } from './segment.js';
import type { MergedRedactionStream, RedactedPiece, RedactionCounts } from './types.js';

/**
 * Several sources (stdout and stderr) redacted as one text in arrival order, so a secret split
 * between them is still whole for the detectors; each piece of output goes back to the source its
 * characters came from, and a masked region's placeholder to the source where the region starts.
 */
export class MergedStream<S extends string> implements MergedRedactionStream<S> {
  private buffer = '';
  /** Where each source's characters start in `buffer`, in order; the first always starts at 0. */
  private origins: Array<{ at: number; source: S }> = [];
  private readonly cursor: SegmentCursor = newCursor();
  private ended = false;
  readonly counts: RedactionCounts = {};

  constructor(private readonly engine: Engine) {}

  push(source: S, chunk: string): Array<RedactedPiece<S>> {
    if (this.ended) throw new TypeError('push() after end()');
    if (typeof source !== 'string') throw new TypeError('source must be a string');
    if (typeof chunk !== 'string') throw new TypeError('chunk must be a string');
    if (chunk.length === 0) return [];
    if (this.origins.at(-1)?.source !== source) this.origins.push({ at: this.buffer.length, source });
    this.buffer += chunk;
    return this.drain(false);
  }

  flush(): Array<RedactedPiece<S>> {
    if (this.ended) throw new TypeError('flush() after end()');
    this.cursor.settle = true;
    try {
      return this.drain(false);
    } finally {
      this.cursor.settle = false;
    }
  }

  end(): Array<RedactedPiece<S>> {
    if (this.ended) throw new TypeError('end() called twice');
    const out = this.drain(true);
    this.ended = true;
    this.buffer = '';
    this.origins = [];
    return out;
  }

  private drain(final: boolean): Array<RedactedPiece<S>> {
    const regions: Region[] = [];
    const { end } = this.engine.drain(this.buffer, this.cursor, final, this.counts, Infinity, regions);
    if (end === 0) return [];
    const pieces = this.render(end, regions);
    this.buffer = this.buffer.slice(end);
    shiftCursor(this.cursor, end);
    // the origin covering `end` now starts at 0; those wholly before it are gone
    let keep = 0;
    while (keep + 1 < this.origins.length && this.origins[keep + 1]!.at <= end) keep++;
    this.origins = this.origins
      .slice(keep)
      .map((o, i) => ({ at: i === 0 ? 0 : o.at - end, source: o.source }));
    if (this.buffer.length === 0 && this.origins.length > 0) this.origins = [];
    return pieces;
  }

  /** The output of `[0, end)`, one piece per run of one source. */
  private render(end: number, regions: readonly Region[]): Array<RedactedPiece<S>> {
    const pieces: Array<RedactedPiece<S>> = [];
    const emit = (source: S, text: string): void => {
      if (text.length === 0) return;
      const last = pieces.at(-1);
      if (last !== undefined && last.source === source) last.text += text;
      else pieces.push({ source, text });
    };
    let r = 0;
    for (let k = 0; k < this.origins.length; k++) {
      const { at, source } = this.origins[k]!;
      if (at >= end) break;
      const stop = Math.min(end, this.origins[k + 1]?.at ?? end);
      let pos = at;
      let text = '';
      while (pos < stop) {
        const region = regions[r];
        if (region === undefined || region.start >= stop) {
          text += this.buffer.slice(pos, stop);
          break;
        }
        if (region.end <= pos) {
          r++;
          continue;
        }
        if (region.start >= pos) {
          text += this.buffer.slice(pos, region.start) + region.placeholder;
        }
        // the rest of a region begun in an earlier piece is dropped here
        pos = Math.min(region.end, stop);
        if (region.end <= stop) r++;
      }
      emit(source, text);
    }
    return pieces;
  }
}
