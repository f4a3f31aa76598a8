import type { Logger } from 'pino';
import type { Cluster } from './cluster.js';

interface Job {
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
}

/**
 * Jobs that must run on one replica at a time (reaper, pending-request expiry, timed checkpoints,
 * sink dispatch): they run only while this replica leads, and never overlap themselves: a run
 * that outlasts its interval makes the next tick a no-op instead of a second, concurrent run.
 */
export class SingletonJobs {
  readonly #cluster: Cluster;
  readonly #log: Logger;
  readonly #jobs: Job[] = [];
  readonly #onLeadership: { gained: () => void; lost: () => Promise<void> }[] = [];
  #leading = false;

  constructor(cluster: Cluster, log: Logger) {
    this.#cluster = cluster;
    this.#log = log;
    cluster.onLeadership((leader) => (leader ? this.#gain() : void this.#lose()));
  }

  /** Runs `run` every `intervalMs` (and once at once) while this replica leads. */
  every(name: string, intervalMs: number, run: () => Promise<unknown>): void {
    const job: Job = { name, intervalMs, run, timer: undefined, running: undefined };
    this.#jobs.push(job);
    if (this.#leading) this.#schedule(job);
  }

  /** Something started while leading and stopped when the leadership is lost (sink dispatch). */
  whileLeading(gained: () => void, lost: () => Promise<void>): void {
    this.#onLeadership.push({ gained, lost });
    if (this.#leading) gained();
  }

  /** Runs a job now if it is not running (single flight); resolves when that run ends. */
  runNow(name: string): Promise<void> {
    const job = this.#jobs.find((j) => j.name === name);
    if (!job) throw new TypeError(`no job named ${name}`);
    return this.#tick(job);
  }

  /** Stops every job and waits for runs in flight. */
  async stop(): Promise<void> {
    await this.#lose();
  }

  #gain(): void {
    if (this.#leading) return;
    this.#leading = true;
    for (const job of this.#jobs) this.#schedule(job);
    for (const l of this.#onLeadership) l.gained();
  }

  async #lose(): Promise<void> {
    if (!this.#leading) return;
    this.#leading = false;
    for (const job of this.#jobs) clearInterval(job.timer);
    await Promise.allSettled([
      ...this.#jobs.map((job) => job.running),
      ...this.#onLeadership.map((l) => l.lost()),
    ]);
  }

  #schedule(job: Job): void {
    clearInterval(job.timer);
    job.timer = setInterval(() => void this.#tick(job), job.intervalMs);
    job.timer.unref();
    void this.#tick(job);
  }

  #tick(job: Job): Promise<void> {
    if (job.running) return job.running;
    if (!this.#leading || !this.#cluster.isLeader()) return Promise.resolve();
    job.running = job
      .run()
      .then(
        () => undefined,
        (error: unknown) => this.#log.error({ err: error, job: job.name }, 'singleton job failed'),
      )
      .finally(() => {
        job.running = undefined;
      });
    return job.running;
  }
}
