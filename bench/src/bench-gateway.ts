// One gateway for a benchmark, on a fresh data directory with the example policies and a bootstrap
// administrator: in this process (`startBenchGateway`), or as a program of its own
// (`startBenchGatewayProcess`) when its memory is measured apart or the CLI talks to it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { buildServer, type GatewayOptions } from '@glovebox/gateway';
import { TEST_STORES } from '@glovebox/gateway/testing/stores';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const POLICIES = join(ROOT, 'examples/policies');
const DEFAULT_ADMIN = 'gbx_t_bench-admin-token-0000000000000000';

/** An agent's registration: its credential and the gateway keys it pins. */
export interface Registration {
  credential: string;
  gatewayKeys: string[];
}

export interface BenchGateway {
  url: string;
  /** The bootstrap administrator's token. */
  admin: string;
  dataDir: string;
  /** An API call (`path` under /api/v1): the answer's text; throws with the status when it fails. */
  text: (method: string, path: string, token: string, body?: unknown, accept?: string) => Promise<string>;
  /** The same, the answer parsed as JSON. */
  call: (method: string, path: string, token: string, body?: unknown) => Promise<Record<string, unknown>>;
  /** Adds a user with password `<name>-password-123` and logs in as it: the user's token. */
  addUser(name: string, groups: string[]): Promise<string>;
  /** Registers an agent (as the administrator). */
  addAgent(name: string, env?: string): Promise<Registration>;
  /** Stops the gateway and removes what it was given to work on (store and directory) unless passed in. */
  close(): Promise<void>;
}

export interface BenchGatewayOptions {
  /** `sqlite` or `postgres` (a fresh test store), or a store URL the caller keeps; default: SQLite in the data directory. */
  store?: string;
  /** Default: a fresh temporary directory, removed on close. */
  dataDir?: string;
  /** The bootstrap administrator's token. */
  admin?: string;
  /** Anything else the gateway is built with (in-process only). */
  gateway?: Partial<GatewayOptions>;
}

interface Opened {
  url: string | undefined;
  dataDir: string;
  admin: string;
  dispose(): Promise<void>;
}

async function open(options: BenchGatewayOptions): Promise<Opened> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gbx-bench-'));
  const ownDir = options.dataDir === undefined;
  const testStore = TEST_STORES.find((s) => s.name === options.store);
  if (options.store && !testStore && !options.store.includes(':'))
    throw new TypeError('store must be sqlite, postgres or a store URL');
  const store = testStore ? await testStore.open() : undefined;
  return {
    url: store?.url ?? options.store,
    dataDir,
    admin: options.admin ?? DEFAULT_ADMIN,
    async dispose() {
      await store?.dispose();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function client(url: string, admin: string, dataDir: string, close: () => Promise<void>): BenchGateway {
  const text: BenchGateway['text'] = async (method, path, token, body, accept) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(accept ? { accept } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const answer = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${answer.slice(0, 300)}`);
    return answer;
  };
  const call: BenchGateway['call'] = async (method, path, token, body) =>
    JSON.parse(await text(method, path, token, body)) as Record<string, unknown>;
  return {
    url,
    admin,
    dataDir,
    text,
    call,
    async addUser(name, groups) {
      const password = `${name}-password-123`;
      await call('POST', '/users', admin, { name, groups, password });
      return (await call('POST', '/auth/login', '', { user: name, password })).token as string;
    },
    async addAgent(name, env = 'staging') {
      return (await call('POST', '/agents', admin, { name, env })) as unknown as Registration;
    },
    close,
  };
}

/** A gateway in this process, listening on a free port of 127.0.0.1; its logs are discarded. */
export async function startBenchGateway(options: BenchGatewayOptions = {}): Promise<BenchGateway> {
  const opened = await open(options);
  const gw = buildServer({
    dataDir: opened.dataDir,
    ...(opened.url ? { store: opened.url } : {}),
    policiesDir: POLICIES,
    bootstrapToken: opened.admin,
    port: 0,
    watchPolicies: false,
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
    ...options.gateway,
  });
  const url = await gw.listen();
  return client(url, opened.admin, opened.dataDir, async () => {
    await gw.close();
    await opened.dispose();
  });
}

/** The gateway program (`apps/gateway/dist/main.js`) in a child process, ready when this resolves. */
export async function startBenchGatewayProcess(
  options: Omit<BenchGatewayOptions, 'gateway'> = {},
): Promise<BenchGateway & { pid: number }> {
  const opened = await open(options);
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'apps/gateway/dist/main.js'),
      '--data',
      join(opened.dataDir, 'data'),
      '--policies',
      POLICIES,
      '--listen',
      `127.0.0.1:${port}`,
      ...(opened.url ? ['--store', opened.url] : []),
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        GLOVEBOX_BOOTSTRAP_TOKEN: opened.admin,
        GLOVEBOX_LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await opened.dispose();
  };
  for (let i = 0; ; i++) {
    if ((await fetch(`${url}/readyz`).catch(() => null))?.ok) break;
    if (i === 300 || child.exitCode !== null || child.signalCode !== null) {
      await close();
      throw new Error(`the gateway did not become ready on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ...client(url, opened.admin, opened.dataDir, close), pid: child.pid! };
}
