import { newId } from '@glovebox/core';
import type { Cluster, ControlListener, ControlMessage, DistributiveOmit } from './cluster.js';

/**
 * The cluster of one: the embedded SQLite store serves one gateway process, which leads the
 * singleton jobs from the start; locks and control messages stay in this process.
 */
export class LocalCluster implements Cluster {
  readonly replicaId = newId('rep');
  readonly #listeners: ControlListener[] = [];
  readonly #leadershipListeners: ((leader: boolean) => void)[] = [];
  readonly #locks = new Map<string, Promise<unknown>>();
  #leader = false;

  start(): Promise<void> {
    this.#leader = true;
    for (const listener of this.#leadershipListeners) listener(true);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#leader) {
      this.#leader = false;
      for (const listener of this.#leadershipListeners) listener(false);
    }
    return Promise.resolve();
  }

  isLeader(): boolean {
    return this.#leader;
  }

  onLeadership(listener: (leader: boolean) => void): void {
    this.#leadershipListeners.push(listener);
  }

  subscribe(listener: ControlListener): void {
    this.#listeners.push(listener);
  }

  publish(message: DistributiveOmit<ControlMessage, 'from'>): void {
    const full = { ...message, from: this.replicaId };
    queueMicrotask(() => {
      for (const listener of this.#listeners) listener.message(full);
    });
  }

  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(name) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.#locks.set(name, settled);
    void settled.then(() => {
      if (this.#locks.get(name) === settled) this.#locks.delete(name);
    });
    return run;
  }
}
