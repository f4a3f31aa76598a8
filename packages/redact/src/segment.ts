import { newLineContext } from './context.js';
import type { LineContext } from './context.js';
import { PEM_BEGIN, PEM_END } from './literal.js';
import { foldEnd } from './fold.js';

/**
 * Splits text into segments that detectors never cross: a line (up to and including `\n`), a whole
 * PEM private key block, a run of lines folded at one width (see {@link foldEnd}), or — for a line longer than {@link MAX_SEGMENT} — a piece cut at a field
 * delimiter. The split depends only on the text, never on how it arrived, which is what makes
 * streamed output equal to whole-text output.
 */
export const MAX_SEGMENT = 65536;
/** Longest multi-line private-key block held together (an 8192-bit RSA key is about 6.5 KB). */
export const MAX_PEM_SEGMENT = 32768;
const CUT_WINDOW = 4096;

/** `fold`: lines folded at a confirmed width; `break`: two lines that may be one cut in a token. */
export type SegmentKind = 'line' | 'pem' | 'fold' | 'break' | 'cut';

export interface Segment {
  end: number;
  kind: SegmentKind;
}

/** Resumable scanning state for one segment start, so repeated pushes do not rescan. */
export interface SegmentCursor {
  start: number;
  scanned: number;
  /** Position of the next `-----BEGIN` at or after `start`, or -1 when none up to `beginScanned`. */
  beginAt: number;
  beginScanned: number;
  /** What the lines redacted so far say about the next ones (table headers, `name:` lines). */
  lines: LineContext;
  /** The width the text was last seen folded at (two full lines in a row), 0 before that. */
  foldWidth: number;
  /**
   * Set while a stream is flushed because its source paused: a run of folded lines then ends at
   * the last complete line instead of waiting for the next one (a held line is released).
   */
  settle: boolean;
}

/** A cursor at the start of a text. */
export function newCursor(): SegmentCursor {
  return {
    start: 0,
    scanned: 0,
    beginAt: -1,
    beginScanned: 0,
    lines: newLineContext(),
    foldWidth: 0,
    settle: false,
  };
}

/** Moves every offset of the cursor back by `n`, after the caller dropped `n` leading characters. */
export function shiftCursor(cursor: SegmentCursor, n: number): void {
  cursor.start -= n;
  cursor.scanned = Math.max(0, cursor.scanned - n);
  cursor.beginAt = cursor.beginAt >= n ? cursor.beginAt - n : -1;
  cursor.beginScanned = Math.max(0, cursor.beginScanned - n);
}

function nextBegin(text: string, cursor: SegmentCursor): number {
  if (cursor.beginAt >= cursor.start) return cursor.beginAt;
  const from = Math.max(cursor.start, cursor.beginScanned - 9);
  const i = PEM_BEGIN.find(text, from);
  if (i === -1) {
    cursor.beginAt = -1;
    cursor.beginScanned = text.length;
  } else cursor.beginAt = i;
  return i;
}

/**
 * Finds the end of the segment starting at `cursor.start`, or returns undefined when more input is
 * needed (`final` false). Updates `cursor.scanned` to skip work next time.
 */
export function nextSegment(text: string, cursor: SegmentCursor, final: boolean): Segment | undefined {
  const start = cursor.start;
  if (start >= text.length) return undefined;
  const nl = text.indexOf('\n', Math.max(start, cursor.scanned));
  if (nl !== -1 && nl - start < MAX_SEGMENT) {
    const lineEnd = nl + 1;
    const begin = nextBegin(text, cursor);
    if (begin !== -1 && begin < lineEnd && opensPem(text, begin, lineEnd))
      return pemSegment(text, start, lineEnd, final, cursor);
    const run = foldEnd(text, start, lineEnd, final, cursor);
    if (run === undefined) {
      cursor.scanned = cursor.start;
      return undefined;
    }
    if (run.end === lineEnd) return { end: lineEnd, kind: 'line' };
    return { end: run.end, kind: run.confirmed ? 'fold' : 'break' };
  }
  // strictly longer, so the character after the cut window is known before cutting
  if (text.length - start > MAX_SEGMENT) return { end: chooseCut(text, start), kind: 'cut' };
  if (final) {
    return { end: text.length, kind: 'line' };
  }
  cursor.scanned = text.length;
  return undefined;
}

function opensPem(text: string, begin: number, end: number): boolean {
  // searched in the line only: in the whole text a certificate line would cost a scan to the end
  const line = text.slice(begin, end);
  const pk = line.indexOf('PRIVATE KEY');
  return pk !== -1 && PEM_END.find(line, pk) === -1;
}

function pemSegment(
  text: string,
  start: number,
  firstLineEnd: number,
  final: boolean,
  cursor: SegmentCursor,
): Segment | undefined {
  let lineStart = firstLineEnd;
  for (;;) {
    const nl = text.indexOf('\n', lineStart);
    if (nl === -1) {
      if (final) {
        return text.length - start <= MAX_PEM_SEGMENT
          ? { end: text.length, kind: 'pem' }
          : { end: lineStart, kind: 'pem' };
      }
      if (text.length - start > MAX_PEM_SEGMENT || text.length - lineStart >= MAX_SEGMENT)
        return { end: lineStart, kind: 'pem' };
      cursor.scanned = cursor.start;
      return undefined;
    }
    const lineEnd = nl + 1;
    if (lineEnd - start > MAX_PEM_SEGMENT) return { end: lineStart, kind: 'pem' };
    const endMarker = PEM_END.find(text, lineStart);
    if (endMarker !== -1 && endMarker < lineEnd) return { end: lineEnd, kind: 'pem' };
    lineStart = lineEnd;
  }
}

/**
 * Where to cut an over-long line: after the last field delimiter in the final window, so a
 * `key=value` pair or token is not split; at the hard limit when there is none.
 */
function chooseCut(text: string, start: number): number {
  const limit = start + MAX_SEGMENT;
  const floor = limit - CUT_WINDOW;
  for (const delims of [',;&', ' \t']) {
    for (let i = limit - 1; i >= floor; i--) {
      const ch = text[i]!;
      if (delims.includes(ch)) {
        const before = text.charCodeAt(i - 1);
        const after = text.charCodeAt(i + 1);
        const digitBefore = before >= 48 && before <= 57;
        const digitAfter = after >= 48 && after <= 57;
        if (!(digitBefore && digitAfter)) return i + 1;
      }
    }
  }
  return limit;
}
