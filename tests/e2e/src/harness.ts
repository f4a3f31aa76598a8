import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authenticator } from 'otplib';
import pg from 'pg';
import { freePorts } from './ports.js';

/** Repository root, from tests/e2e/dist/. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The CLI under test: the repository's build, or another one (e.g. an installed package) by path. */
export const CLI = process.env.GLOVEBOX_E2E_CLI ?? join(ROOT, 'apps/cli/dist/main.js');
const GATEWAY = join(ROOT, 'apps/gateway/dist/main.js');
const SERVICE = join(ROOT, 'tests/e2e/fixtures/service.mjs');
export const TEST_PG_URL = process.env.GLOVEBOX_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = Record<string, unknown>>(): T;
}

/** Runs the real `glovebox` CLI as a person would, with its own GLOVEBOX_HOME. */
export function cli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        json<T>() {
          return JSON.parse(stdout) as T;
        },
      }),
    );
    child.stdin.end(input ?? '');
  });
}

async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
  hopeless: () => boolean = () => false,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (hopeless()) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface Deployment {
  url: string;
  adminEnv: Record<string, string>;
  dir: string;
  policiesDir: string;
  /** Environment for a CLI user with their own home. */
  userEnv(name: string): Record<string, string>;
  /** Adds a user (as the admin) and logs it in: its environment (`userEnv`). See `addUser`. */
  addUser(name: string, groups: string[], password?: string): Promise<Record<string, string>>;
  /** The `--store` every gateway of the deployment is given (sqlite:PATH or a PostgreSQL URL with its schema). */
  store: string;
  /** Starts the service fixture with the in-process agent, as `glovebox agents register` configured it. */
  startAgentService(reg: Registration): Promise<ChildProcess>;
  /** Kills the gateway (SIGKILL), runs `whileDown` if given, and starts it again. */
  restartGateway(whileDown?: () => Promise<void>): Promise<void>;
  /** Starts another gateway process on the same store (its own data directory); returns its URL. */
  startReplica(name: string): Promise<string>;
  stop(): Promise<void>;
}

export type StoreKind = 'sqlite' | 'postgres';

/** What `glovebox agents register --json` prints. */
export interface Registration {
  credential: string;
  gatewayKeys: string[];
}

/** The environment of an in-process agent: gateway URL, credential and the pinned gateway key. */
export function agentEnv(url: string, reg: Registration): Record<string, string> {
  return {
    GLOVEBOX_URL: url,
    GLOVEBOX_AGENT_TOKEN: reg.credential,
    GLOVEBOX_GATEWAY_KEYS: reg.gatewayKeys.join(','),
  };
}

export interface DeployOptions {
  /** More `glovebox server` flags, e.g. `--config FILE`, for every gateway of the deployment. */
  args?: string[];
}

/**
 * Starts a real gateway process (on SQLite or on a fresh PostgreSQL schema) with a copy of the
 * example policies, tweaked by `editPolicies` when a test needs shorter timeouts.
 */
