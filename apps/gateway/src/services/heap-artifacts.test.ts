import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGloveboxError, type Clock } from '@glovebox/core';
import { createRedactor } from '@glovebox/redact';
import { HeapArtifacts } from './heap-artifacts.js';

const META = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
  node_types: [['hidden', 'array', 'string', 'object'], 'string'],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [
    ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'],
    'string_or_number',
  ],
};
const TEXT = `{"snapshot":${JSON.stringify({ meta: META, node_count: 1, edge_count: 0 })},\n"nodes":[3,1,1,16,0],\n"edges":[],\n"strings":["","Object"]}\n`;
const sha = (t: string) => createHash('sha256').update(t, 'latin1').digest('hex');

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-art-'));
  let now = 1_000_000;
  const clock: Clock = { now: () => now };
  const artifacts = new HeapArtifacts({ dir, clock, maxBytes: 1_000_000, unkeptTtlMs: 60_000 });
  artifacts.start();
  const receive = async (keepSec: number, agentSha = sha(TEXT)) => {
    const r = artifacts.begin({
      sessionId: 's1',
      actor: 'alice',
      action: 'heapsnapshot',
      keepSec,
      redactor: createRedactor(),
    });
    r.accept({ kind: 'progress', phase: 'capture', done: 1, total: 2 });
    r.accept({ kind: 'chunk', seq: 0, text: TEXT.slice(0, 50) });
    r.accept({ kind: 'chunk', seq: 1, text: TEXT.slice(50) });
    return r.finish(agentSha);
  };
  return {
    dir,
    artifacts,
    receive,
    advance: (ms: number) => (now += ms),
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const c of stream) text += String(c);
  return text;
}

test('an artifact is invisible until released, then downloaded once when policy does not keep it', async () => {
  const s = setup();
  try {
    const { record } = await s.receive(0);
    assert.equal(record.sha256, sha(TEXT));
    assert.equal(s.artifacts.get(record.id), undefined, 'not before the audit event is durable');
    s.artifacts.release(record.id);
    const released = s.artifacts.get(record.id)!;
    let completed = false;
    assert.equal(await readAll(s.artifacts.open(released, () => (completed = true))), TEXT);
    assert.ok(completed);
    assert.equal(s.artifacts.get(record.id), undefined);
    assert.deepEqual(readdirSync(s.dir), []);
  } finally {
    s.done();
  }
});

test('a kept artifact survives downloads until its retention ends', async () => {
  const s = setup();
  try {
    const { record } = await s.receive(3600);
    s.artifacts.release(record.id);
    await readAll(s.artifacts.open(s.artifacts.get(record.id)!, () => undefined));
    assert.ok(s.artifacts.get(record.id), 'still there after a download');
    s.advance(3600_000 + 1);
    s.artifacts.sweep();
    assert.equal(s.artifacts.get(record.id), undefined);
    assert.ok(!existsSync(join(s.dir, `${record.id}.heapsnapshot`)));
  } finally {
    s.done();
  }
});

test('a snapshot that does not match the agent hash, arrives out of order or is malformed is dropped', async () => {
  const s = setup();
  try {
    await assert.rejects(s.receive(0, 'f'.repeat(64)), (e: unknown) =>
      isGloveboxError(e, 'GBX_HEAP_FORMAT_INVALID'),
    );
    const r = s.artifacts.begin({
      sessionId: 's1',
      actor: 'a',
      action: 'heapsnapshot',
      keepSec: 0,
      redactor: createRedactor(),
    });
    r.accept({ kind: 'chunk', seq: 1, text: TEXT });
    await assert.rejects(r.finish(sha(TEXT)), (e: unknown) => isGloveboxError(e, 'GBX_HEAP_FORMAT_INVALID'));
    const bad = s.artifacts.begin({
      sessionId: 's1',
      actor: 'a',
      action: 'heapsnapshot',
      keepSec: 0,
      redactor: createRedactor(),
    });
    bad.accept({ kind: 'chunk', seq: 0, text: 42 });
    await assert.rejects(bad.finish(sha(TEXT)), (e: unknown) =>
      isGloveboxError(e, 'GBX_HEAP_FORMAT_INVALID'),
    );
    assert.deepEqual(readdirSync(s.dir), [], 'nothing left behind');
  } finally {
    s.done();
  }
});
