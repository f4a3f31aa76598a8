import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isGloveboxError } from '@glovebox/core';
import { SnapshotReader } from './reader.js';
import { redactSnapshot, type HeapRedactionOptions, type HeapRedactionStats } from './redact-snapshot.js';
import { encodings, type Planted } from './fixtures/planted.js';
import { loadWithDevTools } from './testing/devtools-model.js';

function redactText(
  text: string,
  options: HeapRedactionOptions = {},
): { out: string; stats: HeapRedactionStats } {
  const reader = new SnapshotReader();
  for (let i = 0; i < text.length; i += 100_003) reader.write(text.slice(i, i + 100_003));
  const gen = redactSnapshot(reader.end(), options);
  const parts: string[] = [];
  for (;;) {
    const next = gen.next();
    if (next.done) return { out: parts.join(''), stats: next.value };
    parts.push(next.value);
  }
}

/** A process plants secrets and writes its raw snapshot, as DevTools would take it. */
function rawSnapshot(): { text: string; planted: Planted } {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-heap-'));
  try {
    const file = join(dir, 'raw.heapsnapshot');
    const script = fileURLToPath(new URL('./fixtures/write-raw.js', import.meta.url));
    const planted = JSON.parse(
      execFileSync(process.execPath, [script, file], { encoding: 'utf8' }),
    ) as Planted;
    return { text: readFileSync(file, 'utf8'), planted };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The random part of a planted value (the whole value may exist only as pieces in the raw heap). */
function core(value: string): string {
  return value.replace(/^[a-z]+[._-]|^sk_live_/, '').replace(/@.*$/, '');
}

const raw = rawSnapshot();
const fingerprintKey = Buffer.alloc(32, 7);
const redacted = redactText(raw.text, { fingerprintKey });

test('every planted secret is in the raw snapshot (except Buffer bytes, which V8 never writes)', () => {
  for (const [shape, value] of Object.entries(raw.planted)) {
    if (shape === 'buffer')
      assert.ok(!raw.text.includes(core(value)), 'V8 does not serialize Buffer contents');
    else assert.ok(raw.text.includes(core(value)), `${shape} planted`);
  }
});

test('no planted secret or personal value is in the redacted file, in any common encoding', () => {
  for (const [shape, value] of Object.entries(raw.planted)) {
    for (const candidate of new Set([value, core(value)])) {
      for (const [encoding, text] of Object.entries(encodings(candidate))) {
        assert.ok(!redacted.out.includes(text), `${shape} leaked (${encoding})`);
      }
    }
  }
});

test('DevTools loads the redacted file: same nodes, sizes, retained sizes and dominators', async () => {
  const before = await loadWithDevTools(raw.text);
  const after = await loadWithDevTools(redacted.out);
  assert.equal(after.nodeCount, before.nodeCount);
  assert.equal(after.totalSize, before.totalSize);
  assert.equal(after.retained.size, before.retained.size);
  for (const [id, value] of before.retained) assert.deepEqual(after.retained.get(id), value, `node @${id}`);
  assert.deepEqual([...after.aggregates.keys()].sort(), [...before.aggregates.keys()].sort());
  for (const [name, a] of before.aggregates) assert.deepEqual(after.aggregates.get(name), a, name);
});

test('masked values keep a keyed fingerprint and their length class', async () => {
  const after = await loadWithDevTools(redacted.out);
  const masks = [...after.names.values()].filter((n) => /^\[[A-Z_]+ [0-9a-f]{6} len \d+-\d+\]$/.test(n));
  assert.ok(
    masks.some((n) => n.startsWith('[PASSWORD ')),
    'the value under `password`',
  );
  assert.ok(
    masks.some((n) => n.startsWith('[SECRET ')),
    'the value under `pin` or `secrets`',
  );
  const again = redactText(raw.text, { fingerprintKey });
  assert.equal(again.out, redacted.out, 'the same key gives the same placeholders');
  const other = redactText(raw.text, { fingerprintKey: Buffer.alloc(32, 8) });
  assert.notEqual(other.out, redacted.out);
});

test('the counts say what was masked and how', () => {
  const s = redacted.stats;
  assert.ok(s.nodesMaskedByName >= 5, 'password, token (sliced parent), closure, Map value, nested');
  assert.ok(s.numbersMaskedByName >= 1, 'pin');
  assert.ok(s.concatenatedMasked >= 1, 'the email split across two leaves');
  assert.ok(s.sourcesOmitted > 0);
  assert.ok((s.redactions.EMAIL ?? 0) >= 3 && (s.redactions.CREDIT_CARD ?? 0) >= 1);
  assert.equal(
    s.nodes,
    JSON.parse(raw.text.slice(0, raw.text.indexOf('"nodes"')) + '"x":0}').snapshot.node_count,
  );
});

/** A tiny hand-written snapshot: root -> obj {password: "admin", admin: obj2}. */
function tinySnapshot(strings: string[], nodes: number[][], edges: number[][]): string {
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
    node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number'], 'string'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [
      ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'],
      'string_or_number',
    ],
  };
  const header = { meta, node_count: nodes.length, edge_count: edges.length, trace_function_count: 0 };
  return (
    `{"snapshot":${JSON.stringify(header)},\n"nodes":[${nodes.map((n) => n.join(',')).join(',\n')}],\n` +
    `"edges":[${edges.map((e) => e.join(',')).join(',\n')}],\n"locations":[],\n"strings":${JSON.stringify(strings)}}`
  );
}

