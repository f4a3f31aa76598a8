import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { runPolicyTests } from './policy-tests.js';
import { formatPolicyDir, validatePolicyDir } from './tools.js';
import { copyOfExamples, EXAMPLES_DIR, policyDir } from './test-helpers.js';

test('glovebox policy validate examples/policies passes', async () => {
  const report = await validatePolicyDir(EXAMPLES_DIR);
  assert.ok(report.ok, report.errors.join('\n'));
  assert.deepEqual(report.warnings, []);
  assert.ok(report.policies.length >= 15);
});

test('glovebox policy test examples/policies passes with at least 15 tests', async () => {
  const report = await runPolicyTests(EXAMPLES_DIR);
  const failing = report.results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.failures.join('; ')}`);
  assert.deepEqual([...report.errors, ...failing], []);
  assert.ok(report.ok);
  assert.ok(report.passed >= 15, `${report.passed} tests`);
  assert.match(report.version ?? '', /^sha256:/);
});

interface EditableTest {
  name: string;
  request: { context?: Record<string, unknown> };
  expect: Record<string, unknown> & { obligations?: Record<string, unknown> };
}

test('glovebox policy test fails when one expectation is broken', async () => {
  const byName = (doc: { tests: EditableTest[] }, name: string): EditableTest => {
    const found = doc.tests.find((t) => t.name === name);
    assert.ok(found, `no test named ${name}`);
    return found;
  };
  const cases: [string, (doc: { tests: EditableTest[] } & Record<string, unknown>) => void, RegExp][] = [
    [
      'decision',
      (d) => (byName(d, 'DELETE without WHERE is refused even with approval').expect['decision'] = 'allow'),
      /decision: expected allow, got deny/,
    ],
    [
      'determining policy',
      (d) => (byName(d, 'DDL is refused').expect['determiningPolicies'] = ['no-delete-without-where']),
      /determiningPolicies: expected \["no-delete-without-where"\], got \["no-ddl-or-admin-sql"\]/,
    ],
    [
      'obligation',
      (d) =>
        (byName(d, 'mutating command on staging needs an approval').expect.obligations!['maxDuration'] =
          '1h'),
      /obligations\.maxDuration: expected 3600s, got 1800s/,
    ],
    [
      'stepUp',
      (d) => (byName(d, 'production reads need an approval and fresh MFA').expect['stepUp'] = 'mfa'),
      /stepUp: expected mfa, got none/,
    ],
    [
      'unknown policy id',
      (d) => (byName(d, 'DDL is refused').expect['determiningPolicies'] = ['no-such-policy']),
      /no policy has @id\("no-such-policy"\)/,
    ],
    [
      'malformed test file',
      (d) => {
        d['testz'] = d.tests;
        delete (d as Partial<typeof d>).tests;
      },
      /tests\/guardrails\.yaml: tests: /,
    ],
    [
      'unknown context field',
      (d) => (byName(d, 'DDL is refused').request.context!['locaHour'] = 23),
      /tests\/guardrails\.yaml: .*locaHour/,
    ],
    [
      'invalid request',
      (d) => (byName(d, 'DDL is refused').request.context!['localHour'] = 25),
      /invalid request: context\.localHour/,
    ],
  ];
  for (const [name, breakIt, failure] of cases) {
    const dir = await copyOfExamples();
    const file = join(dir, 'tests', 'guardrails.yaml');
    const doc = parseYaml(await readFile(file, 'utf8')) as { tests: EditableTest[] } & Record<
      string,
      unknown
    >;
    breakIt(doc);
    await writeFile(file, stringifyYaml(doc));
    const report = await runPolicyTests(dir);
    assert.equal(report.ok, false, name);
    const messages = [...report.errors, ...report.results.flatMap((r) => r.failures)].join('\n');
    assert.match(messages, failure, name);
  }
});

test('glovebox policy test fails on an invalid policy set, and on no tests at all', async () => {
  const dir = await copyOfExamples();
  await writeFile(
    join(dir, 'extra.cedar'),
    '@id("x") permit (principal, action, resource) when { context.typo };',
  );
  const invalid = await runPolicyTests(dir);
  assert.equal(invalid.ok, false);
  assert.match(invalid.errors.join(), /policy set invalid: extra\.cedar: policy "x"/);

  const empty = await policyDir({ 'a.cedar': '@id("a") permit (principal, action, resource);' });
  const none = await runPolicyTests(empty);
  assert.equal(none.ok, false);
  assert.match(none.errors.join(), /no test files/);
});

test('test files may be JSON; duplicate names are errors', async () => {
  const dir = await policyDir({
    'a.cedar':
      '@id("a") permit (principal in Glovebox::Group::"g", action == Glovebox::Action::"facts", resource);',
  });
  await mkdir(join(dir, 'tests'));
  const tests = {
    defaults: { principal: { id: 'u', groups: ['g'] }, resource: { name: 't', env: 'x' } },
    tests: [
      {
        name: 'allowed',
        request: { action: 'facts' },
        expect: { decision: 'allow', determiningPolicies: ['a'], obligations: { maxDuration: 3600 } },
      },
      {
        name: 'gateway',
        request: { action: 'readAudit', resource: { kind: 'gateway' } },
        expect: { decision: 'deny' },
      },
    ],
  };
  await writeFile(join(dir, 'tests', 't.json'), JSON.stringify(tests));
  const ok = await runPolicyTests(dir);
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.equal(ok.passed, 2);
  tests.tests.push({ ...tests.tests[0]! });
  await writeFile(join(dir, 'tests', 't.json'), JSON.stringify(tests));
  const dup = await runPolicyTests(dir);
  assert.equal(dup.ok, false);
  assert.match(dup.errors.join(), /duplicate test name "allowed"/);
  await writeFile(join(dir, 'tests', 't.json'), '{ not json');
  const bad = await runPolicyTests(dir);
  assert.equal(bad.ok, false);
  assert.match(bad.errors.join(), /tests\/t\.json: cannot parse/);
});

test('glovebox policy fmt --check passes on the examples, flags and fixes an unformatted file', async () => {
  const examples = await formatPolicyDir(EXAMPLES_DIR, { check: true });
  assert.ok(examples.ok, JSON.stringify(examples));

  const messy = '// keep me\n@id("a")   permit(principal,action,resource)when{true};\n';
  const dir = await policyDir({ 'a.cedar': messy, 'b.cedar': 'not cedar at all' });
  const check = await formatPolicyDir(dir, { check: true });
  assert.equal(check.ok, false);
  assert.deepEqual(
    check.files.map((f) => [f.file, f.changed, f.error !== undefined]),
    [
      ['a.cedar', true, false],
      ['b.cedar', false, true],
    ],
  );
  assert.equal(await readFile(join(dir, 'a.cedar'), 'utf8'), messy, 'check writes nothing');

  await rm(join(dir, 'b.cedar'));
  const write = await formatPolicyDir(dir);
  assert.ok(write.ok);
  const formatted = await readFile(join(dir, 'a.cedar'), 'utf8');
  assert.match(
    formatted,
    /^\/\/ keep me\n@id\("a"\)\npermit \(principal, action, resource\)\nwhen \{ true \};\n$/,
  );
  assert.ok((await formatPolicyDir(dir, { check: true })).ok);
});
