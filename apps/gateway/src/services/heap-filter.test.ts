import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGloveboxError } from '@glovebox/core';
import { createRedactor } from '@glovebox/redact';
import { HeapSnapshotFilter } from './heap-filter.js';

const META = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
  node_types: [['hidden', 'array', 'string', 'object'], 'string'],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [
    ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'],
    'string_or_number',
  ],
};
const SNAPSHOT =
  `{"snapshot":${JSON.stringify({ meta: META, node_count: 2, edge_count: 1 })},\n` +
  '"nodes":[3,1,1,16,1,0,0,\n2,2,3,40,0,0,0],\n"edges":[2,3,7],\n"locations":[],\n' +
  '"strings":["","Object","mail bob@example.com now","note","caf\\u00e9 [PASSWORD 3fa1c2 len 8-15]"]}\n';

function run(text: string, step: number): string {
  const f = new HeapSnapshotFilter(createRedactor());
  let out = '';
  for (let i = 0; i < text.length; i += step) out += f.push(text.slice(i, i + step));
  f.end();
  return out;
}

test('the second pass masks what the value detectors find and passes the rest through, whatever the chunking', () => {
  const whole = run(SNAPSHOT, SNAPSHOT.length);
  assert.ok(!whole.includes('bob@example.com'));
  assert.ok(whole.includes('"mail [REDACTED:EMAIL] now"'));
  assert.ok(
    whole.includes('"caf\\u00e9 [PASSWORD 3fa1c2 len 8-15]"'),
    'placeholders and escapes kept byte for byte',
  );
  assert.equal(whole.replace('"mail [REDACTED:EMAIL] now"', '"mail bob@example.com now"'), SNAPSHOT);
  for (const step of [1, 2, 3, 7, 64]) assert.equal(run(SNAPSHOT, step), whole, `pieces of ${step}`);
});

test('anything that is not V8 snapshot text is refused', () => {
  const cases = {
    'not JSON': 'hello',
    'script in a numeric section': SNAPSHOT.replace('"edges":[2,3,7]', '"edges":[2,3,7,alert(1)]'),
    'object in strings': SNAPSHOT.replace('"note"', '{"x":1}'),
    'cut short': SNAPSHOT.slice(0, -20),
    'text after the end': `${SNAPSHOT}{"more":1}`,
  };
  for (const [name, text] of Object.entries(cases)) {
    assert.throws(
      () => run(text, 5),
      (e: unknown) => isGloveboxError(e, 'GBX_HEAP_FORMAT_INVALID'),
      name,
    );
  }
});
