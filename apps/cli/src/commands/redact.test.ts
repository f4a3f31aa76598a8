import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../main.js', import.meta.url));
const redact = (input: string, ...args: string[]) =>
  spawnSync(process.execPath, [CLI, 'redact', ...args], { input, encoding: 'utf8', timeout: 60_000 });

test('redact --format json takes one JSON document, over several lines, and gives the same document redacted', () => {
  const document = { user: 'bob', password: 'hunter2-but-longer', nested: { list: [1, 'keep me'] } };
  const r = redact(JSON.stringify(document, null, 2), '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as typeof document;
  assert.notEqual(out.password, document.password);
  assert.doesNotMatch(r.stdout, /hunter2/);
  assert.deepEqual({ ...out, password: document.password }, document);

  const bad = redact('password=hunter2-but-longer\n', '--format', 'json');
  assert.equal(bad.status, 2);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /not one JSON document: .*\(GBX_USAGE\)/);
  assert.doesNotMatch(bad.stderr, /hunter2/);
});
