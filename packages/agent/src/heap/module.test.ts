import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { encodings, plantSecrets } from './fixtures/planted.js';
import { loadWithDevTools } from './testing/devtools-model.js';
import type { MemoryFigures } from './capture.js';

interface Outcome {
  result: Record<string, unknown>;
  accessed?: Record<string, unknown>;
  redactions?: Record<string, number>;
}

/** A heap module in a worker of this process, like the agent's; memory figures from `figures`. */
function host(figures: () => MemoryFigures, options: Record<string, unknown> = {}) {
  const worker = new Worker(new URL('./testing/heap-host.js', import.meta.url), { workerData: options });
  let next = 0;
  const pending = new Map<
    number,
    { resolve: (o: Outcome) => void; reject: (e: unknown) => void; emits: unknown[] }
  >();
  worker.on(
    'message',
    (m: { memoryRequest?: number; id?: number; emit?: unknown; outcome?: Outcome; error?: unknown }) => {
      if (m.memoryRequest !== undefined) {
        const spaces = getHeapSpaceStatistics().map((s) => ({
          name: s.space_name,
          sizeBytes: s.space_size,
          usedBytes: s.space_used_size,
          availableBytes: s.space_available_size,
        }));
        worker.postMessage({ memoryAnswer: m.memoryRequest, answer: { memory: figures(), spaces } });
        return;
      }
      const p = pending.get(m.id!)!;
      if ('emit' in m) p.emits.push(m.emit);
      else if (m.error !== undefined) p.reject(m.error);
      else p.resolve(m.outcome!);
    },
  );
  return {
    call(action: string, params: unknown = {}) {
      const id = next++;
      const emits: unknown[] = [];
      const done = new Promise<Outcome>((resolve, reject) => pending.set(id, { resolve, reject, emits }));
      worker.postMessage({ call: id, action, params });
      return { done, emits };
    },
    close: () => worker.terminate(),
  };
}

const realFigures = (): MemoryFigures => {
  const h = getHeapStatistics();
  return {
    usedHeapBytes: h.used_heap_size,
    heapSizeLimitBytes: h.heap_size_limit,
    rssBytes: process.memoryUsage().rss,
  };
};

// The expected values are kept as Buffers: Buffer bytes are never in a heap snapshot, strings are.
const planted = Object.entries(plantSecrets()).map(([shape, value]) => [shape, Buffer.from(value)] as const);

test('heapsnapshot from the agent worker: streamed, redacted, hashed, loads in DevTools', async () => {
  const h = host(realFigures);
  try {
    const call = h.call('heapsnapshot');
    const outcome = await call.done;
    const chunks = call.emits.filter((e) => (e as { kind: string }).kind === 'chunk') as {
      seq: number;
      text: string;
    }[];
    const progress = call.emits.filter((e) => (e as { kind: string }).kind === 'progress');
    assert.ok(progress.length > 0, 'progress was reported');
    assert.deepEqual(
      chunks.map((c) => c.seq),
      chunks.map((_, i) => i),
    );
    const text = chunks.map((c) => c.text).join('');
    const { createHash } = await import('node:crypto');
    assert.equal(outcome.result.sha256, createHash('sha256').update(text, 'latin1').digest('hex'));
    assert.equal(outcome.result.bytes, text.length);
    assert.ok((outcome.result.pauseMs as number) >= 0);
    for (const [shape, bytes] of planted) {
      for (const [encoding, form] of Object.entries(encodings(bytes.toString()))) {
        assert.ok(!text.includes(form), `${shape} leaked (${encoding})`);
      }
    }
    const model = await loadWithDevTools(text);
    assert.equal(model.nodeCount, (outcome.accessed!.heapsnapshot as { nodes: number }).nodes);
    assert.ok((outcome.redactions!.PASSWORD ?? 0) >= 1);
    assert.ok([...model.names.values()].some((n) => /^\[PASSWORD [0-9a-f]{6} len /.test(n)));
  } finally {
    await h.close();
  }
});

test('heapstats: constructors, spaces and retainers, and no string value leaves', async () => {
  const h = host(realFigures);
  try {
    const outcome = await h.call('heapstats', { top: 10 }).done;
    const r = outcome.result as {
      constructors: { name: string; count: number; selfBytes: number }[];
      largestRetainers: { retainedBytes: number }[];
      spaces: { name: string }[];
    };
    assert.equal(r.constructors.length, 10);
    assert.ok(r.constructors.some((c) => c.name === '(string)' || c.name === 'Object'));
    assert.ok(r.largestRetainers[0]!.retainedBytes >= r.largestRetainers[9]!.retainedBytes);
    assert.ok(r.spaces.some((s) => s.name === 'old_space'));
    const json = JSON.stringify(outcome);
    for (const [shape, bytes] of planted) assert.ok(!json.includes(bytes.toString()), shape);
  } finally {
    await h.close();
  }
});

test('refused when the heap is near its limit or the host lacks free memory, naming the figures', async () => {
  const MB = 1024 * 1024;
  const cases = [
    {
      figures: {
        usedHeapBytes: 900 * MB,
        heapSizeLimitBytes: 1000 * MB,
        rssBytes: 0,
        freeBytes: 64_000 * MB,
      },
      says: /900 MB of its 1000 MB limit \(90%/,
    },
    {
      figures: { usedHeapBytes: 400 * MB, heapSizeLimitBytes: 4000 * MB, rssBytes: 0, freeBytes: 500 * MB },
      says: /needs about 800 MB .* host has 500 MB free/,
    },
  ];
  for (const c of cases) {
    const h = host(() => c.figures);
    try {
      await assert.rejects(h.call('heapsnapshot').done, (e: { code: string; message: string }) => {
        assert.equal(e.code, 'GBX_HEAP_MEMORY_INSUFFICIENT');
        assert.match(e.message, c.says);
        return true;
      });
    } finally {
      await h.close();
    }
  }
});

test('unknown parameters are refused', async () => {
  const h = host(realFigures);
  try {
    await assert.rejects(
      h.call('heapsnapshot', { path: '/etc' }).done,
      (e: { code: string }) => e.code === 'GBX_REQUEST_INVALID',
    );
    await assert.rejects(
      h.call('heapstats', { top: 10_000 }).done,
      (e: { code: string }) => e.code === 'GBX_REQUEST_INVALID',
    );
  } finally {
    await h.close();
  }
});
