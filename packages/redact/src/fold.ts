import type { SegmentCursor } from './segment.js';
import { PRIORITY } from './span.js';
import type { Span } from './span.js';

/**
 * Longest run of folded lines held together; a longer run is cut at a line edge, so a secret folded
 * across that edge is read in two halves (bounded memory and latency over tolerance).
 */
export const MAX_FOLD_SEGMENT = 32768;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10 || c === 11 || c === 12;
}

/** Length of the line `[lineStart, lineEnd)` without its `\n` or `\r\n`. */
function contentLength(text: string, lineStart: number, lineEnd: number): number {
  let e = lineEnd;
  if (e > lineStart && text.charCodeAt(e - 1) === 10) e--;
  if (e > lineStart && text.charCodeAt(e - 1) === 13) e--;
  return e - lineStart;
}

const SHAPE = 8;

/** Character class for {@link sameShape}: digits, upper and lower case letters, others as they are. */
function shapeOf(c: number): number {
  if (c >= 48 && c <= 57) return 48;
  if (c >= 65 && c <= 90) return 65;
  if (c >= 97 && c <= 122) return 97;
  return c;
}

/** True when the lines at `a` and `b` open with the same shape (over up to 8 characters, 4 at least). */
function sameShape(text: string, a: number, b: number, len: number): boolean {
  const n = Math.min(SHAPE, len);
  if (n < 4) return false;
  for (let i = 0; i < n; i++)
    if (shapeOf(text.charCodeAt(a + i)) !== shapeOf(text.charCodeAt(b + i))) return false;
  return true;
}

/** A line that opens with a key of its own (`HOME=`, `user:`) starts a record, not a continuation. */
const NEW_KEY = /[A-Za-z_][\w.-]{0,63}[=:]/y;

function opensWithKey(text: string, at: number): boolean {
  NEW_KEY.lastIndex = at;
  return NEW_KEY.test(text);
}

/** A run of folded lines: where it ends and whether its width is confirmed. */
export interface FoldRun {
  end: number;
  confirmed: boolean;
}

/**
 * The run of folded lines that starts with the line `[start, lineEnd)`: `{ end: lineEnd }` when the
 * line is not folded into the next, undefined when the next line must be seen first (`final` false
 * and the stream not being flushed: with `cursor.settle` the run ends at the last complete line).
 *
 * A line of width W is folded into the next when the next line is not empty, not wider than W and
 * does not open a PEM block and does not open like the first (then it is the next record). The
 * width is confirmed when the next line is W wide too (two full lines in a row, as `fold -w` or
 * a terminal leave them) or the text was already seen folded at W; inside a confirmed run, full
 * lines keep it going whatever falls at the break, and the first shorter line ends it. An
 * unconfirmed run is one break between two lines, inside a token (no white space on either side),
 * the second line not opening with a key of its own. Depends only on the text, so streamed and whole
 * redaction cut the same runs.
 */
export function foldEnd(
  text: string,
  start: number,
  lineEnd: number,
  final: boolean,
  cursor: SegmentCursor,
): FoldRun | undefined {
  const width = contentLength(text, start, lineEnd);
  if (width === 0 || width >= MAX_FOLD_SEGMENT) return { end: lineEnd, confirmed: false };
  let confirmed = width === cursor.foldWidth;
  let fullLines = 1;
  let end = lineEnd;
  let lastChar = text.charCodeAt(start + width - 1);
  for (;;) {
    if (end >= text.length) {
      if (final || cursor.settle) break;
      return undefined;
    }
    const nl = text.indexOf('\n', end);
    let nextEnd: number;
    if (nl === -1) {
      if (!final) {
        // a partial line already wider than the run cannot continue it; when the source paused,
        // the run ends before the partial line
        if (cursor.settle || text.length - end > width + 1) break;
        return undefined;
      }
      nextEnd = text.length;
    } else nextEnd = nl + 1;
    const len = contentLength(text, end, nextEnd);
    if (len === 0 || len > width || nextEnd - start > MAX_FOLD_SEGMENT) break;
    if (text.startsWith('-----', end)) break;
    const midToken = !isSpace(lastChar) && !isSpace(text.charCodeAt(end));
    if (!midToken && !confirmed && len < width) break;
    // at the first break, a line that opens like the first one is the next record of the same
    // output (log lines, table rows), and so is a shorter one opening with a key of its own
    if (end === lineEnd) {
      if (sameShape(text, start, end, Math.min(width, len))) break;
      if (len < width && !confirmed && opensWithKey(text, end)) break;
    }
    const lineStart = end;
    end = nextEnd;
    if (len < width) break;
    fullLines++;
    confirmed = true;
    lastChar = text.charCodeAt(lineStart + len - 1);
  }
  if (fullLines >= 2) cursor.foldWidth = width;
  return { end, confirmed };
}

