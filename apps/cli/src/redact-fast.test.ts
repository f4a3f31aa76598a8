import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fastRedactOptions } from './redact-fast.js';

test('the fast path takes only the redact arguments it fully understands', () => {
  assert.deepEqual(fastRedactOptions(['redact']), { format: 'text', level: 'standard' });
  assert.deepEqual(fastRedactOptions(['redact', '--level', 'strict', '--format=jsonl']), {
    format: 'jsonl',
    level: 'strict',
  });
  for (const args of [
    [],
    ['policy', 'fmt'],
    ['--url', 'https://gw', 'redact'],
    ['redact', '--help'],
    ['redact', '--level', 'lax'],
    ['redact', '--format'],
    ['redact', '--format='],
    ['redact', '--output', 'json'],
    ['redact', 'extra'],
  ])
    assert.equal(fastRedactOptions(args), undefined, args.join(' '));
});

/** The module URLs a `glovebox` run loads, and its result. */
function loadedBy(
  args: string[],
  input: string,
): { loaded: string; status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-loaded-'));
  try {
    const log = join(dir, 'loaded.txt');
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';\n` +
        `export async function load(url, context, next) {\n` +
        `  appendFileSync(${JSON.stringify(log)}, url + '\\n');\n` +
        `  return next(url, context);\n}\n`,
    );
    const register = join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    const main = fileURLToPath(new URL('./main.js', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', register, main, ...args], { input, encoding: 'utf8' });
    return { loaded: readFileSync(log, 'utf8'), status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('`glovebox redact` starts without the command framework, the core package or the client', () => {
  const r = loadedBy(['redact', '--level', 'strict'], 'password=hunter2-but-longer from 10.1.2.3\n');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'password=[REDACTED:PASSWORD] from [REDACTED:IPV4]\n');
  assert.match(r.loaded, /redact\/dist\//, 'the hook saw the modules load');
  assert.doesNotMatch(r.loaded, /node_modules\/commander\/|core\/dist\/|cli\/dist\/(run|client|program)\.js/);
});

test('arguments the fast path does not take still get the full program (usage error, exit 2)', () => {
  const r = loadedBy(['redact', '--level', 'lax'], '');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--level is standard or strict/);
  assert.match(r.loaded, /node_modules\/commander\//);
});
