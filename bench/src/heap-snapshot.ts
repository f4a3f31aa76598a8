/**
 * Redacted heap snapshot vs `v8.writeHeapSnapshot` on the same heap (100 MB and 500 MB by default).
 * Each size runs in its own process (`--max-old-space-size=6144`) that builds the heap, then takes
 * an unredacted snapshot with `v8.writeHeapSnapshot` (the baseline) and a redacted one through the
 * agent's heap module in a worker thread, in alternating order over the rounds. Printed per size:
 * main-thread pause (longest event-loop gap, sampled every 1 ms), wall time, peak extra RSS (sampled
 * every 20 ms from another thread), the redaction's own time (planning the graph, deciding string
 * nodes, writing nodes and edges) and, of it, the strings table's, with its throughput. Ratios are
 * redacted / baseline, medians over rounds.
 *
 *   node bench/dist/heap-snapshot.js [sizesMB=100,500] [rounds=2]
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { Worker } from 'node:worker_threads';

interface Measure {
  pauseMs: number;
  wallMs: number;
  peakExtraMB: number;
  redactMs?: number;
  stringsMs?: number;
  stringsMB?: number;
  outMB?: number;
}

const MB = 1024 * 1024;

/** Objects like a service's cache: ids, names, e-mails, tokens under sensitive names, nested data. */
function buildHeap(targetMB: number): unknown[] {
  const keep: unknown[] = [];
  let i = 0;
  while (getHeapStatistics().used_heap_size < targetMB * MB) {
    for (let k = 0; k < 2000; k++, i++) {
      keep.push({
        id: i,
        name: `user ${i}`,
        email: `user${i}@example.com`,
        password: `pw-${(i * 2654435761).toString(36)}`,
        profile: { city: `City ${i % 500}`, tags: [`t${i % 7}`, `t${i % 11}`], score: i * 0.5 },
        note: `order ${i} shipped to street ${i % 1000}`,
      });
    }
  }
  return keep;
}

function sampler(): { peak: () => Promise<number>; stop: () => Promise<number> } {
  const w = new Worker(
    `const { parentPort } = require('node:worker_threads'); let peak = 0;
     const t = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 20);
     parentPort.on('message', () => { clearInterval(t); parentPort.postMessage(peak); });`,
    { eval: true },
  );
  const stop = () =>
    new Promise<number>((resolve) => {
      w.once('message', (p: number) => {
        void w.terminate();
        resolve(p);
      });
      w.postMessage('stop');
    });
  return { peak: stop, stop };
}

async function gapMeter<T>(work: () => Promise<T>): Promise<{ value: T; maxGapMs: number; wallMs: number }> {
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  const started = performance.now();
  const value = await work();
  const wallMs = performance.now() - started;
  clearInterval(timer);
  return { value, maxGapMs: Math.max(maxGap, performance.now() - last), wallMs };
}

async function baseline(): Promise<Measure> {
  const before = process.memoryUsage.rss();
  const s = sampler();
  const file = join(tmpdir(), `gbx-bench-${process.pid}.heapsnapshot`);
  const { maxGapMs, wallMs } = await gapMeter(async () => writeHeapSnapshot(file));
  const peak = await s.stop();
  rmSync(file, { force: true });
  return { pauseMs: maxGapMs, wallMs, peakExtraMB: (peak - before) / MB };
}

async function redacted(): Promise<Measure> {
  const before = process.memoryUsage.rss();
  const s = sampler();
  const h = getHeapStatistics();
  const { value, maxGapMs, wallMs } = await gapMeter(
    () =>
      new Promise<{ result: Record<string, number> & { redaction: Record<string, number> }; sent: number }>(
        (resolve, reject) => {
          const w = new Worker(new URL('./heap-worker.js', import.meta.url), {
            workerData: {
              usedHeapBytes: h.used_heap_size,
              heapSizeLimitBytes: h.heap_size_limit,
              rssBytes: before,
            },
          });
          w.once('message', (m) => {
            void w.terminate();
            resolve(m as never);
          });
          w.once('error', reject);
        },
      ),
  );
  const peak = await s.stop();
  const r = value.result;
  return {
    pauseMs: maxGapMs,
    wallMs,
    peakExtraMB: (peak - before) / MB,
    redactMs: r.redactMs!,
    stringsMs: r.redaction.stringsMs!,
    stringsMB: r.redaction.stringBytes! / MB,
    outMB: value.sent / MB,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (n: number) => n.toFixed(0);

async function child(sizeMB: number, rounds: number): Promise<void> {
  const heap = buildHeap(sizeMB);
  const used = getHeapStatistics().used_heap_size / MB;
  const base: Measure[] = [];
  const ours: Measure[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      base.push(await baseline());
      ours.push(await redacted());
    } else {
      ours.push(await redacted());
      base.push(await baseline());
    }
  }
  const m = (xs: Measure[], k: keyof Measure) => median(xs.map((x) => x[k] ?? 0));
  process.stdout.write(
    JSON.stringify({
      sizeMB,
      heapUsedMB: Math.round(used),
      objects: heap.length,
      base: { pauseMs: m(base, 'pauseMs'), wallMs: m(base, 'wallMs'), peakExtraMB: m(base, 'peakExtraMB') },
      ours: {
        pauseMs: m(ours, 'pauseMs'),
        wallMs: m(ours, 'wallMs'),
        peakExtraMB: m(ours, 'peakExtraMB'),
        redactMs: m(ours, 'redactMs'),
        stringsMs: m(ours, 'stringsMs'),
        stringsMB: m(ours, 'stringsMB'),
        outMB: m(ours, 'outMB'),
      },
    }),
  );
}

if (process.argv[2] === '--child') {
  await child(Number(process.argv[3]), Number(process.argv[4]));
} else {
  const sizes = (process.argv[2] ?? '100,500').split(',').map(Number);
  const rounds = Number(process.argv[3] ?? 2);
  console.log(
    `heap snapshot: redacted (agent worker) vs v8.writeHeapSnapshot, ${rounds} round(s), Node ${process.version}`,
  );
  console.log(
    'size | heap MB | pause ms base/ours (ratio) | wall ms base/ours (ratio) | peak extra MB base/ours | redaction ms (of which strings) | strings MB, strings MB/s | output MB',
  );
  for (const size of sizes) {
    const out = execFileSync(
      process.execPath,
      ['--max-old-space-size=6144', fileURLToPath(import.meta.url), '--child', String(size), String(rounds)],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const r = JSON.parse(out) as {
      sizeMB: number;
      heapUsedMB: number;
      base: Measure;
      ours: Measure;
    };
    const o = r.ours;
    console.log(
      `${r.sizeMB} MB | ${r.heapUsedMB} | ${f(r.base.pauseMs)}/${f(o.pauseMs)} (${(o.pauseMs / r.base.pauseMs).toFixed(2)}) | ` +
        `${f(r.base.wallMs)}/${f(o.wallMs)} (${(o.wallMs / r.base.wallMs).toFixed(2)}) | ${f(r.base.peakExtraMB)}/${f(o.peakExtraMB)} | ` +
        `${f(o.redactMs!)} (${f(o.stringsMs!)}) | ${o.stringsMB!.toFixed(1)}, ${(o.stringsMB! / (o.stringsMs! / 1000)).toFixed(1)} | ${o.outMB!.toFixed(0)}`,
    );
  }
}