/** Longest piece of a token read on either side of an unconfirmed break. */
const TOKEN_WINDOW = 256;

/** A run of folded lines in a batch, `[start, end)`. */
export interface FoldedRun {
  start: number;
  end: number;
  confirmed: boolean;
}

/**
 * Scans the runs of folded lines again with their line breaks taken out; a span found there that
 * crosses a break is mapped back onto the original characters, so one region covers every piece of
 * the folded secret (spans within one line are the line scan's). A run at a confirmed width is read
 * whole and any type counts; at an unconfirmed break only the token cut by it is read, and only a
 * secret that names itself (a vendor token, a known secret, a value under a sensitive key) counts,
 * and only when the first line alone did not already hold it whole up to the break.
 */
export function scanFolded(
  text: string,
  runs: readonly FoldedRun[],
  scan: (joined: string, out: Span[]) => void,
  spans: Span[],
): void {
  let size = 0;
  for (const r of runs) size += r.end - r.start + 1;
  const origin = new Int32Array(size);
  const breaks: Array<{ at: number; confirmed: boolean }> = [];
  let joined = '';
  const take = (from: number, to: number): void => {
    for (let i = from; i < to; i++) origin[joined.length + i - from] = i;
    joined += text.slice(from, to);
  };
  for (const r of runs) {
    let pos = r.start;
    while (pos < r.end) {
      const nl = text.indexOf('\n', pos);
      const lineEnd = nl === -1 || nl >= r.end ? r.end : nl + 1;
      const contentEnd = pos + contentLength(text, pos, lineEnd);
      if (r.confirmed) take(pos, contentEnd);
      else if (pos === r.start) take(tokenStart(text, pos, contentEnd), contentEnd);
      else take(pos, tokenEnd(text, pos, contentEnd));
      pos = lineEnd;
      if (pos < r.end) breaks.push({ at: joined.length, confirmed: r.confirmed });
    }
    origin[joined.length] = r.end - 1;
    joined += '\n';
  }
  const inner: Span[] = [];
  scan(joined, inner);
  // a secret the line scan found whole up to the break gives no sign that the next line continues it
  const endingAtBreak = new Set(spans.map((sp) => `${sp.type}@${sp.end}`));
  for (const sp of inner) {
    if (sp.end <= sp.start) continue;
    const crossed = breakInside(breaks, sp.start, sp.end);
    if (crossed === undefined) continue;
    if (
      !crossed.confirmed &&
      (sp.priority < PRIORITY.keyValue || endingAtBreak.has(`${sp.type}@${origin[crossed.at - 1]! + 1}`))
    )
      continue;
    spans.push({
      start: origin[sp.start]!,
      end: origin[sp.end - 1]! + 1,
      type: sp.type,
      priority: sp.priority,
    });
  }
}

function tokenStart(text: string, from: number, to: number): number {
  let i = to;
  while (i > from && to - i < TOKEN_WINDOW && !isSpace(text.charCodeAt(i - 1))) i--;
  return i;
}

function tokenEnd(text: string, from: number, to: number): number {
  let i = from;
  while (i < to && i - from < TOKEN_WINDOW && !isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The first break strictly inside `(start, end)`; `breaks` is ascending. */
function breakInside<B extends { at: number }>(
  breaks: readonly B[],
  start: number,
  end: number,
): B | undefined {
  let lo = 0;
  let hi = breaks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (breaks[mid]!.at <= start) lo = mid + 1;
    else hi = mid;
  }
  const b = breaks[lo];
  return b !== undefined && b.at < end ? b : undefined;
}
