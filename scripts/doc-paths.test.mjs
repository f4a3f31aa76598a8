// Every repository path the ADRs and the architecture document cite exists (issue 19: the docs had
// drifted from the code). A cited path is a code span that starts with a top-level directory of the
// repository (`packages/redact/src/prescan.wat`), one that starts with `src/` (relative to the
// package the text is about: it must exist in some workspace), or a relative Markdown link. Build
// output is checked through its source (`bench/dist/x.js` → `bench/src/x.ts`); globs are skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOP = readdirSync(root).filter(
  (name) => name !== 'node_modules' && (!name.startsWith('.') || name === '.ci'),
);
const WORKSPACES = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;

/** The documents whose citations are checked. */
function documents() {
  const adrs = readdirSync(join(root, 'docs/adr'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/adr/${name}`);
  return [...adrs, 'docs/architecture.md'];
}

/** A built file's source: `x/dist/y.js` is `x/src/y.ts`. */
function source(path) {
  return path.replace(/\/dist\/(.*)\.(js|d\.ts)$/, '/src/$1.ts').replace(/\/dist\/?$/, '/src');
}

/** The paths one document cites, each with the line it is on. */
export function citations(text) {
  const found = [];
  text.split('\n').forEach((line, i) => {
    for (const [, span] of line.matchAll(/`([^`\s]+)`/g)) {
      const path = span.replace(/:\d+(-\d+)?$/, '');
      if (path.includes('*') || !path.includes('/')) continue;
      const top = path.split('/')[0];
      if (top === 'src' || TOP.includes(top))
        found.push({ path, line: i + 1, kind: top === 'src' ? 'package' : 'root' });
    }
    for (const [, target] of line.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      if (!/^[a-z][a-z+.-]*:/i.test(target)) found.push({ path: target, line: i + 1, kind: 'link' });
    }
  });
  return found;
}

function exists(doc, { path, kind }) {
  if (kind === 'link') return existsSync(join(root, dirname(doc), path));
  if (kind === 'root') return existsSync(join(root, source(path)));
  return WORKSPACES.some((workspace) => existsSync(join(root, workspace, source(path))));
}

test('every repository path cited in docs/adr and docs/architecture.md exists', () => {
  const missing = [];
  let checked = 0;
  for (const doc of documents()) {
    for (const citation of citations(readFileSync(join(root, doc), 'utf8'))) {
      checked++;
      if (!exists(doc, citation)) missing.push(`${doc}:${citation.line}: ${citation.path}`);
    }
  }
  assert.ok(checked > 40, `found the citations (${checked})`);
  assert.deepEqual(missing, []);
});

test('the citations are read from code spans and relative links, and a missing one is reported', () => {
  const text =
    'see `packages/core/src/errors.ts`, `src/nowhere.ts:12`, [x](../nope.md), `a/b` and `https://x/y`';
  assert.deepEqual(
    citations(text).map((c) => [c.path, c.kind]),
    [
      ['packages/core/src/errors.ts', 'root'],
      ['src/nowhere.ts', 'package'],
      ['../nope.md', 'link'],
    ],
  );
  assert.equal(exists('docs/adr/x.md', { path: 'src/nowhere.ts', kind: 'package' }), false);
  assert.equal(exists('docs/adr/x.md', { path: 'bench/dist/redact-layers.js', kind: 'root' }), true);
});
