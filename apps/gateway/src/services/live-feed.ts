/** One piece of a session's streamed output, as released to the engineer who ran the action. */
export interface LivePiece {
  sessionId: string;
  action: string;
  recordingId: string;
  time: number;
  data: unknown;
}

type Listener = (piece: LivePiece | null) => void;

/**
 * Fans out what a session streams (already redacted and recorded) to people watching it live,
 * e.g. an approver in the web console. `null` tells watchers the session is over.
 */
export class LiveFeed {
  readonly #listeners = new Map<string, Set<Listener>>();

  subscribe(sessionId: string, listener: Listener): () => void {
    let set = this.#listeners.get(sessionId);
    if (!set) {
      set = new Set();
      this.#listeners.set(sessionId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(sessionId);
    };
  }

  publish(piece: LivePiece): void {
    for (const listener of this.#listeners.get(piece.sessionId) ?? []) listener(piece);
  }

  /** Ends every watcher of a session. */
  end(sessionId: string): void {
    for (const listener of this.#listeners.get(sessionId) ?? []) listener(null);
    this.#listeners.delete(sessionId);
  }

  watchers(sessionId: string): number {
    return this.#listeners.get(sessionId)?.size ?? 0;
  }
}
