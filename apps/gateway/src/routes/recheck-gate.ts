import { GloveboxError } from '@glovebox/core';

/**
 * Releases writes to a caller in the order they came, each only after a re-check of the caller
 * (token revoked, rights changed) that began after the write came. Writes that come while a re-check
 * runs wait for the next one, so a burst of lines costs one re-check, not one each. A re-check that
 * cannot be made refuses (fail closed); after a refusal `onRefused` is told once and nothing more is
 * written.
 */
export class RecheckGate {
  readonly #recheck: () => Promise<GloveboxError | null>;
  readonly #onRefused: (refused: GloveboxError) => void;
  #pending: Array<() => void> = [];
  #checking = 0;
  #running: Promise<void> | null = null;
  #refused: GloveboxError | null = null;

  constructor(recheck: () => Promise<GloveboxError | null>, onRefused: (refused: GloveboxError) => void) {
    this.#recheck = recheck;
    this.#onRefused = onRefused;
  }

  /** The refusal, once a re-check refused. */
  get refused(): GloveboxError | null {
    return this.#refused;
  }

  /** Writes not yet released or dropped. */
  get waiting(): number {
    return this.#pending.length + this.#checking;
  }

  release(write: () => void): void {
    if (this.#refused) return;
    this.#pending.push(write);
    this.#running ??= this.#drain();
  }

  /** Resolves when every write released so far has been written or dropped by a refusal. */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0 && !this.#refused) {
      const batch = this.#pending;
      this.#pending = [];
      this.#checking = batch.length;
      const refused = await this.#recheck().catch(
        () => new GloveboxError('GBX_STORE_UNAVAILABLE', 'could not re-check the caller'),
      );
      this.#checking = 0;
      if (refused) {
        this.#refused = refused;
        this.#pending = [];
        this.#onRefused(refused);
      } else for (const write of batch) write();
    }
    this.#running = null;
  }
}
