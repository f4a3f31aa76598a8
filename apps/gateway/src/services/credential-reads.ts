import type { Store, TokenRecord, UserRecord } from '../store/index.js';

/** Entries kept per kind; past it the kind starts over empty. */
const MAX_ENTRIES = 10_000;

/** The reads of one bearer check, all as of one credential generation. */
export interface CredentialView {
  tokenByHash(hash: string): Promise<TokenRecord | null>;
  tokenById(id: string): Promise<TokenRecord | null>;
  userById(id: string): Promise<UserRecord | null>;
}

/**
 * Tokens and users read for bearer checks, reused while the credential generation is unchanged.
 * The generation is a value the store replaces in the same transaction as every write to tokens
 * or users (migration 18), on every replica's behalf. A check first reads it (with the source's
 * failure count, in one statement), then asks `at(generation)`: when it differs from the one the
 * entries were kept under, they are dropped. An entry read after the generation was read is kept
 * only while the cache is still at that generation, so a record read before a revocation committed
 * is never reused after any check has seen the revocation's generation. Nothing is kept for
 * credentials that were not found. Every check (revoked, expired, disabled, groups too old) is
 * still made on each use, on the reused record.
 */
export class CredentialReads {
  readonly #store: Pick<Store, 'getTokenByHash' | 'getTokenById' | 'getUserById'>;
  #generation: string | null = null;
  readonly #byHash = new Map<string, TokenRecord>();
  readonly #byId = new Map<string, TokenRecord>();
  readonly #users = new Map<string, UserRecord>();

  constructor(store: Pick<Store, 'getTokenByHash' | 'getTokenById' | 'getUserById'>) {
    this.#store = store;
  }

  /** The reads for a check that read `generation` from the store. */
  at(generation: string): CredentialView {
    if (generation !== this.#generation) {
      this.#byHash.clear();
      this.#byId.clear();
      this.#users.clear();
      this.#generation = generation;
    }
    return {
      tokenByHash: (hash) =>
        this.#read(this.#byHash, hash, generation, () => this.#store.getTokenByHash(hash)),
      tokenById: (id) => this.#read(this.#byId, id, generation, () => this.#store.getTokenById(id)),
      userById: (id) => this.#read(this.#users, id, generation, () => this.#store.getUserById(id)),
    };
  }

  async #read<T extends TokenRecord | UserRecord>(
    kept: Map<string, T>,
    key: string,
    generation: string,
    read: () => Promise<T | null>,
  ): Promise<T | null> {
    if (generation === this.#generation) {
      const hit = kept.get(key);
      if (hit) return hit;
    }
    const value = await read();
    if (value === null || generation !== this.#generation) return value;
    if (kept.size >= MAX_ENTRIES) kept.clear();
    const frozen = Object.freeze(value);
    if ('groups' in frozen) Object.freeze(frozen.groups);
    kept.set(key, frozen);
    return frozen;
  }
}
