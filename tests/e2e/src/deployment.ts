import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePorts } from './ports.js';
import { ROOT, TEST_PG_URL, waitFor } from './harness.js';

/** examples/deploy/start.sh, run as its documentation says: three gateways behind HAProxy. */
export interface ThreeReplicas {
  /** HAProxy's URL: what clients and agents are given. */
  lb: string;
  /** The gateways' own URLs, gw1..gw3. */
  replicas: string[];
  schema: string;
  /** Which replica (index into `replicas`) holds `agent`'s connection, or -1. */
  holderOf(agent: string): Promise<number>;
  /** kill -9 of one gateway process. */
  kill(index: number): void;
  /** The gateway's log (info level), e.g. to tell which replica led the singleton jobs. */
  log(index: number): string;
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * Starts examples/deploy/start.sh on a fresh PostgreSQL schema with its own run directory and
 * ports; `env` reaches every gateway (GLOVEBOX_DEPLOY_CONFIG, secrets a config file names).
 */
export async function startThreeReplicas(dir: string, env: Record<string, string>): Promise<ThreeReplicas> {
  const schema = `gbx_e2e_${randomBytes(5).toString('hex')}`;
  const base = await freePorts(4);
  const run = join(dir, 'deploy');
  const script: ChildProcess = spawn('bash', [join(ROOT, 'examples/deploy/start.sh')], {
    env: {
      PATH: `${process.env.PATH ?? ''}:/usr/sbin`,
      GLOVEBOX_STORE: `${TEST_PG_URL}?schema=${schema}`,
      GLOVEBOX_DEPLOY_DIR: run,
      GLOVEBOX_DEPLOY_PORT: String(base),
      GLOVEBOX_LOG_LEVEL: 'info',
      GLOVEBOX_REAPER_MS: '200',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  script.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  script.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => script.once('exit', () => resolve()));
  const lb = `http://127.0.0.1:${base}`;
  const replicas = [1, 2, 3].map((i) => `http://127.0.0.1:${base + i}`);
  // Generous: three gateways starting at once on a loaded 2-core machine (seen: over two minutes
  // while other end-to-end tests ran); start.sh gives each two minutes before it gives up.
  try {
    await waitFor(
      async () => {
        if (script.exitCode !== null) throw new Error(`start.sh exited: ${output}`);
        return output.includes('three replicas');
      },
      'the deployment',
      400_000,
    );
  } catch (error) {
    // start.sh stops what it started when it is told to
    script.kill('SIGTERM');
    await exited;
    throw error;
  }
  const db = new pg.Client({ connectionString: TEST_PG_URL });
  await db.connect();
  const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
    (await db.query<T>(sql.replaceAll('$schema', schema), params)).rows;
  return {
    lb,
    replicas,
    schema,
    async holderOf(agent) {
      const rows = await query<{ url: string }>(
        `SELECT p.url FROM $schema.agent_routes r JOIN $schema.replicas p ON p.id = r.replica WHERE r.agent = $1`,
        [agent],
      );
      return rows[0] ? replicas.indexOf(rows[0].url) : -1;
    },
    kill(index) {
      process.kill(Number(readFileSync(join(run, `gw${index + 1}.pid`), 'utf8')), 'SIGKILL');
    },
    log: (index) => readFileSync(join(run, `gw${index + 1}.log`), 'utf8'),
    query,
    async stop() {
      script.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      script.kill('SIGKILL');
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.end();
    },
  };
}

/** The pid of a running process whose command line is exactly `argv`, or null. */
export function processWithArgv(argv: string[]): number | null {
  const wanted = `${argv.join('\0')}\0`;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8') === wanted && alive(Number(name)))
        return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** True while `pid` runs (a zombie waiting for its parent counts as ended). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
