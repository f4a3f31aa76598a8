#!/usr/bin/env node
// Runs the compiled test files with Node's own test runner.
// unit: every *.test.js under packages/*/dist, apps/*/dist and bench/dist, and the repository checks in
// scripts/*.test.mjs; e2e: tests/e2e/dist and tests/browser/dist; all: both.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const mode = process.argv[2] ?? 'all';
const extra = process.argv.slice(3);

function findTests(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.js') || name.endsWith('.test.mjs')) out.push(path);
  }
  return out;
}

const roots = [];
if (mode === 'unit' || mode === 'all') {
  for (const group of ['packages', 'apps']) {
    if (!existsSync(group)) continue;
    for (const pkg of readdirSync(group)) roots.push(join(group, pkg, 'dist'));
  }
  if (existsSync('bench/dist')) roots.push('bench/dist');
  roots.push('scripts');
}
if (mode === 'e2e' || mode === 'all') roots.push('tests/e2e/dist', 'tests/browser/dist');

const files = [...new Set(roots.flatMap((root) => findTests(root)))].sort();
if (files.length === 0) {
  console.error('no test files found; run `npm run build` first');
  process.exit(1);
}
const concurrency = process.env.GLOVEBOX_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...extra, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
