import { Worker } from 'node:worker_threads';
import { GloveboxError } from '@glovebox/core';
import type { AuditPublicKey, VerifyProgress, VerifyReport, WitnessedHead } from '@glovebox/audit';
import type { VerifyWorkerInput, VerifyWorkerMessage } from './audit-verify-worker.js';

/** Where the verifier's worker finds the store, and the keys it trusts. */
export interface AuditVerifierConfig {
  store: string | undefined;
  dataDir: string;
  publicKeys: () => AuditPublicKey[];
  /** Progress is reported every this many events. Default 50,000. */
  progressEvery?: number;
}

interface Run {
  key: string;
  listeners: Set<(progress: VerifyProgress) => void>;
  done: Promise<VerifyReport>;
}

const WORKER = new URL('./audit-verify-worker.js', import.meta.url);

/**
 * Verifies the live trail off the request path: in a worker thread with its own store
 * connection, one verification at a time. Callers asking for the same verification while one runs
 * share it (and its progress); others wait their turn.
 */
export class AuditVerifier {
  readonly #config: AuditVerifierConfig;
  #current: Run | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(config: AuditVerifierConfig) {
    this.#config = config;
  }

  /** Verifies the whole trail against `witnesses`; resolves with the report (never a throw for a bad trail). */
  verify(
    witnesses: readonly WitnessedHead[],
    onProgress?: (progress: VerifyProgress) => void,
  ): Promise<VerifyReport> {
    const key = JSON.stringify([...witnesses].sort((a, b) => a.seq - b.seq));
    const current = this.#current;
    if (current !== null && current.key === key) {
      if (onProgress) current.listeners.add(onProgress);
      return current.done;
    }
    const listeners = new Set<(progress: VerifyProgress) => void>(onProgress ? [onProgress] : []);
    const done = this.#queue.then(() => {
      const run: Run = { key, listeners, done };
      this.#current = run;
      return this.#runWorker(witnesses, listeners).finally(() => {
        if (this.#current === run) this.#current = null;
      });
    });
    this.#queue = done.catch(() => undefined);
    return done;
  }

  #runWorker(
    witnesses: readonly WitnessedHead[],
    listeners: Set<(progress: VerifyProgress) => void>,
  ): Promise<VerifyReport> {
    const input: VerifyWorkerInput = {
      store: this.#config.store,
      dataDir: this.#config.dataDir,
      publicKeys: this.#config.publicKeys(),
      witnesses: [...witnesses],
      progressEvery: this.#config.progressEvery ?? 50_000,
    };
    return new Promise<VerifyReport>((resolve, reject) => {
      const worker = new Worker(WORKER, { workerData: input });
      let settled = false;
      const finish = (error: GloveboxError | null, report?: VerifyReport) => {
        if (settled) return;
        settled = true;
        void worker.terminate();
        if (error) reject(error);
        else resolve(report!);
      };
      worker.on('message', (message: VerifyWorkerMessage) => {
        if (message.kind === 'progress') for (const listener of listeners) listener(message.progress);
        else if (message.kind === 'report') finish(null, message.report);
        else
          finish(
            new GloveboxError(
              'GBX_STORE_UNAVAILABLE',
              `the audit trail could not be read (${message.message})`,
            ),
          );
      });
      worker.on('error', () =>
        finish(new GloveboxError('GBX_INTERNAL', 'the audit verification worker failed')),
      );
      worker.on('exit', () =>
        finish(new GloveboxError('GBX_INTERNAL', 'the audit verification worker stopped')),
      );
    });
  }
}
