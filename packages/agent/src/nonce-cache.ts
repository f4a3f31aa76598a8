/**
 * Remembers envelope call ids until they expire, so a captured envelope cannot be replayed.
 * Bounded: when full of unexpired ids it refuses new ones (fail closed) rather than forgetting.
 */
export class NonceCache {
  readonly #seen = new Map<string, number>();
  readonly #max: number;

  constructor(max = 100_000) {
    this.#max = max;
  }

  /** True the first time `id` is claimed before `expiresAt`; false on replay or when full. */
  claim(id: string, expiresAt: number, now: number): boolean {
    if (this.#seen.has(id)) return false;
    if (this.#seen.size >= this.#max) {
      for (const [key, until] of this.#seen) if (until < now) this.#seen.delete(key);
      if (this.#seen.size >= this.#max) return false;
    }
    this.#seen.set(id, expiresAt);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }
}
