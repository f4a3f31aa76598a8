// Rows per second of a 100,000-row PostgreSQL result through the host agent's `query` action with
// masking (the real redaction engine, by column name and value), against the same action with a
// pass-through redactor and against the same query sent directly with `pg`, all in the same run.
// Needs PostgreSQL at 127.0.0.1:5432 (database `test`, trust auth).
// Run: npx tsc -b bench && node bench/dist/hostagent-sql-rows.js
import pg from 'pg';
import type { ActionContext } from '@glovebox/agent';
import { createPostgresModule, type HostRedactor, type QueryResult } from '@glovebox/host-agent';

const URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = 100_000;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const SQL = `SELECT g AS id, 'user' || g || '@example.com' AS email, md5(g::text) AS note,
  (g * 1.5)::float8 AS amount, now() AS seen_at FROM generate_series(1, ${ROWS}) g`;

const passThrough: HostRedactor = {
  redactText: (text) => ({ text, counts: {} }),
  redactValue: (value) => ({ value, counts: {} }),
  createStream: () => ({ push: (chunk) => chunk, flush: () => '', end: () => '', counts: {} }),
  createMergedStream: () => ({
    push: (source, text) => [{ source, text }],
    flush: () => [],
    end: () => [],
    counts: {},
  }),
  isSensitiveKey: () => false,
};

const ctx: ActionContext = {
  sessionId: 'ses_bench',
  callId: 'call_bench',
  target: 'bench-db',
  masking: 'standard',
  signal: new AbortController().signal,
  emit: () => undefined,
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time(fn: () => Promise<number>): Promise<number> {
  const rowsOut: number[] = [];
  const times: number[] = [];
  await fn(); // warm-up: connection, parser, JIT
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    rowsOut.push(await fn());
    times.push(performance.now() - t);
  }
  if (rowsOut.some((n) => n !== ROWS)) throw new Error(`expected ${ROWS} rows, got ${rowsOut.join(',')}`);
  return median(times);
}

async function main(): Promise<void> {
  const target = {
    type: 'postgres' as const,
    name: 'bench-db',
    connection: { env: 'BENCH_PG_URL' },
    statementTimeoutMs: 120_000,
    connectTimeoutMs: 5000,
    rowLimit: ROWS,
    maxConnections: 1,
    maxClass: 'read' as const,
    functions: {},
  };
  const env = { BENCH_PG_URL: URL };
  const masked = createPostgresModule([target], { env });
  const unmasked = createPostgresModule([target], { env, redactorFor: () => passThrough });
  const direct = new pg.Client({ connectionString: URL });
  await direct.connect();
  const params = { sql: SQL, readOnly: true, authorizedClass: 'read' };
  let maskedCounts: Record<string, number> = {};
  try {
    const directMs = await time(
      async () => (await direct.query({ text: SQL, rowMode: 'array' })).rows.length,
    );
    const unmaskedMs = await time(
      async () => ((await unmasked.actions.query!(params, ctx)).result as QueryResult).rows.length,
    );
    const maskedMs = await time(async () => {
      const outcome = await masked.actions.query!(params, ctx);
      maskedCounts = outcome.redactions ?? {};
      return (outcome.result as QueryResult).rows.length;
    });
    const rate = (ms: number) => Math.round(ROWS / (ms / 1000));
    console.log(`hostagent-sql-rows: ${ROWS} rows x 5 columns, median of ${RUNS} runs`);
    console.log(
      `  direct pg (baseline)          ${directMs.toFixed(0).padStart(6)} ms  ${rate(directMs).toLocaleString('en').padStart(10)} rows/s  1.00x`,
    );
    console.log(
      `  query action, no masking      ${unmaskedMs.toFixed(0).padStart(6)} ms  ${rate(unmaskedMs).toLocaleString('en').padStart(10)} rows/s  ${(directMs / unmaskedMs).toFixed(2)}x of direct`,
    );
    console.log(
      `  query action, masked          ${maskedMs.toFixed(0).padStart(6)} ms  ${rate(maskedMs).toLocaleString('en').padStart(10)} rows/s  ${(directMs / maskedMs).toFixed(2)}x of direct, ${(unmaskedMs / maskedMs).toFixed(2)}x of unmasked`,
    );
    console.log(`  redactions in the masked run: ${JSON.stringify(maskedCounts)}`);
  } finally {
    await direct.end();
    await masked.close();
    await unmasked.close();
  }
}

await main();
