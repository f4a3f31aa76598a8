import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SourceMapIndex, findSourceMappingUrl, loadSourceMapForFile } from './source-map.js';

describe('source maps', () => {
  test('decodes the compiled fixture map in both directions', async () => {
    const js = fileURLToPath(new URL('./fixtures/target.js', import.meta.url));
    const ts = fileURLToPath(new URL('../../src/debugger/fixtures/target.ts', import.meta.url));
    const map = await loadSourceMapForFile(js);
    assert.ok(map);
    assert.deepEqual(map.sources, [ts]);
    const tsLines = readFileSync(ts, 'utf8').split('\n');
    const line = tsLines.findIndex((l) => l.includes('PROBE: loop'));
    const gen = map.generatedPositionsFor(0, line)!;
    const jsLines = readFileSync(js, 'utf8').split('\n');
    assert.match(jsLines[gen.positions[0]!.line]!, /for \(let i = 0/);
    const back = map.originalPositionFor(gen.positions[0]!);
    assert.equal(back?.line, line);
  });

  test('reads inline data: maps', async () => {
    const map = { version: 3, sources: ['a.ts'], mappings: 'AAAA;AACA', names: [] };
    const code = `x;\ny;\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
    const idx = await loadSourceMapForFile('/tmp/app/b.js', code);
    assert.equal(idx?.sources[0], '/tmp/app/a.ts');
    assert.deepEqual(idx?.originalPositionFor({ line: 1, column: 0 }), {
      source: '/tmp/app/a.ts',
      line: 1,
      column: 0,
    });
  });

  const bad: Array<[string, unknown]> = [
    ['wrong version', { version: 2, sources: [], mappings: '' }],
    ['bad base64', { version: 3, sources: ['a'], mappings: 'A!AA' }],
    ['truncated VLQ', { version: 3, sources: ['a'], mappings: 'AAg' }],
  ];
  for (const [name, json] of bad) {
    test(`refuses ${name}`, () => {
      assert.throws(() => SourceMapIndex.parse(json, pathToFileURL('/x.js.map').href));
    });
  }

  test('finds the last sourceMappingURL comment', () => {
    assert.equal(
      findSourceMappingUrl('a\n//# sourceMappingURL=one.map\n//# sourceMappingURL=two.map\n'),
      'two.map',
    );
    assert.equal(findSourceMappingUrl('no map here'), undefined);
  });
});
