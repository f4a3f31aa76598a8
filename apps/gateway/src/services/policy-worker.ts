// Worker thread entry: compiles, tests, diffs and replays policy bundles away from the serving
// engine. Cedar runs as WebAssembly with one instance per thread; a trap on hostile input poisons
// that instance for good, so untrusted bundles never reach the main thread's instance, and long
// replays never block its event loop.
import { parentPort, workerData } from 'node:worker_threads';
import {
  compileBundle,
  diffBundles,
  replayDecisions,
  runBundleTests,
  type TestReport,
} from '@glovebox/policy';
import type { PolicyJob, PolicyJobResult } from './policy-jobs.js';

function tests(report: TestReport): TestReport {
  // decisions of passing cases are noise on the wire
  return { ...report, results: report.results.map(({ actual: _actual, ...rest }) => rest) };
}

function run(job: PolicyJob): PolicyJobResult {
  switch (job.kind) {
    case 'check': {
      const compiled = compileBundle(job.bundle);
      if (!compiled.ok)
        return { kind: 'check', ok: false, errors: compiled.errors, warnings: compiled.warnings };
      return {
        kind: 'check',
        ok: true,
        policySetVersion: compiled.set.version,
        warnings: compiled.warnings,
        tests: job.runTests ? tests(runBundleTests(job.bundle, job.label)) : undefined,
      };
    }
    case 'plan': {
      const before = compileBundle(job.active);
      const after = compileBundle(job.proposed);
      if (!after.ok) return { kind: 'check', ok: false, errors: after.errors, warnings: after.warnings };
      if (!before.ok)
        return {
          kind: 'check',
          ok: false,
          errors: before.errors.map((e) => `the active policy set: ${e}`),
          warnings: [],
        };
      return {
        kind: 'plan',
        tests: tests(runBundleTests(job.proposed, job.label)),
        report: replayDecisions(before.set, after.set, job.cases),
      };
    }
    case 'diff':
      return { kind: 'diff', diff: diffBundles(job.before, job.after) };
  }
}

try {
  parentPort?.postMessage({ ok: true, result: run(workerData as PolicyJob) });
} catch (error) {
  parentPort?.postMessage({
    ok: false,
    error: error instanceof Error ? error.message.slice(0, 300) : 'failed',
  });
}
