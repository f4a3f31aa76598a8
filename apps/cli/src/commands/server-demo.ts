import type { Command } from 'commander';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GloveboxError } from '@glovebox/core';
import { ApiClient } from '../client.js';
import { gloveboxHome } from '../home.js';
import type { Output } from '../output.js';
import { localOutput, usage } from './common.js';

/**
 * The programs `server` and `demo` start in child processes. They come from the CLI's declared
 * dependencies, resolved by their package exports; the CLI never imports them (it talks HTTP).
 */
function gatewayProgram(): string {
  return installedFile(() => import.meta.resolve('@glovebox/gateway/main'), 'the gateway');
}

function agentPreload(): string {
  return installedFile(() => import.meta.resolve('@glovebox/agent/register'), 'the Node.js agent');
}

function installedFile(resolve: () => string, what: string): string {
  let file: string | undefined;
  try {
    file = fileURLToPath(resolve());
  } catch {
    file = undefined;
  }
  if (file && existsSync(file)) return file;
  throw new GloveboxError(
    'GBX_COMPONENT_NOT_INSTALLED',
    `${what} is not part of this installation of glovebox (the installable CLI is the client): ` +
      'run it from a built checkout of the Glovebox repository (`npm ci && npm run build`)',
  );
}

/** The demo's files (service, policies) live in the repository, next to the CLI's own folder. */
const repoPath = (relative: string) => fileURLToPath(new URL(`../../../../${relative}`, import.meta.url));

function spawnGateway(args: string[], env: NodeJS.ProcessEnv, quiet: boolean): ChildProcess {
  return spawn(process.execPath, ['--enable-source-maps', gatewayProgram(), ...args], {
    env: { ...process.env, ...env },
    stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
  });
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new GloveboxError('GBX_INTERNAL', `the gateway exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new GloveboxError('GBX_INTERNAL', 'the gateway did not become ready in time');
}

const DEMO_USERS = [
  { name: 'alice', groups: ['engineers'], password: 'alice-demo-password' },
  { name: 'bob', groups: ['engineers', 'sre-leads'], password: 'bob-demo-password' },
  { name: 'olivia', groups: ['engineers', 'oncall'], password: 'olivia-demo-password' },
  { name: 'carol', groups: ['auditors'], password: 'carol-demo-password' },
];

/** The walkthrough the demo prints; the README shows the same steps. */
export function demoWalkthrough(url: string, port: number, hotLine: number, adminToken: string): string {
  return [
    `Glovebox demo is running. Gateway: ${url}   (Ctrl-C stops everything)`,
    '',
    'In another terminal:',
    `  export GLOVEBOX_URL=${url} GLOVEBOX_HOME=$(mktemp -d)`,
    '',
    '  # 1. alice (engineers) logs in and sees the targets',
    "  echo 'alice-demo-password' | npx glovebox login --user alice --password-stdin",
    '  npx glovebox targets',
    '',
    '  # 2. staging opens at once and becomes the current session: no id to paste',
    '  npx glovebox request checkout-staging --actions facts,snapshot,logpoint --reason "checkout latency spike"',
    '  npx glovebox facts',
    `  while true; do curl -s 'localhost:${port + 1}/checkout?customer=1' >/dev/null; done &   # keep the line running`,
    `  npx glovebox snapshot src/server.ts:${hotLine} --wait 30s    # locals come back with secrets masked`,
    `  npx glovebox logpoint src/server.ts:${hotLine} "subtotal={subtotal}" --follow --duration 20s`,
    '  kill %1',
    '',
    '  # 3. prod needs a fresh MFA and an approval from sre-leads (exit 4). A first factor needs an',
    "  #    admin's single-use ticket, and counts from the next login on:",
    `  GLOVEBOX_TOKEN=${adminToken} npx glovebox users reset-mfa alice    # prints the ticket`,
    '  npx glovebox mfa enroll --ticket TICKET && npx glovebox mfa verify CODE',
    "  echo 'alice-demo-password' | npx glovebox login --user alice --password-stdin --otp NEXT_CODE",
    '  npx glovebox request checkout-prod --actions facts --reason "INC-42 errors in prod"',
    '',
    '  # 4. bob (sre-leads) approves in his own shell, by target: the only request on it waiting for him',
    "  export ALICE_HOME=$GLOVEBOX_HOME GLOVEBOX_HOME=$(mktemp -d); echo 'bob-demo-password' | npx glovebox login --user bob --password-stdin",
    '  npx glovebox requests --pending && npx glovebox approve checkout-prod',
    '',
    '  # 5. back as alice: act in the current session, then end it; an action naming it afterwards is refused (exit 3)',
    '  export GLOVEBOX_HOME=$ALICE_HOME; npx glovebox facts && npx glovebox end',
    '',
    '  # 6. read the audit trail (as the admin, or carol from auditors)',
    `  GLOVEBOX_TOKEN=${adminToken} npx glovebox audit`,
    '',
    `Users: ${DEMO_USERS.map((u) => `${u.name}/${u.password} (${u.groups.join(',')})`).join('; ')}`,
  ].join('\n');
}

