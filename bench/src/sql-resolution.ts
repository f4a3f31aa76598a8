// What resolving a statement's functions against the catalog costs per query: the host agent's whole
// `query` action (parse, catalog resolution, run, masking) against, in the same run and on the same
// server, the catalog query alone and the bare statement in a READ ONLY transaction with pg.
// Needs PostgreSQL at 127.0.0.1:5432 (database `test`, trust auth).
// Run: npx tsc -b bench && node bench/dist/sql-resolution.js
import pg from 'pg';
import type { ActionContext } from '@glovebox/agent';
import { createPostgresModule } from '@glovebox/host-agent';
import { CATALOG_QUERY, catalogQueryParams, collectSqlReferences } from '@glovebox/sql';

const URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const RUNS = Number(process.env['BENCH_RUNS'] ?? 200);
const STATEMENTS = [
  'SELECT c.relname, n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 1259',
  "SELECT count(*), max(backend_start) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()",
];

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

async function main(): Promise<void> {
  const module = createPostgresModule(
    [
      {
        type: 'postgres',
        name: 'bench-db',
        connection: { env: 'BENCH_PG_URL' },
        statementTimeoutMs: 10_000,
        connectTimeoutMs: 5000,
        rowLimit: 1000,
        maxConnections: 1,
        maxClass: 'read',
        functions: {},
      },
    ],
    { env: { BENCH_PG_URL: URL } },
  );
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  await client.query('SET plan_cache_mode = force_generic_plan');
  console.log(`runs per figure: ${RUNS} (medians, interleaved)`);
  for (const sql of STATEMENTS) {
    const params = catalogQueryParams(collectSqlReferences(sql));
    const action: number[] = [];
    const catalog: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < RUNS + 10; i++) {
      let t = performance.now();
      await module.actions.query!({ sql, readOnly: true, authorizedClass: 'read' }, ctx);
      const a = performance.now() - t;
      t = performance.now();
      await client.query({ name: 'bench_catalog', text: CATALOG_QUERY, values: params });
      const c = performance.now() - t;
      t = performance.now();
      await client.query('BEGIN READ ONLY');
      await client.query(sql);
      await client.query('ROLLBACK');
      const b = performance.now() - t;
      if (i >= 10) {
        action.push(a);
        catalog.push(c);
        bare.push(b);
      }
    }
    const [ma, mc, mb] = [median(action), median(catalog), median(bare)];
    console.log(`\n${sql.slice(0, 90)}`);
    console.log(`  bare statement (pg, READ ONLY txn)   ${mb.toFixed(2)} ms`);
    console.log(`  catalog resolution query alone       ${mc.toFixed(2)} ms`);
    console.log(`  host agent query action (all steps)  ${ma.toFixed(2)} ms`);
    console.log(
      `  resolution share of the action ${((100 * mc) / ma).toFixed(0)}%; action without it ≈ ${(ma - mc).toFixed(2)} ms, ratio with/without ${(ma / (ma - mc)).toFixed(2)}x`,
    );
  }
  await client.end();
  await module.close();
}

await main();
