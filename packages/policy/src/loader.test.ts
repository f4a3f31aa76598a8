import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isGloveboxError } from '@glovebox/core';
import { POLICY_LIMITS } from './guard.js';
import { loadPolicyDir, requirePolicyDir } from './bundle.js';
import { policySetVersion } from './loader.js';
import { GLOVEBOX_SCHEMA } from './schema.js';
import { EXAMPLES_DIR, policyDir } from './test-helpers.js';

const permit = (id: string, extra = ''): string =>
  `@id("${id}")${extra}\npermit (principal in Glovebox::Group::"engineers", action == Glovebox::Action::"facts", resource is Glovebox::Target);\n`;

test('examples/policies ships the engine schema verbatim', async () => {
  assert.equal(await readFile(join(EXAMPLES_DIR, 'glovebox.cedarschema'), 'utf8'), GLOVEBOX_SCHEMA);
});

test('a valid directory loads, keyed by @id, with a content-hash version', async () => {
  const dir = await policyDir({
    'a.cedar': permit('one') + permit('two', ' @maxDuration("30m")'),
    'README.md': '# notes',
  });
  await mkdir(join(dir, 'tests'));
  const result = await loadPolicyDir(dir);
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(
    result.set.policies.map((p) => [p.id, p.effect, p.file, p.obligations]),
    [
      ['one', 'permit', 'a.cedar', {}],
      ['two', 'permit', 'a.cedar', { maxDurationSec: 1800 }],
    ],
  );
  assert.deepEqual(result.ignored, ['README.md']);
  assert.match(result.set.version, /^sha256:[0-9a-f]{64}$/);
  assert.equal(result.set.version, policySetVersion(GLOVEBOX_SCHEMA, result.set.policies));
  const again = await loadPolicyDir(dir);
  assert.ok(again.ok);
  assert.equal(again.set.version, result.set.version);
});

test('hostile or broken directories are refused with precise messages', async () => {
  const cases: {
    name: string;
    files: Record<string, string | Uint8Array>;
    schema?: boolean;
    error: RegExp;
  }[] = [
    {
      name: 'missing @id',
      files: { 'a.cedar': 'permit (principal, action, resource);' },
      error: /a\.cedar: policy #1 \(permit \(principal, action, resource\);\): missing @id/,
    },
    {
      name: 'duplicate @id across files',
      files: { 'a.cedar': permit('same'), 'b.cedar': permit('same') },
      error: /b\.cedar: duplicate @id\("same"\), already used in a\.cedar/,
    },
    {
      name: 'duplicate @id annotation',
      files: { 'a.cedar': '@id("a") @id("b") permit (principal, action, resource);' },
      error: /a\.cedar: 1:10: duplicate annotation: @id/,
    },
    {
      name: 'unknown annotation',
      files: { 'a.cedar': permit('a', ' @maxDurration("1h")') },
      error: /policy "a": unknown annotation @maxDurration/,
    },
    {
      name: 'bad obligation',
      files: { 'a.cedar': permit('a', ' @approvals("lots")') },
      error: /policy "a": @approvals\("lots"\)/,
    },
    {
      name: 'syntax error',
      files: { 'a.cedar': '@id("a") permit (principal, action, resource)' },
      error: /a\.cedar: 1:46: unexpected end of input/,
    },
    {
      name: 'misspelt attribute fails strict validation',
      files: {
        'a.cedar':
          '@id("a") permit (principal, action == Glovebox::Action::"facts", resource) when { resource.enviroment == "prod" };',
      },
      error: /a\.cedar: policy "a": .*enviroment/,
    },
    {
      name: 'optional attribute read without has',
      files: {
        'a.cedar':
          '@id("a") permit (principal, action == Glovebox::Action::"exec", resource) when { context.commandClass == "read" };',
      },
      error: /policy "a": .*commandClass/,
    },
    {
      name: 'templates',
      files: { 'a.cedar': '@id("t") permit (principal == ?principal, action, resource);' },
      error: /templates .* are not supported/,
    },
    {
      name: 'invalid UTF-8',
      files: { 'a.cedar': Uint8Array.from([0x40, 0xc3, 0x28]) },
      error: /a\.cedar: file is not valid UTF-8/,
    },
    { name: 'NUL byte', files: { 'a.cedar': permit('a') + '\0' }, error: /a\.cedar: file contains a NUL/ },
    {
      name: 'huge file',
      files: { 'a.cedar': ' '.repeat(POLICY_LIMITS.maxFileBytes + 1) },
      error: /a\.cedar: file is 262145 bytes/,
    },
    {
      name: 'deep nesting',
      files: {
        'a.cedar': `@id("a") permit (principal, action, resource) when { ${'('.repeat(500)}true${')'.repeat(500)} };`,
      },
      error: /a\.cedar: line 1: nesting deeper than 16 levels/,
    },
    {
      name: 'long operator chain',
      files: {
        'a.cedar': `@id("a") permit (principal, action, resource) when { ${Array(1000).fill('1').join(' + ')} > 0 };`,
      },
      error: /a\.cedar: line 1: a policy with more than 160 operators/,
    },
    { name: 'no schema', files: { 'a.cedar': permit('a') }, schema: false, error: /no schema/ },
    {
      name: 'two schemas',
      files: { 'a.cedar': permit('a'), 'b.cedarschema': GLOVEBOX_SCHEMA },
      error: /more than one schema file/,
    },
    {
      name: 'schema syntax error',
      files: { 'a.cedar': permit('a'), 'glovebox.cedarschema': 'namespace Glovebox {' },
      error: /glovebox\.cedarschema: 1:21: .*unexpected end of input/,
    },
    {
      name: 'schema the engine cannot use',
      files: {
        'a.cedar': permit('a'),
        'glovebox.cedarschema': GLOVEBOX_SCHEMA.replace('breakGlass: Bool,', ''),
      },
      error: /does not describe the engine's "facts" request/,
    },
  ];
  for (const c of cases) {
    const dir = await policyDir(c.files, c.schema ?? true);
    const result = await loadPolicyDir(dir);
    assert.equal(result.ok, false, c.name);
    if (!result.ok) assert.match(result.errors.join('\n'), c.error, c.name);
  }
});