async function startDemoServices(admin: ApiClient, url: string, port: number): Promise<ChildProcess[]> {
  const app = repoPath('examples/demo-app/dist/server.js');
  const services = [
    { name: 'checkout-staging', env: 'staging', port: port + 1 },
    { name: 'checkout-prod', env: 'prod', port: port + 2 },
  ];
  const children: ChildProcess[] = [];
  for (const s of services) {
    const reg = await admin.call<{ credential: string; gatewayKeys: string[] }>('POST', '/agents', {
      name: s.name,
      env: s.env,
      owner: 'payments',
      tags: { service: 'checkout' },
    });
    const child = spawn(process.execPath, ['--enable-source-maps', '--import', agentPreload(), app], {
      cwd: repoPath(''),
      env: {
        ...process.env,
        PORT: String(s.port),
        GLOVEBOX_URL: url,
        GLOVEBOX_AGENT_TOKEN: reg.credential,
        GLOVEBOX_GATEWAY_KEYS: reg.gatewayKeys.join(','),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
  }
  for (let i = 0; i < 50; i++) {
    const agents = await admin.call<{ agents: { connected: boolean }[] }>('GET', '/agents');
    if (agents.agents.every((a) => a.connected)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return children;
}

/**
 * Refuses a port already taken, before anything is touched: another demo on it would otherwise
 * lose its state (the demo starts afresh), and its gateway would answer our readiness check.
 */
async function claimPorts(ports: number[]): Promise<void> {
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (!free)
      throw new GloveboxError(
        'GBX_CONFIG_INVALID',
        `port ${port} is in use (another glovebox demo?): stop it, or pick other ports with --port N (the demo uses N, N+1 and N+2)`,
      );
  }
}

async function runDemo(o: { port: string }, command: Command): Promise<void> {
  const out = localOutput(command);
  const port = Number(o.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65533) usage('--port must be a port number');
  const app = repoPath('examples/demo-app/dist/server.js');
  if (!existsSync(repoPath('examples/policies')))
    throw new GloveboxError(
      'GBX_COMPONENT_NOT_INSTALLED',
      'the demo runs from a checkout of the Glovebox repository (`npm ci && npm run build && npx glovebox demo`)',
    );
  if (!existsSync(app))
    throw new GloveboxError('GBX_CONFIG_INVALID', 'the demo service is not built: run `npm run build` first');
  await claimPorts([port, port + 1, port + 2]);
  const url = `http://127.0.0.1:${port}`;
  // one directory per port, so a demo on another port keeps its own state
  const dir = join(gloveboxHome(), `demo-${port}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const adminToken = `gbx_t_${randomBytes(24).toString('base64url')}`;
  const children: ChildProcess[] = [];
  process.on('exit', () => children.forEach((c) => c.kill('SIGTERM')));
  const stopping = stopOnSignal(children, dir, out);
  const gateway = spawnGateway(
    [
      '--data',
      join(dir, 'data'),
      '--policies',
      repoPath('examples/policies'),
      '--listen',
      `127.0.0.1:${port}`,
    ],
    { GLOVEBOX_BOOTSTRAP_TOKEN: adminToken, GLOVEBOX_LOG_LEVEL: 'warn' },
    true,
  );
  children.push(gateway);
  await waitReady(url, gateway);
  const admin = new ApiClient(url, adminToken);
  for (const u of DEMO_USERS) await admin.call('POST', '/users', u);
  children.push(...(await startDemoServices(admin, url, port)));
  const hotLine =
    readFileSync(repoPath('examples/demo-app/src/server.ts'), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('const total = Math.round')) + 1;
  out.result(
    {
      url,
      adminToken,
      users: DEMO_USERS.map((u) => ({ name: u.name, groups: u.groups })),
      targets: ['checkout-staging', 'checkout-prod'],
    },
    () => demoWalkthrough(url, port, hotLine, adminToken),
  );
  await new Promise<void>((resolve) => gateway.on('exit', () => resolve()));
  await stopping();
}

/** How long the demo waits for what it started to stop before killing it. */
const STOP_GRACE_MS = 10_000;

/**
 * Ctrl-C, SIGTERM or SIGHUP stop the gateway and the services too (a SIGTERM once left them
 * running): each is asked to stop and waited for (the gateway writes its waiting audit events as
 * it stops, and is killed after {@link STOP_GRACE_MS}), then the demo says so and exits 0. A second
 * signal exits at once. Returns what to wait for: the stop under way, if any.
 */
function stopOnSignal(children: ChildProcess[], dir: string, out: Output): () => Promise<void> {
  let stop: Promise<void> | undefined;
  const stopAll = async (): Promise<void> => {
    out.note('stopping the demo: the gateway and the two services…');
    await Promise.all(
      children
        .filter((c) => c.exitCode === null && c.signalCode === null)
        .map(
          (c) =>
            new Promise<void>((resolve) => {
              const kill = setTimeout(() => c.kill('SIGKILL'), STOP_GRACE_MS);
              c.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              c.kill('SIGTERM');
            }),
        ),
    );
    out.note(`demo stopped. Its state is in ${dir} until the next \`glovebox demo\` on this port.`);
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => {
      if (stop !== undefined) process.exit(130);
      stop = stopAll();
    });
  return () => stop ?? Promise.resolve();
}

export function registerServerCommands(program: Command): void {
  program
    .command('server')
    .description('run the gateway')
    .option('--config <file>', 'YAML configuration file')
    .option('--data <dir>', 'data directory (SQLite store, keys)')
    .option('--policies <dir>', 'policy directory (hot-reloaded)')
    .option('--listen <host:port>', 'address to listen on', undefined)
    .option('--store <url>', 'postgres://… for PostgreSQL (default: embedded SQLite)')
    .option(
      '--policy-source <source>',
      'directory (default: --policies, hot-reloaded) or store (bundles from `glovebox policy push`)',
    )
    .option('--accept-audit-rollback <seq>', 'start on a store behind its witnessed head (docs/audit.md)')
    .action((o: Record<string, string | undefined>) => {
      const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      const args = Object.entries(o).flatMap(([k, v]) => (v ? [flag(k), v] : []));
      const child = spawnGateway(args, {}, false);
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      return new Promise<void>((resolve) => {
        child.on('exit', (code) => {
          process.exitCode = code ?? 1;
          resolve();
        });
      });
    });

  program
    .command('demo')
    .description('gateway + two demo services with agents + seeded users and policies; prints a walkthrough')
    .option('--port <n>', 'gateway port', '7350')
    .action(runDemo);
}
