/**
 * Receives each line as bytes `bytes[start, end)` (null when it was longer than the limit and was
 * skipped unread), its 1-based number, and whether a newline ended it. Returns false to stop
 * reading. The bytes are only valid during the call: the buffer is reused.
 */
export type ByteLineHandler = (
  bytes: Buffer | null,
  start: number,
  end: number,
  line: number,
  terminated: boolean,
) => boolean;

/** Receives each line's UTF-8 text (null when over the limit); see {@link ByteLineHandler}. */
export type LineHandler = (text: string | null, line: number, terminated: boolean) => boolean;

/**
 * Splits a byte stream into lines without ever holding more than `maxBytes` of one line beyond
 * the chunk being read. Lines inside a chunk are handed over in place, never copied.
 */
export async function forEachLineBytes(
  source: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
  onLine: ByteLineHandler,
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
    const whole = oversize ? null : Buffer.concat(parts, length);
    parts = [];
    length = 0;
    oversize = false;
    return onLine(whole, 0, whole?.length ?? 0, line, terminated);
  };
  for await (const chunk of source) {
    const buffer =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let end = buffer.indexOf(10);
    if (end === -1) {
      carry(buffer);
      continue;
    }
    carry(buffer.subarray(0, end));
    if (!flushCarried(true)) return;
    let start = end + 1;
    while ((end = buffer.indexOf(10, start)) !== -1) {
      line++;
      const fits = end - start <= maxBytes;
      if (!onLine(fits ? buffer : null, start, end, line, true)) return;
      start = end + 1;
    }
    // The tail is copied: a reader may hand out a buffer it later reuses.
    carry(Buffer.from(buffer.subarray(start)));
  }
  if (length > 0 || oversize) flushCarried(false);
}

/** {@link forEachLineBytes} with each line decoded as UTF-8. */
export function forEachLine(
  source: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
  onLine: LineHandler,
): Promise<void> {
  return forEachLineBytes(source, maxBytes, (bytes, start, end, line, terminated) =>
    onLine(bytes === null ? null : bytes.toString('utf8', start, end), line, terminated),
  );
}