test('a missing directory and a non-file .cedar entry are errors, not crashes', async () => {
  const missing = await loadPolicyDir('/nonexistent/glovebox-policies');
  assert.equal(missing.ok, false);
  if (!missing.ok) assert.match(missing.errors[0] ?? '', /cannot read policy directory .* \(ENOENT\)/);
  const dir = await policyDir({ 'a.cedar': permit('a') });
  await symlink('/dev/null', join(dir, 'weird.cedar'));
  const result = await loadPolicyDir(dir);
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.errors.join('\n'), /weird\.cedar: not a regular file/);
});

test('requirePolicyDir throws GBX_POLICY_INVALID with every error in details', async () => {
  const dir = await policyDir({
    'a.cedar': 'permit (principal, action, resource);',
    'b.cedar': permit('a', ' @foo("x")'),
  });
  await assert.rejects(requirePolicyDir(dir), (error: unknown) => {
    assert.ok(isGloveboxError(error, 'GBX_POLICY_INVALID'));
    assert.match(error.message, /missing @id.*\(and 1 more\)/);
    assert.equal((error.details?.['errors'] as string[]).length, 2);
    return true;
  });
  const ok = await requirePolicyDir(EXAMPLES_DIR);
  assert.ok(ok.policies.length >= 15);
});

test('the loader refuses a directory over the total size budget', async () => {
  const chunk =
    permit('x').replace('"x"', '"%"') + '// ' + 'p'.repeat(POLICY_LIMITS.maxFileBytes - 400) + '\n';
  const files: Record<string, string> = {};
  for (let i = 0; i < POLICY_LIMITS.maxTotalBytes / POLICY_LIMITS.maxFileBytes + 1; i++)
    files[`f${i}.cedar`] = chunk.replace('%', `p${i}`);
  const dir = await policyDir(files);
  await writeFile(join(dir, 'z.cedar'), permit('z'));
  const result = await loadPolicyDir(dir);
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.errors.join('\n'), /larger than 2097152 bytes/);
});
