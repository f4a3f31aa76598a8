import { Worker } from 'node:worker_threads';
import { GloveboxError } from '@glovebox/core';
import type { BundleDiff, PolicyBundle, ReplayCase, ReplayReport, TestReport } from '@glovebox/policy';

/** Work for the policy worker thread (see policy-worker.ts). */
export type PolicyJob =
  | { kind: 'check'; bundle: PolicyBundle; runTests: boolean; label: string }
  | { kind: 'plan'; active: PolicyBundle; proposed: PolicyBundle; cases: ReplayCase[]; label: string }
  | { kind: 'diff'; before: PolicyBundle; after: PolicyBundle };

/** What the worker answers. A plan whose bundle does not compile answers like a failed check. */
export type PolicyJobResult =
  | { kind: 'check'; ok: false; errors: string[]; warnings: string[] }
  | { kind: 'check'; ok: true; policySetVersion: string; warnings: string[]; tests: TestReport | undefined }
  | { kind: 'plan'; tests: TestReport; report: ReplayReport }
  | { kind: 'diff'; diff: BundleDiff };

const WORKER_URL = new URL('./policy-worker.js', import.meta.url);
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Runs one job in a fresh worker thread (its own Cedar instance and heap limit) and returns its
 * result; a crash, a trap or a timeout becomes `GBX_INTERNAL` and leaves the serving engine as it was.
 */
export function runPolicyJob(job: PolicyJob, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PolicyJobResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, {
      workerData: job,
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      void worker.terminate();
    };
    const fail = (why: string): void =>
      finish(() => reject(new GloveboxError('GBX_INTERNAL', `the policy worker failed: ${why}`)));
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    worker.once(
      'message',
      (message: { ok: true; result: PolicyJobResult } | { ok: false; error: string }) => {
        if (message.ok) finish(() => resolve(message.result));
        else fail(message.error);
      },
    );
    worker.once('error', (error) => fail(error.message.slice(0, 200)));
    worker.once('exit', (code) => fail(`exited with code ${code}`));
  });
}
