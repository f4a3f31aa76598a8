import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../main.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../../examples/policies', import.meta.url));

function run(...args: string[]): { status: number | null; json: { error?: { code: string } } } {
  const r = spawnSync(process.execPath, [CLI, ...args, '--json'], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, json: JSON.parse(r.stdout) as { error?: { code: string } } };
}

test('policy validate and policy test failures carry an error code in --json, as every failure does', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-policy-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(EXAMPLES, join(dir, 'good'), { recursive: true });
  const ok = run('policy', 'validate', join(dir, 'good'));
  assert.equal(ok.status, 0);
  assert.equal(ok.json.error, undefined);

  cpSync(EXAMPLES, join(dir, 'invalid'), { recursive: true });
  writeFileSync(
    join(dir, 'invalid', 'broken.cedar'),
    'permit (principal, action, resource) when { nonsense };\n',
  );
  for (const command of ['validate', 'test']) {
    const r = run('policy', command, join(dir, 'invalid'));
    assert.equal(r.status, 1, command);
    assert.equal(r.json.error?.code, 'GBX_POLICY_INVALID', command);
  }

  cpSync(EXAMPLES, join(dir, 'failing'), { recursive: true });
  const tests = join(dir, 'failing', 'tests', 'guardrails.yaml');
  writeFileSync(tests, readFileSync(tests, 'utf8').replace('decision: allow', 'decision: deny'));
  const failed = run('policy', 'test', join(dir, 'failing'));
  assert.equal(failed.status, 1);
  assert.equal(failed.json.error?.code, 'GBX_POLICY_TESTS_FAILED');
});
