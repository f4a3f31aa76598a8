import { isAscii } from 'node:buffer';

/**
 * Receives each line: its text (null when it was longer than the limit and was skipped unread),
 * its 1-based number, and whether a newline ended it. Returns false to stop reading.
 */
export type LineHandler = (text: string | null, line: number, terminated: boolean) => boolean;

/** UTF-8 text of `buffer[start, end)`; pure ASCII (the usual export) decodes an order of magnitude faster. */
function decode(buffer: Buffer, start: number, end: number): string {
  return buffer.toString(isAscii(buffer.subarray(start, end)) ? 'ascii' : 'utf8', start, end);
}

function oversized(text: string, maxBytes: number): boolean {
  return text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes);
}

/**
 * Splits a byte stream into lines without ever holding more than `maxBytes` of one line beyond
 * the chunk being read. Whole lines inside a chunk are decoded in one pass.
 */
export async function forEachLine(
  source: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
  onLine: LineHandler,
): Promise<void> {
  let parts: Buffer[] = [];
  let length = 0;
  let oversize = false;
  let line = 0;
  const carry = (piece: Buffer): void => {
    if (oversize) return;
    if (length + piece.length > maxBytes) {
      oversize = true;
      parts = [];
      length = 0;
    } else if (piece.length > 0) {
      parts.push(piece);
      length += piece.length;
    }
  };
  const flushCarried = (terminated: boolean): boolean => {
    line++;
    const text = oversize ? null : Buffer.concat(parts, length).toString('utf8');
    parts = [];
    length = 0;
    oversize = false;
    return onLine(text, line, terminated);
  };
  for await (const chunk of source) {
    const buffer =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const first = buffer.indexOf(10);
    if (first === -1) {
      carry(buffer);
      continue;
    }
    carry(buffer.subarray(0, first));
    if (!flushCarried(true)) return;
    const last = buffer.lastIndexOf(10);
    if (last > first) {
      const text = decode(buffer, first + 1, last);
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n', start);
        const piece = end === -1 ? text.slice(start) : text.slice(start, end);
        line++;
        if (!onLine(oversized(piece, maxBytes) ? null : piece, line, true)) return;
        if (end === -1) break;
        start = end + 1;
      }
    }
    carry(buffer.subarray(last + 1));
  }
  if (length > 0 || oversize) flushCarried(false);
}
