import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { diffBundles } from './bundle-diff.js';
import {
  bundleDigest,
  compileBundle,
  policyBundleSchema,
  readPolicyBundle,
  type PolicyBundle,
} from './bundle.js';
import { runBundleTests, runPolicyTests } from './policy-tests.js';
import { GLOVEBOX_SCHEMA } from './schema.js';
import { copyOfExamples, EXAMPLES_DIR } from './test-helpers.js';

const permit = (id: string, env = 'staging'): string =>
  `@id("${id}")\npermit (principal in Glovebox::Group::"engineers", action == Glovebox::Action::"facts", resource is Glovebox::Target) when { resource.env == "${env}" };\n`;

function bundle(files: Record<string, string>): PolicyBundle {
  return { files: Object.entries(files).map(([path, text]) => ({ path, text })) };
}

async function examples(): Promise<PolicyBundle> {
  const read = await readPolicyBundle(EXAMPLES_DIR);
  assert.ok(read.ok, JSON.stringify(read));
  return read.bundle;
}

test('a directory reads into a sorted bundle with its schema, policies and tests', async () => {
  const b = await examples();
  const paths = b.files.map((f) => f.path);
  assert.deepEqual(paths, [...paths].sort());
  assert.ok(paths.includes('glovebox.cedarschema'));
  assert.ok(paths.includes('access.cedar'));
  assert.ok(paths.some((p) => p.startsWith('tests/')));
  assert.match(bundleDigest(b), /^sha256:[0-9a-f]{64}$/);
});

test('running a bundle tests it exactly as `policy test DIR` does', async () => {
  const fromDir = await runPolicyTests(EXAMPLES_DIR);
  const fromBundle = runBundleTests(await examples(), EXAMPLES_DIR);
  assert.ok(fromBundle.ok);
  assert.deepEqual(
    fromBundle.results.map((r) => [r.file, r.name, r.ok]),
    fromDir.results.map((r) => [r.file, r.name, r.ok]),
  );
  assert.equal(fromBundle.version, fromDir.version);
});

test('the digest covers every byte of every file, tests included, and not the order', async () => {
  const b = await examples();
  const digest = bundleDigest(b);
  assert.equal(bundleDigest({ files: [...b.files].reverse() }), digest);
  for (const i of [0, b.files.length - 1]) {
    const changed = b.files.map((f, j) => (j === i ? { ...f, text: `${f.text} ` } : f));
    assert.notEqual(bundleDigest({ files: changed }), digest, b.files[i]!.path);
  }
  // a path moved between name and text does not collide
  assert.notEqual(bundleDigest(bundle({ 'a.cedar': 'bc' })), bundleDigest(bundle({ 'a.cedarb': 'c' })));
});

test('a bundle whose tests fail is reported as failing, with the failing case', async () => {
  const dir = await copyOfExamples();
  const read = await readPolicyBundle(dir);
  assert.ok(read.ok);
  const broken = read.bundle.files.map((f) =>
    f.path === 'access.cedar'
      ? { ...f, text: f.text.replace('@maxDuration("4h")', '@maxDuration("5h")') }
      : f,
  );
  const report = runBundleTests({ files: broken }, 'pushed');
  assert.equal(report.ok, false);
  assert.ok(report.failed > 0);
  assert.match(report.results.find((r) => !r.ok)!.failures.join(), /maxDuration/);
});

