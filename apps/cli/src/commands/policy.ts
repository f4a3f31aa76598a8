import type { Command } from 'commander';
import { formatPolicyDir, runPolicyTests, validatePolicyDir } from '@glovebox/policy';
import { EXIT } from '../client.js';
import { makeOutput } from '../output.js';

/** `glovebox policy validate|test|fmt DIR`: local, no gateway needed; non-zero exit on any failure. */
export function registerPolicyCommands(program: Command): void {
  const policy = program
    .command('policy')
    .description('policy as code: validate, test and format a policy directory');
  policy
    .command('validate')
    .description('parse and strictly validate every policy against the schema')
    .argument('<dir>')
    .action(async (dir: string, _o: unknown, command: Command) => {
      const out = makeOutput(command.optsWithGlobals<{ json?: boolean }>().json === true);
      const report = await validatePolicyDir(dir);
      out.result(report, () =>
        report.ok
          ? `ok: ${report.policies.length} policies valid (version ${report.version?.slice(0, 12) ?? '-'})${report.warnings.length ? `\nwarnings:\n  ${report.warnings.join('\n  ')}` : ''}`
          : `invalid:\n  ${report.errors.join('\n  ')}`,
      );
      if (!report.ok) process.exitCode = EXIT.error;
    });
  policy
    .command('test')
    .description('run the policy tests in DIR/tests against the policies in DIR')
    .argument('<dir>')
    .action(async (dir: string, _o: unknown, command: Command) => {
      const out = makeOutput(command.optsWithGlobals<{ json?: boolean }>().json === true);
      const report = await runPolicyTests(dir);
      out.result(report, () => {
        const lines = report.results.map(
          (r) =>
            `${r.ok ? 'ok  ' : 'FAIL'} ${r.file}: ${r.name}${r.failures.map((f) => `\n       ${f}`).join('')}`,
        );
        if (report.errors.length) lines.push(...report.errors.map((e) => `error: ${e}`));
        lines.push(`${report.passed} passed, ${report.failed} failed`);
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
      const out = makeOutput(command.optsWithGlobals<{ json?: boolean }>().json === true);
      const report = await formatPolicyDir(dir, { check: o.check === true });
      out.result(report, () =>
        report.files
          .map(
            (f) =>
              `${f.error ? `error ${f.file}: ${f.error}` : f.changed ? (o.check ? `would change ${f.file}` : `formatted ${f.file}`) : `ok ${f.file}`}`,
          )
          .join('\n'),
      );
      if (!report.ok) process.exitCode = EXIT.error;
    });
}
