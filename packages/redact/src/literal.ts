/**
 * A literal found by searching for a rarer tail first: `indexOf` on a literal whose first character
 * is rare runs at memchr speed, one led by a common character (`-`, `e`, hex letters) does not.
 */
export class Literal {
  private readonly head: string;
  private readonly tail: string;

  constructor(
    readonly value: string,
    private readonly skip = 0,
  ) {
    this.head = value.slice(0, skip);
    this.tail = value.slice(skip);
  }

  /** First occurrence of the literal at or after `from`, or -1. */
  find(text: string, from: number): number {
    const skip = this.skip;
    if (skip === 0) return text.indexOf(this.tail, from);
    let i = text.indexOf(this.tail, from + skip);
    while (i !== -1) {
      if (text.startsWith(this.head, i - skip)) return i - skip;
      i = text.indexOf(this.tail, i + 1);
    }
    return -1;
  }
}

/** `-----BEGIN`, found from its rarer `BEGIN`. */
export const PEM_BEGIN = new Literal('-----BEGIN', 5);

/** `-----END`, found from its rarer `END`. */
export const PEM_END = new Literal('-----END', 5);
