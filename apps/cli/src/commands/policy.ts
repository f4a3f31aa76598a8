import type { Command } from 'commander';
import { EXIT } from '../client.js';
import { localOutput } from './common.js';
import { registerPolicyDeployCommands } from './policy-deploy/index.js';

// The policy engine (Cedar compiled to WebAssembly) loads only for these commands.
const policyEngine = () => import('@glovebox/policy');

/**
 * A failed report as a script reads it: with `error.code` and `error.message`, as every other
 * failure's document has them, next to the report's own fields.
 */
function coded<T extends { ok: boolean }>(
  report: T,
  code: 'GBX_POLICY_INVALID' | 'GBX_POLICY_TESTS_FAILED',
  message: string,
): T & { error?: { code: string; message: string } } {
  return report.ok ? report : { ...report, error: { code, message } };
}

/** `glovebox policy validate|test|fmt DIR`: local, no gateway needed; non-zero exit on any failure. */
export function registerPolicyCommands(program: Command): void {
  const policy = program
    .command('policy')
    .description('policy as code: validate, test, format, plan and push policy bundles');
  policy
    .command('validate')
    .description('parse and strictly validate every policy against the schema')
    .argument('<dir>')
    .action(async (dir: string, _o: unknown, command: Command) => {
      const out = localOutput(command);
      const report = await (await policyEngine()).validatePolicyDir(dir);
      out.result(coded(report, 'GBX_POLICY_INVALID', 'the policy set is invalid'), (safe) =>
        safe.ok
          ? `ok: ${safe.policies.length} policies valid (version ${safe.version?.slice(0, 12) ?? '-'})${safe.warnings.length ? `\nwarnings:\n  ${safe.warnings.join('\n  ')}` : ''}`
          : `invalid:\n  ${safe.errors.join('\n  ')}`,
      );
      if (!report.ok) process.exitCode = EXIT.error;
    });
  policy
    .command('test')
    .description('run the policy tests in DIR/tests against the policies in DIR')
    .argument('<dir>')
    .action(async (dir: string, _o: unknown, command: Command) => {
      const out = localOutput(command);
      const report = await (await policyEngine()).runPolicyTests(dir);
      const failed =
        report.errors.length > 0
          ? coded(report, 'GBX_POLICY_INVALID', 'the policy set or its tests are invalid')
          : coded(report, 'GBX_POLICY_TESTS_FAILED', `${report.failed} policy tests failed`);
      out.result(failed, (safe) => {
        const lines = safe.results.map(
          (r) =>
            `${r.ok ? 'ok  ' : 'FAIL'} ${r.file}: ${r.name}${r.failures.map((f) => `\n       ${f}`).join('')}`,
        );
        if (safe.errors.length) lines.push(...safe.errors.map((e) => `error: ${e}`));
        lines.push(`${safe.passed} passed, ${safe.failed} failed`);
        return lines.join('\n');
      });
      if (!report.ok) process.exitCode = EXIT.error;
    });
  policy
    .command('fmt')
    .description(
      'format the policy files (Cedar formatter); --check writes nothing and fails on a difference',
    )
    .argument('<dir>')
    .option('--check', 'only check')
    .action(async (dir: string, o: { check?: boolean }, command: Command) => {
      const out = localOutput(command);
      const report = await (await policyEngine()).formatPolicyDir(dir, { check: o.check === true });
      out.result(report, (safe) =>
        safe.files
          .map(
            (f) =>
              `${f.error ? `error ${f.file}: ${f.error}` : f.changed ? (o.check ? `would change ${f.file}` : `formatted ${f.file}`) : `ok ${f.file}`}`,
          )
          .join('\n'),
      );
      if (!report.ok) process.exitCode = EXIT.error;
    });
  registerPolicyDeployCommands(policy);
}