test('hostile bundles are refused with precise messages, never thrown', () => {
  const schema = { 'glovebox.cedarschema': GLOVEBOX_SCHEMA };
  const cases: { name: string; files: Record<string, string>; error: RegExp }[] = [
    { name: 'no schema', files: { 'a.cedar': permit('a') }, error: /no schema/ },
    {
      name: 'two schemas',
      files: { ...schema, 'b.cedarschema': GLOVEBOX_SCHEMA, 'a.cedar': permit('a') },
      error: /more than one schema/,
    },
    { name: 'path traversal', files: { ...schema, '../a.cedar': permit('a') }, error: /not a policy/ },
    { name: 'nested policy', files: { ...schema, 'x/a.cedar': permit('a') }, error: /not a policy/ },
    { name: 'test outside tests/', files: { ...schema, 'a.yaml': 'tests: []' }, error: /not a policy/ },
    { name: 'hidden file', files: { ...schema, '.a.cedar': permit('a') }, error: /not a policy/ },
    { name: 'NUL', files: { ...schema, 'a.cedar': `${permit('a')}\0` }, error: /NUL/ },
    { name: 'lone surrogate', files: { ...schema, 'a.cedar': `${permit('a')}//\ud800` }, error: /UTF-8/ },
    {
      name: 'oversized file',
      files: { ...schema, 'a.cedar': `${permit('a')}//${'x'.repeat(300_000)}` },
      error: /more than the 262144 allowed/,
    },
    { name: 'invalid policy', files: { ...schema, 'a.cedar': '@id("a") permit (' }, error: /a\.cedar/ },
  ];
  for (const c of cases) {
    const result = compileBundle(bundle(c.files));
    assert.equal(result.ok, false, c.name);
    if (!result.ok) assert.match(result.errors.join('\n'), c.error, c.name);
  }
  assert.equal(policyBundleSchema.safeParse(bundle({ '../x.cedar': '' })).success, false);
  assert.equal(policyBundleSchema.safeParse(bundle({ 'tests/../x.yaml': '' })).success, false);
  assert.equal(
    policyBundleSchema.safeParse({
      files: [
        { path: 'a.cedar', text: '' },
        { path: 'a.cedar', text: '' },
      ],
    }).success,
    false,
  );
  assert.equal(policyBundleSchema.safeParse(bundle({ ...schema, 'a.cedar': permit('a') })).success, true);
});

test('readPolicyBundle refuses unreadable or oversized test files', async () => {
  const dir = await copyOfExamples();
  await writeFile(join(dir, 'tests', 'huge.yaml'), `# ${'x'.repeat(1024 * 1024)}\ntests: []\n`);
  const read = await readPolicyBundle(dir);
  assert.equal(read.ok, false);
  if (!read.ok) assert.match(read.errors.join(), /tests\/huge\.yaml: larger than/);
  await mkdir(join(dir, 'tests', 'sub.yaml'));
  await writeFile(join(dir, 'tests', 'huge.yaml'), Buffer.from([0xc3, 0x28]));
  const again = await readPolicyBundle(dir);
  assert.equal(again.ok, false);
  if (!again.ok) assert.match(again.errors.join(), /tests\/huge\.yaml: cannot parse: not valid UTF-8/);
});

test('diffBundles reports changed files as unified diffs and changed policies by @id', () => {
  const schema = { 'glovebox.cedarschema': GLOVEBOX_SCHEMA };
  const v1 = bundle({ ...schema, 'a.cedar': permit('a') + permit('b'), 'old.cedar': permit('gone') });
  const v2 = bundle({
    ...schema,
    'a.cedar': permit('a') + permit('b', 'prod'),
    'new.cedar': permit('fresh'),
  });
  const diff = diffBundles(v1, v2);
  assert.equal(diff.identical, false);
  assert.deepEqual(
    diff.files.map((f) => [f.path, f.status]),
    [
      ['a.cedar', 'modified'],
      ['new.cedar', 'added'],
      ['old.cedar', 'removed'],
    ],
  );
  const patch = diff.files[0]!.patch;
  assert.match(patch, /^-.*resource\.env == "staging"/m);
  assert.match(patch, /^\+.*resource\.env == "prod"/m);
  assert.deepEqual(
    diff.policies.map((p) => [p.id, p.status]),
    [
      ['b', 'modified'],
      ['fresh', 'added'],
      ['gone', 'removed'],
    ],
  );
  assert.deepEqual(diffBundles(v1, v1), { files: [], policies: [], identical: true });
});
