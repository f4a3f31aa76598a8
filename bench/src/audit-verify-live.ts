// Live audit verification through a running gateway: `GET /api/v1/audit/verify` over a store
// holding N events (SQLite and PostgreSQL), events/s, and the gateway's request latency for
// other callers while it runs, against the same load without verification in the same run.
// Run: npx tsc -b bench && node bench/dist/audit-verify-live.js [events] [sqlite|postgres|both]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  AuditKeyring,
  auditColumns,
  chainEvent,
  signCheckpoint,
  type ChainedEvent,
  type VerifyReport,
} from '@glovebox/audit';
import { TEST_STORES } from '@glovebox/gateway/testing/stores';
import { canonicalJson } from '@glovebox/protocol';
import { benchEventInput } from './audit-common.js';
import { startBenchGateway } from './bench-gateway.js';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const BACKENDS = (process.argv[3] ?? 'both') === 'both' ? ['sqlite', 'postgres'] : [process.argv[3]!];
const CALLERS = 4;
const CHECKPOINT_EVERY = 1000;
const TOKEN = 'gbx_t_admin-bootstrap-token-verify-bench';
const COLUMNS = 'seq, id, time, type, actor, session_id, action, target, outcome, prev_hash, hash, event';

type Row = unknown[];

function rowOf(event: ChainedEvent): Row {
  const c = auditColumns(event);
  const text = canonicalJson(event);
  return [
    c.seq,
    c.id,
    c.time,
    c.type,
    c.actor,
    c.sessionId,
    c.action,
    c.target,
    c.outcome,
    c.prevHash,
    c.hash,
    text,
  ];
}

/** Chains `count` events and hands them over in batches, with a checkpoint every 1000. */
function* trail(
  count: number,
  ring: AuditKeyring,
): Generator<{ rows: Row[]; checkpoints: [number, string][] }> {
  let head: ChainedEvent | null = null;
  let rows: Row[] = [];
  let checkpoints: [number, string][] = [];
  for (let i = 1; i <= count; i++) {
    head = chainEvent(head, benchEventInput(i), `evt_${i.toString(36).padStart(12, '0')}`);
    rows.push(rowOf(head));
    if (i % CHECKPOINT_EVERY === 0 || i === count) {
      const checkpoint = signCheckpoint({ seq: head.seq, headHash: head.hash, time: head.time }, ring.active);
      checkpoints.push([head.seq, JSON.stringify(checkpoint)]);
    }
    if (rows.length === 5000 || i === count) {
      yield { rows, checkpoints };
      rows = [];
      checkpoints = [];
    }
  }
}

async function fill(backend: string, url: string, ring: AuditKeyring): Promise<void> {
  if (backend === 'sqlite') {
    const db = new Database(url.slice('sqlite:'.length));
    const insert = db.prepare(`INSERT INTO audit_events (${COLUMNS}) VALUES (${'?, '.repeat(11)}?)`);
    const checkpoint = db.prepare('INSERT INTO audit_checkpoints VALUES (?, ?)');
    for (const batch of trail(EVENTS, ring)) {
      db.transaction(() => {
        for (const row of batch.rows) insert.run(...row);
        for (const cp of batch.checkpoints) checkpoint.run(...cp);
      })();
    }
    db.close();
    return;
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema')!;
  parsed.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: parsed.toString(), options: `-c search_path=${schema}` });
  await client.connect();
  for (const batch of trail(EVENTS, ring)) {
    for (let at = 0; at < batch.rows.length; at += 500) {
      const slice = batch.rows.slice(at, at + 500);
      const values = slice.map(
        (_, r) => `(${Array.from({ length: 12 }, (_, c) => `$${r * 12 + c + 1}`).join(', ')})`,
      );
      await client.query(`INSERT INTO audit_events (${COLUMNS}) VALUES ${values.join(', ')}`, slice.flat());
    }
    for (const cp of batch.checkpoints)
      await client.query('INSERT INTO audit_checkpoints VALUES ($1, $2)', cp);
  }
  await client.end();
}

/** Callers issuing authenticated requests back to back until `stop()`; their latencies in ms. */
function load(url: string): { stop: () => Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const callers = Array.from({ length: CALLERS }, async () => {
    while (running) {
      const start = performance.now();
      const res = await fetch(`${url}/api/v1/whoami`, { headers: { authorization: `Bearer ${TOKEN}` } });
      await res.arrayBuffer();
      latencies.push(performance.now() - start);
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(callers);
      return latencies;
    },
  };
}

function summary(latencies: number[], seconds: number): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `${(latencies.length / seconds).toFixed(0).padStart(5)} req/s  p50 ${at(0.5).toFixed(1).padStart(6)} ms  p99 ${at(0.99).toFixed(1).padStart(6)} ms`;
}

async function run(backend: string): Promise<void> {
  const opened = await TEST_STORES.find((s) => s.name === backend)!.open();
  const dataDir = await mkdtemp(join(tmpdir(), 'gbx-verify-live-'));
  try {
    const ring = await AuditKeyring.openOrCreate(join(dataDir, 'keys', 'audit'));
    // SQLite is filled through its own connection; PostgreSQL's pool is kept to drop the schema after.
    if (backend === 'sqlite') await opened.store.close();
    let t = performance.now();
    await fill(backend, opened.url, ring);
    console.log(
      `${backend}: ${EVENTS.toLocaleString('en-US')} events stored in ${((performance.now() - t) / 1000).toFixed(0)} s`,
    );
    const gw = await startBenchGateway({
      dataDir,
      store: opened.url,
      admin: TOKEN,
      gateway: { logLevel: 'silent' },
    });
    const url = gw.url;
    try {
      const baseline = load(url);
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const quiet = await baseline.stop();
      const during = load(url);
      t = performance.now();
      // The streamed form: progress lines while it runs, the report last.
      const res = await fetch(`${url}/api/v1/audit/verify`, {
        headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/x-ndjson' },
      });
      const lines = (await res.text()).trimEnd().split('\n');
      const seconds = (performance.now() - t) / 1000;
      const progress = lines.filter((line) => line.startsWith('{"type":"progress"')).length;
      const report = JSON.parse(lines.at(-1)!) as VerifyReport & { type: string };
      const busy = await during.stop();
      if (!report.ok) throw new Error(`verify failed: ${report.message}`);
      console.log(
        `  GET /audit/verify            ${seconds.toFixed(1)} s  ${Math.round(report.events / seconds).toLocaleString('en-US')} events/s (${report.events.toLocaleString('en-US')} events, worker thread, ${progress} progress lines streamed)`,
      );
      console.log(`  whoami x${CALLERS}, no verification   ${summary(quiet, 5)}   (baseline)`);
      console.log(`  whoami x${CALLERS}, while verifying    ${summary(busy, seconds)}`);
      const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      console.log(
        `  ratio while verifying: throughput ${(busy.length / seconds / (quiet.length / 5)).toFixed(2)}x, p50 latency ${(p50(busy) / p50(quiet)).toFixed(2)}x`,
      );
    } finally {
      await gw.close();
    }
  } finally {
    await opened.dispose();
    await rm(dataDir, { recursive: true, force: true });
  }
}

for (const backend of BACKENDS) await run(backend);