test('a string that is both a property name and a sensitive value: the name stays, the value is masked', () => {
  // strings: 0 "", 1 "Object", 2 "admin", 3 "password"
  const text = tinySnapshot(
    ['', 'Object', 'admin', 'password'],
    [
      [3, 1, 1, 16, 2, 0, 0],
      [2, 2, 3, 24, 0, 0, 0],
      [3, 1, 5, 16, 0, 0, 0],
    ],
    [
      [2, 3, 7],
      [2, 2, 14],
    ],
  );
  const { out } = redactText(text, { fingerprintKey });
  const parsed = JSON.parse(out) as { nodes: number[]; edges: number[]; strings: string[] };
  assert.equal(parsed.strings[parsed.edges[4]!], 'admin', 'the property name is intact');
  assert.equal(parsed.strings[parsed.edges[1]!], 'password');
  assert.match(parsed.strings[parsed.nodes[7 + 1]!]!, /^\[PASSWORD [0-9a-f]{6} len 4-7\]$/);
  assert.deepEqual(
    parsed.nodes.filter((_, i) => i % 7 !== 1),
    JSON.parse(text).nodes.filter((_: number, i: number) => i % 7 !== 1),
    'only node names change',
  );
  assert.deepEqual(parsed.edges, JSON.parse(text).edges);
});

test('sources: omit (default) hides script text, redact runs the detectors, keep leaves it', () => {
  assert.ok(raw.text.includes("from 'node:inspector'"), 'the fixture script source is in the raw heap');
  assert.ok(!redacted.out.includes("from 'node:inspector'"));
  const source = 'const mail = "bob@example.com"; run();';
  // strings: 0 "", 1 "app.js", 2 source, 3 "source"
  const text = tinySnapshot(
    ['', 'app.js', source, 'source'],
    [
      [4, 1, 1, 16, 1, 0, 0],
      [2, 2, 3, 64, 0, 0, 0],
    ],
    [[3, 3, 7]],
  );
  const shown = (sources: 'omit' | 'redact' | 'keep') => {
    const parsed = JSON.parse(redactText(text, { sources }).out) as { nodes: number[]; strings: string[] };
    return parsed.strings[parsed.nodes[8]!];
  };
  assert.match(shown('omit')!, /^\[SOURCE [0-9a-f]{6} len 32-63\]$/);
  assert.match(shown('redact')!, /^const mail = "\[EMAIL:[0-9a-f]{6}\]"; run\(\);$/);
  assert.equal(shown('keep'), source);
});

test('hostile or broken snapshots are refused with GBX_HEAP_FORMAT_INVALID', () => {
  const good = tinySnapshot(['', 'Object'], [[3, 1, 1, 16, 0, 0, 0]], []);
  const cases: Record<string, string> = {
    'not JSON': 'hello',
    'count mismatch': good.replace('"node_count":1', '"node_count":2'),
    'edge past the nodes': tinySnapshot(['', 'Object', 'x'], [[3, 1, 1, 16, 1, 0, 0]], [[2, 2, 700]]),
    'name past the strings': tinySnapshot(['', 'Object'], [[3, 9, 1, 16, 0, 0, 0]], []),
    'strings in a number section': good.replace('"locations":[]', '"locations":["x"]'),
    truncated: good.slice(0, good.length - 10),
    'text after the end': `${good}{}`,
    'non-string in strings': good.replace('"strings":["","Object"]', '"strings":["",1]'),
  };
  for (const [name, text] of Object.entries(cases)) {
    assert.throws(
      () => redactText(text),
      (e: unknown) => isGloveboxError(e, 'GBX_HEAP_FORMAT_INVALID'),
      name,
    );
  }
});
