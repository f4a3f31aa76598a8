// Offline audit verification: `verifyExport` on a 1,000,000-event export, against reading,
// splitting and JSON.parse-ing every line of the same file in the same run (the floor any
// verifier has to pay). Reports events per wall second and per CPU second (the verifier is
// single-threaded: a CPU second is one core). With a third argument, the path of another build's
// packages/audit/dist/index.js (e.g. main's, copied under node_modules so its imports resolve),
// that build's verifyExport runs alternated with this one: before/after in one run.
// Run: npx tsc -b bench && node bench/dist/audit-verify.js [events] [checkpointEvery] [otherBuild]
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuditKeyring,
  chainEvent,
  generateAuditKey,
  signCheckpoint,
  verifyExport,
  writeExportFile,
  type AuditRecord,
  type ChainedEvent,
} from '@glovebox/audit';
import { benchEventInput } from './audit-common.js';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const CHECKPOINT_EVERY = Number(process.argv[3] ?? 1000);
const OTHER_BUILD = process.argv[4];

function* records(count: number, ring: AuditKeyring): Generator<AuditRecord> {
  let head: ChainedEvent | null = null;
  for (let i = 1; i <= count; i++) {
    head = chainEvent(head, benchEventInput(i), `evt_${i.toString(36).padStart(12, '0')}`);
    yield { kind: 'event', event: head };
    if (i % CHECKPOINT_EVERY === 0 || i === count) {
      yield {
        kind: 'checkpoint',
        checkpoint: signCheckpoint({ seq: head.seq, headHash: head.hash, time: head.time }, ring.active),
      };
    }
  }
}

interface Timed<T> {
  value: T;
  wall: number;
  cpu: number;
}

async function timed<T>(work: () => Promise<T>): Promise<Timed<T>> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const value = await work();
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { value, wall, cpu: (used.user + used.system) / 1e6 };
}

/** The baseline: read the file in 1 MiB chunks, split lines, JSON.parse each. */
async function parseEveryLine(path: string): Promise<number> {
  let lines = 0;
  let carry = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, encoding: 'utf8' })) {
    const text = carry + (chunk as string);
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end === -1) break;
      JSON.parse(text.slice(start, end));
      lines++;
      start = end + 1;
    }
    carry = text.slice(start);
  }
  return lines;
}

async function main(): Promise<void> {
  const ring = new AuditKeyring(generateAuditKey());
  const dir = await mkdtemp(join(tmpdir(), 'gbx-audit-bench-'));
  const path = join(dir, 'audit-export.jsonl');
  try {
    const written = await timed(() =>
      writeExportFile(records(EVENTS, ring), path, { publicKeys: ring.publicKeys() }),
    );
    const mb = (await stat(path)).size / (1024 * 1024);
    const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');
    const other = OTHER_BUILD
      ? ((await import(OTHER_BUILD)) as { verifyExport: typeof verifyExport }).verifyExport
      : undefined;
    const subjects: [string, typeof verifyExport][] = [
      ...(other ? [['verifyExport (other build)', other] as [string, typeof verifyExport]] : []),
      ['verifyExport', verifyExport],
    ];
    // Baseline and subjects alternated three times; the median of each is reported.
    const baseline: Timed<number>[] = [];
    const runs = subjects.map(() => [] as Timed<number>[]);
    for (let round = 0; round < 3; round++) {
      baseline.push(await timed(() => parseEveryLine(path)));
      for (const [i, [, verify]] of subjects.entries()) {
        runs[i]!.push(
          await timed(async () => {
            const report = await verify(path, { publicKeys: ring.publicKeys() });
            if (!report.ok || report.events !== EVENTS) throw new Error(`verify failed: ${report.message}`);
            return report.events;
          }),
        );
      }
    }
    const median = (list: Timed<number>[], key: 'wall' | 'cpu') =>
      [...list].sort((a, b) => a[key] - b[key])[1]![key];
    const b = { wall: median(baseline, 'wall'), cpu: median(baseline, 'cpu') };
    const lines = baseline[0]!.value;
    const rows = [
      `  ${'read + split + JSON.parse'.padEnd(27)}${b.wall.toFixed(2)} s  ${rate(lines, b.wall)} lines/s   ${rate(lines, b.cpu)} lines/CPU-s   (baseline)`,
      ...subjects.map(([name], i) => {
        const v = { wall: median(runs[i]!, 'wall'), cpu: median(runs[i]!, 'cpu') };
        return `  ${name.padEnd(27)}${v.wall.toFixed(2)} s  ${rate(EVENTS, v.wall)} events/s  ${rate(EVENTS, v.cpu)} events/CPU-s   ratio ${(v.cpu / b.cpu).toFixed(2)}x CPU`;
      }),
    ];
    console.log(
      `audit-verify: ${EVENTS.toLocaleString('en-US')} events, a checkpoint every ${CHECKPOINT_EVERY}, ${mb.toFixed(0)} MiB, node ${process.version}`,
    );
    console.log(`export written in ${written.wall.toFixed(1)} s (chaining, signing, writing)`);
    console.log('verify --file (median of 3, alternated with the baseline)');
    for (const row of rows) console.log(row);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
