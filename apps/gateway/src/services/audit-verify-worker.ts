// Worker thread that verifies the live trail from its own store connection, so a verification of
// millions of events never runs on the gateway's event loop. Started by AuditVerifier.
import { parentPort, workerData } from 'node:worker_threads';
import { verifyEvents, type AuditPublicKey, type VerifyProgress, type WitnessedHead } from '@glovebox/audit';
import { openStore } from '../store/index.js';
import { storedRecords } from './audit-records.js';

/** What the gateway hands the worker. */
export interface VerifyWorkerInput {
  store: string | undefined;
  dataDir: string;
  publicKeys: AuditPublicKey[];
  witnesses: WitnessedHead[];
  progressEvery: number;
}

/** What the worker posts back: progress while it runs, then exactly one report or failure. */
export type VerifyWorkerMessage =
  | { kind: 'progress'; progress: VerifyProgress }
  | { kind: 'report'; report: Awaited<ReturnType<typeof verifyEvents>> }
  | { kind: 'failed'; message: string };

async function run(input: VerifyWorkerInput): Promise<VerifyWorkerMessage> {
  const store = openStore(input.store, input.dataDir);
  try {
    const report = await verifyEvents(storedRecords(store, 0, 5000), input.publicKeys, {
      witnesses: input.witnesses,
      progressEvery: input.progressEvery,
      onProgress: (progress) =>
        parentPort?.postMessage({ kind: 'progress', progress } satisfies VerifyWorkerMessage),
    });
    return { kind: 'report', report };
  } finally {
    await store.close();
  }
}

if (parentPort) {
  const input = workerData as VerifyWorkerInput;
  run(input).then(
    (message) => parentPort?.postMessage(message),
    (error: unknown) =>
      parentPort?.postMessage({
        kind: 'failed',
        message: error instanceof Error ? error.name : 'verification failed',
      } satisfies VerifyWorkerMessage),
  );
}