export async function deploy(
  store: StoreKind,
  editPolicies?: (dir: string) => void,
  options: DeployOptions = {},
): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-e2e-'));
  const policiesDir = join(dir, 'policies');
  cpSync(join(ROOT, 'examples/policies'), policiesDir, { recursive: true });
  editPolicies?.(policiesDir);
  const schema = `gbx_e2e_${randomBytes(5).toString('hex')}`;
  // replicas share the store: the SQLite file of the first gateway's data directory, or the schema
  const storeArgs =
    store === 'postgres'
      ? ['--store', `${TEST_PG_URL}?schema=${schema}`]
      : ['--store', `sqlite:${join(dir, 'data', 'glovebox.db')}`];
  const port = await freePorts();
  const url = `http://127.0.0.1:${port}`;
  const adminToken = `gbx_t_${randomBytes(24).toString('base64url')}`;
  const masterKey = randomBytes(32).toString('base64');
  const children: ChildProcess[] = [];
  let gateway: ChildProcess | undefined;
  const spawnGateway = async (data: string, at: number): Promise<ChildProcess> => {
    const child = spawn(
      process.execPath,
      [
        GATEWAY,
        '--data',
        data,
        '--policies',
        policiesDir,
        '--listen',
        `127.0.0.1:${at}`,
        ...storeArgs,
        ...(options.args ?? []),
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          GLOVEBOX_BOOTSTRAP_TOKEN: adminToken,
          GLOVEBOX_MASTER_KEY: masterKey,
          GLOVEBOX_LOG_LEVEL: 'warn',
          GLOVEBOX_REAPER_MS: '200',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    // The end of what it printed, for the error if it never becomes ready.
    let printed = '';
    child.stderr?.on('data', (d: Buffer) => {
      printed = (printed + d.toString()).slice(-4000);
      if (process.env.GLOVEBOX_E2E_DEBUG) process.stderr.write(d);
    });
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = `exited (${signal ?? code})`));
    // Generous: a gateway starting on a loaded 2-core machine (CI runs tests in parallel) can take tens of seconds.
    try {
      await waitFor(
        async () => {
          if (exited !== undefined) throw new Error(exited);
          return (await fetch(`http://127.0.0.1:${at}/readyz`)).ok;
        },
        'gateway ready',
        60_000,
        () => exited !== undefined,
      );
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(
        `${(error as Error).message} (port ${at}, gateway ${exited ?? 'still running'}); it printed:\n${printed}`,
      );
    }
    return child;
  };
  const startGateway = async () => {
    gateway = await spawnGateway(join(dir, 'data'), port);
  };
  await startGateway();
  const home = (name: string) => join(dir, 'home', name);
  const adminEnv = { GLOVEBOX_URL: url, GLOVEBOX_TOKEN: adminToken, GLOVEBOX_HOME: home('admin') };
  const userEnv = (name: string) => ({ GLOVEBOX_URL: url, GLOVEBOX_HOME: home(name) });
  return {
    url,
    dir,
    policiesDir,
    store: storeArgs[1]!,
    adminEnv,
    userEnv,
    addUser: (name, groups, password) => addUser(adminEnv, userEnv(name), name, groups, password),
    async startAgentService(reg) {
      const child = spawn(process.execPath, ['--import', '@glovebox/agent/register', SERVICE], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...agentEnv(url, reg), PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      return child;
    },
    async startReplica(name) {
      const at = await freePorts();
      children.push(await spawnGateway(join(dir, `data-${name}`), at));
      return `http://127.0.0.1:${at}`;
    },
    async restartGateway(whileDown) {
      gateway?.kill('SIGKILL');
      await new Promise((r) => gateway?.once('exit', r));
      await whileDown?.();
      await startGateway();
    },
    async stop() {
      for (const c of children) c.kill('SIGKILL');
      gateway?.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
      gateway?.kill('SIGKILL');
      if (store === 'postgres') {
        const client = new pg.Client({ connectionString: TEST_PG_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Replaces text in a policy file of a deployment's copy. */
export function editPolicy(dir: string, file: string, from: string, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
  writeFileSync(path, text.replace(from, to));
}

export { waitFor };

/**
 * Adds a user as the admin (`users add --password-stdin`, password `<name>-password-123` unless
 * given) and logs it in with `env` (`login --user --password-stdin`): returns `env`, which now holds
 * the login. Throws with what the CLI printed when either step fails.
 */
export async function addUser(
  admin: Record<string, string>,
  env: Record<string, string>,
  name: string,
  groups: string[],
  password = `${name}-password-123`,
): Promise<Record<string, string>> {
  const steps: [string[], Record<string, string>][] = [
    [['users', 'add', name, '--groups', groups.join(','), '--password-stdin'], admin],
    [['login', '--user', name, '--password-stdin'], env],
  ];
  for (const [args, as] of steps) {
    const r = await cli(args, as, `${password}\n`);
    if (r.code !== 0)
      throw new Error(`glovebox ${args.slice(0, 2).join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
  }
  return env;
}

/**
 * Gives a logged-in user a TOTP factor the way people get one: an admin's enrollment ticket
 * (`users reset-mfa`), `mfa enroll --ticket`, `mfa verify`, then a new login with a code — the
 * login that enrolled a factor never counts it for step-up. Returns the TOTP secret.
 */
export async function enrollTotp(
  admin: Record<string, string>,
  env: Record<string, string>,
  name: string,
  password: string,
): Promise<string> {
  const reset = await cli(['users', 'reset-mfa', name, '--json'], admin);
  if (reset.code !== 0) throw new Error(`reset-mfa: ${reset.stderr}`);
  const { ticket } = reset.json<{ enrollmentTicket: { ticket: string } }>().enrollmentTicket;
  const { secret } = (await cli(['mfa', 'enroll', '--ticket', ticket, '--json'], env)).json<{
    secret: string;
  }>();
  const at = (offset: number) => authenticator.clone({ epoch: Date.now() + offset }).generate(secret);
  const verified = await cli(['mfa', 'verify', at(0)], env);
  if (verified.code !== 0) throw new Error(`mfa verify: ${verified.stderr}`);
  // Each code is accepted once: the login uses the next time step's.
  const login = await cli(
    ['login', '--user', name, '--password-stdin', '--otp', at(30_000)],
    env,
    `${password}\n`,
  );
  if (login.code !== 0) throw new Error(`login --otp: ${login.stderr}`);
  return secret;
}
