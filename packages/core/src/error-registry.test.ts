import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, RETIRED_ERROR_CODES } from './errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const live = new Set(Object.keys(ERROR_CODES));
const retired = new Set(Object.keys(RETIRED_ERROR_CODES));

/** Every source file under `apps/<name>/src` and `packages/<name>/src`, tests aside. */
function sourceFiles(): string[] {
  const files: string[] = [];
  for (const area of ['apps', 'packages']) {
    for (const name of readdirSync(join(root, area))) {
      let entries: string[];
      try {
        entries = readdirSync(join(root, area, name, 'src'), { recursive: true, encoding: 'utf8' });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (/\.(ts|tsx|js|mjs|cjs|html)$/.test(entry) && !/\.test\.ts$/.test(entry))
          files.push(join(area, name, 'src', entry));
      }
    }
  }
  return files;
}

/** The codes listed in packages/core/errors-issued.txt, in order. */
function issued(): string[] {
  return readFileSync(join(root, 'packages/core/errors-issued.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

test('every GBX_ literal in the sources of apps and packages is a live code of the registry', () => {
  const files = sourceFiles();
  assert.ok(files.length > 100, `the scan found the sources (${files.length} files)`);
  const unknown: string[] = [];
  for (const file of files) {
    for (const [literal] of readFileSync(join(root, file), 'utf8').matchAll(/GBX_[A-Za-z0-9_]*/g)) {
      if (live.has(literal)) continue;
      unknown.push(
        retired.has(literal)
          ? `${file}: ${literal} is retired and returned again`
          : `${file}: ${literal} is not in ERROR_CODES (packages/core/src/errors.ts)`,
      );
    }
  }
  assert.deepEqual(unknown, []);
});

test('every code ever issued is live or retired, and every code is in the append-only issued list', () => {
  const list = issued();
  assert.equal(new Set(list).size, list.length, 'packages/core/errors-issued.txt lists a code twice');
  const listed = new Set(list);
  for (const code of [...live, ...retired])
    assert.ok(listed.has(code), `${code} is not in packages/core/errors-issued.txt: append it there`);
  for (const code of list)
    assert.ok(
      live.has(code) || retired.has(code),
      `${code} was issued but is neither in ERROR_CODES nor in RETIRED_ERROR_CODES: retire it, never delete it`,
    );
  for (const code of retired) assert.ok(!live.has(code), `${code} is both live and retired`);
});

test('docs/errors.md lists exactly the retired codes, with their date', () => {
  const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  const documented = new Map(
    [...doc.matchAll(/^\|\s*`(GBX_[A-Z_]+)`\s*\|\s*retired (\d{4}-\d{2}-\d{2})\s*\|/gm)].map((m) => [
      m[1]!,
      m[2],
    ]),
  );
  assert.deepEqual(
    new Map(Object.entries(RETIRED_ERROR_CODES).map(([code, { retired: on }]) => [code, on])),
    documented,
  );
});
