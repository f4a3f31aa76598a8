import { GloveboxError } from '@glovebox/core';

const BLOCK_BYTES = 1024 * 1024;

/**
 * The snapshot's `strings` table kept outside the JavaScript heap (the agent's worker has a small
 * heap limit): each entry's JSON token as UTF-8 in large blocks, decoded on demand. Blocks are
 * zero-filled when the table is wiped, so unredacted text does not linger in freed memory.
 */
export class StringTable {
  readonly #blocks: Buffer[] = [];
  /** Per entry: block index, start and end byte (three numbers each). */
  #index = new Uint32Array(3 * 1024);
  /** Per entry: 1 when its token holds an escape (decoded by JSON.parse), else 0. */
  #escaped = new Uint8Array(1024);
  #count = 0;
  #bytes = 0;
  /** Bytes used in the last block. */
  #used = 0;

  get length(): number {
    return this.#count;
  }

  /** Bytes of JSON text held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Stores one JSON string token (with its quotes), as found in the snapshot. */
  push(token: string): void {
    const size = Buffer.byteLength(token, 'utf8');
    let block = this.#blocks[this.#blocks.length - 1];
    if (!block || this.#used + size > block.length) {
      block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, size));
      this.#blocks.push(block);
      this.#used = 0;
    }
    const used = this.#used;
    this.#used += size;
    block.write(token, used, 'utf8');
    if (this.#count * 3 + 3 > this.#index.length) {
      const grown = new Uint32Array(this.#index.length * 2);
      grown.set(this.#index);
      this.#index = grown;
      const flags = new Uint8Array(this.#escaped.length * 2);
      flags.set(this.#escaped);
      this.#escaped = flags;
    }
    this.#escaped[this.#count] = token.includes('\\') ? 1 : 0;
    const at = this.#count * 3;
    this.#index[at] = this.#blocks.length - 1;
    this.#index[at + 1] = used;
    this.#index[at + 2] = used + size;
    this.#count++;
    this.#bytes += size;
  }

  /** The decoded text of entry `i`. */
  get(i: number): string {
    if (i < 0 || i >= this.#count) return '';
    const at = i * 3;
    const block = this.#blocks[this.#index[at]!]!;
    const start = this.#index[at + 1]!;
    const end = this.#index[at + 2]!;
    // most entries have no escape: their text is the token without its quotes
    if (this.#escaped[i] === 0 && end - start >= 2 && block[start] === 34 && block[end - 1] === 34)
      return block.toString('utf8', start + 1, end - 1);
    const token = block.toString('utf8', start, end);
    let value: unknown;
    try {
      value = JSON.parse(token);
    } catch {
      value = undefined;
    }
    if (typeof value !== 'string')
      throw new GloveboxError('GBX_HEAP_FORMAT_INVALID', 'heap snapshot format not understood: a bad string');
    return value;
  }

  /** Overwrites every block with zeros and forgets the entries. */
  wipe(): void {
    for (const b of this.#blocks) b.fill(0);
    this.#blocks.length = 0;
    this.#count = 0;
    this.#bytes = 0;
    this.#used = 0;
  }
}
