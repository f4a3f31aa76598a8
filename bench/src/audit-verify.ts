// Audit benchmark: chaining cost against plain JSON serialization of the same rows, and
// `verifyExport` throughput on a 1,000,000-event export against a plain parse of the same file.
// Run: npx tsc -b bench && node bench/dist/audit-verify.js [events]
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  AuditKeyring,
  chainEvent,
  generateAuditKey,
  signCheckpoint,
  verifyExport,
  writeExportFile,
  type AuditEventInput,
  type AuditRecord,
  type ChainedEvent,
} from '@glovebox/audit';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const CHAIN_SAMPLE = Math.min(EVENTS, 100_000);
const CHECKPOINT_EVERY = 1000;
const START = Date.parse('2026-01-01T00:00:00.000Z');

function input(i: number): AuditEventInput {
  const result = i % 2 === 0;
  return {
    type: result ? 'action.result' : 'action.intent',
    time: new Date(START + i).toISOString(),
    actor: { kind: 'user', id: `engineer-${i % 50}@example.com` },
    sessionId: `ses_${(i >> 6).toString(36).padStart(16, '0')}`,
    action: i % 3 === 0 ? 'query' : 'snapshot',
    target: `payments-api-${i % 4}`,
    decision: {
      allowed: true,
      determiningPolicies: ['oncall-may-debug-payments'],
      policyVersion: 'sha256:9f2c1e',
      reasons: [],
    },
    outcome: result ? 'success' : 'pending',
    details: result
      ? {
          durationMs: i % 900,
          bytes: (i * 37) % 65536,
          columns: ['id', 'email', 'total'],
          rows: i % 100,
          redacted: { email: i % 7, card: i % 2 },
        }
      : { location: 'src/orders/checkout.ts:142', maxDepth: 3 },
  };
}

function* records(count: number, ring: AuditKeyring): Generator<AuditRecord> {
  let head: ChainedEvent | null = null;
  for (let i = 1; i <= count; i++) {
    head = chainEvent(head, input(i), `evt_${i.toString(36).padStart(12, '0')}`);
    yield { kind: 'event', event: head };
    if (i % CHECKPOINT_EVERY === 0 || i === count) {
      yield {
        kind: 'checkpoint',
        checkpoint: signCheckpoint({ seq: head.seq, headHash: head.hash, time: head.time }, ring.active),
      };
    }
  }
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function main(): Promise<void> {
  const ring = new AuditKeyring(generateAuditKey());
  const inputs = Array.from({ length: CHAIN_SAMPLE }, (_, i) => input(i + 1));

  // Baseline and subject on the same rows, alternated twice to even out warm-up.
  let plainSeconds = 0;
  let chainSeconds = 0;
  let sink = 0;
  for (let round = 0; round < 2; round++) {
    let t = process.hrtime.bigint();
    for (const row of inputs) sink += JSON.stringify(row).length;
    plainSeconds = seconds(t);
    t = process.hrtime.bigint();
    let head: ChainedEvent | null = null;
    for (let i = 0; i < inputs.length; i++) head = chainEvent(head, inputs[i]!, `evt_${i}`);
    chainSeconds = seconds(t);
    sink += head?.seq ?? 0;
  }

  const dir = await mkdtemp(join(tmpdir(), 'gbx-audit-bench-'));
  const path = join(dir, 'audit-export.jsonl');
  try {
    let t = process.hrtime.bigint();
    const summary = await writeExportFile(records(EVENTS, ring), path, { publicKeys: ring.publicKeys() });
    const writeSeconds = seconds(t);
    const bytes = (await stat(path)).size;
    const mb = bytes / (1024 * 1024);

    t = process.hrtime.bigint();
    let lines = 0;
    for await (const line of createInterface({
      input: createReadStream(path, { highWaterMark: 1024 * 1024 }),
      crlfDelay: Infinity,
    })) {
      sink += (JSON.parse(line) as { kind: string }).kind.length;
      lines++;
    }
    const parseSeconds = seconds(t);

    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    t = process.hrtime.bigint();
    const report = await verifyExport(path, { publicKeys: ring.publicKeys() });
    const verifySeconds = seconds(t);
    clearInterval(sampler);
    if (!report.ok || report.events !== EVENTS) throw new Error(`verify failed: ${report.message}`);

    const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');
    console.log(
      `audit-verify: ${EVENTS.toLocaleString('en-US')} events, checkpoint every ${CHECKPOINT_EVERY}, node ${process.version}`,
    );
    console.log('');
    console.log(`chaining (${CHAIN_SAMPLE.toLocaleString('en-US')} rows, validate + RFC 8785 + SHA-256)`);
    console.log(
      `  plain JSON.stringify      ${plainSeconds.toFixed(3)} s  ${rate(CHAIN_SAMPLE, plainSeconds)} rows/s   (baseline)`,
    );
    console.log(
      `  chainEvent                ${chainSeconds.toFixed(3)} s  ${rate(CHAIN_SAMPLE, chainSeconds)} rows/s   ratio ${(chainSeconds / plainSeconds).toFixed(1)}x`,
    );
    console.log('');
    console.log(
      `export: ${summary.events.toLocaleString('en-US')} events, ${summary.checkpoints} checkpoints, ${mb.toFixed(1)} MiB, written in ${writeSeconds.toFixed(1)} s (chaining + signing + writing)`,
    );
    console.log('');
    console.log('verify --file');
    console.log(
      `  readline + JSON.parse     ${parseSeconds.toFixed(2)} s  ${(mb / parseSeconds).toFixed(1)} MiB/s  ${rate(lines, parseSeconds)} lines/s   (baseline)`,
    );
    console.log(
      `  verifyExport              ${verifySeconds.toFixed(2)} s  ${(mb / verifySeconds).toFixed(1)} MiB/s  ${rate(EVENTS, verifySeconds)} events/s   ratio ${(verifySeconds / parseSeconds).toFixed(2)}x`,
    );
    console.log(
      `  peak RSS during verify    ${(peakRss / (1024 * 1024)).toFixed(0)} MiB (before: ${(rssBefore / (1024 * 1024)).toFixed(0)} MiB)`,
    );
    if (sink === -1) console.log('');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
