import type { Command } from 'commander';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GloveboxError } from '@glovebox/core';
import { createRedactor } from '@glovebox/redact';
import { ApiClient, gloveboxHome } from '../client.js';
import { makeOutput } from '../output.js';
import { usage } from './common.js';

const repoPath = (relative: string) => fileURLToPath(new URL(`../../../../${relative}`, import.meta.url));

function gatewayMain(): string {
  return fileURLToPath(import.meta.resolve('@glovebox/gateway/main'));
}

/** Starts the gateway in a child process: the CLI talks to it over HTTP only. */
function spawnGateway(args: string[], env: NodeJS.ProcessEnv, quiet: boolean): ChildProcess {
  return spawn(process.execPath, ['--enable-source-maps', gatewayMain(), ...args], {
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

export function registerLocalCommands(program: Command): void {
  program
    .command('server')
    .description('run the gateway')
    .option('--config <file>', 'YAML configuration file')
    .option('--data <dir>', 'data directory (SQLite store, keys)')
    .option('--policies <dir>', 'policy directory (hot-reloaded)')
    .option('--listen <host:port>', 'address to listen on', undefined)
    .option('--store <url>', 'postgres://… for PostgreSQL (default: embedded SQLite)')
    .action((o: Record<string, string | undefined>) => {
      const args = Object.entries(o).flatMap(([k, v]) =>
        v && k !== 'json' && k !== 'url' ? [`--${k}`, v] : [],
      );
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
    .action(async (o: { port: string }, command: Command) => {
      const out = makeOutput(command.optsWithGlobals<{ json?: boolean }>().json === true);
      const port = Number(o.port);
      if (!Number.isInteger(port) || port <= 0 || port > 65535) usage('--port must be a port number');
      const url = `http://127.0.0.1:${port}`;
      const dir = join(gloveboxHome(), 'demo');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const adminToken = `gbx_t_${randomBytes(24).toString('base64url')}`;
      const children: ChildProcess[] = [];
      const stopAll = () => children.forEach((c) => c.kill('SIGTERM'));
      process.on('exit', stopAll);
      process.on('SIGINT', () => {
        stopAll();
        process.exit(0);
      });
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
      const app = repoPath('examples/demo-app/dist/server.js');
      const hotLine =
        readFileSync(repoPath('examples/demo-app/src/server.ts'), 'utf8')
          .split('\n')
          .findIndex((l) => l.includes('const total = Math.round')) + 1;
      if (!existsSync(app))
        throw new GloveboxError(
          'GBX_CONFIG_INVALID',
          'the demo service is not built: run `npm run build` first',
        );
      const services = [
        { name: 'checkout-staging', env: 'staging', port: port + 1 },
        { name: 'checkout-prod', env: 'prod', port: port + 2 },
      ];
      for (const s of services) {
        const reg = await admin.call<{ credential: string }>('POST', '/agents', {
          name: s.name,
          env: s.env,
          owner: 'payments',
          tags: { service: 'checkout' },
        });
        const child = spawn(
          process.execPath,
          ['--enable-source-maps', '--import', '@glovebox/agent/register', app],
          {
            cwd: repoPath(''),
            env: {
              ...process.env,
              PORT: String(s.port),
              GLOVEBOX_URL: url,
              GLOVEBOX_AGENT_TOKEN: reg.credential,
            },
            stdio: ['ignore', 'ignore', 'inherit'],
          },
        );
        children.push(child);
      }
      for (let i = 0; i < 50; i++) {
        const agents = await admin.call<{ agents: { connected: boolean }[] }>('GET', '/agents');
        if (agents.agents.every((a) => a.connected)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const walkthrough = [
        `Glovebox demo is running. Gateway: ${url}   (Ctrl-C stops everything)`,
        '',
        'In another terminal:',
        `  export GLOVEBOX_URL=${url} GLOVEBOX_HOME=$(mktemp -d)`,
        '',
        '  # 1. alice (engineers) logs in and sees the targets',
        "  echo 'alice-demo-password' | npx glovebox login --user alice --password-stdin",
        '  npx glovebox targets',
        '',
        '  # 2. staging opens at once; run an action in the session',
        '  npx glovebox request checkout-staging --actions facts,snapshot,logpoint --reason "checkout latency spike"',
        '  npx glovebox facts SESSION_ID',
        `  curl -s 'localhost:${port + 1}/checkout?customer=1'   # (in a loop, to keep the line running)`,
        `  npx glovebox snapshot SESSION_ID src/server.ts:${hotLine} --wait 30s    # locals come back with secrets masked`,
        `  npx glovebox logpoint SESSION_ID src/server.ts:${hotLine} "subtotal={subtotal}" --follow --duration 20s`,
        '',
        '  # 3. prod needs a fresh MFA (mfa enroll, then mfa verify CODE) and an approval from sre-leads (exit 4)',
        '  npx glovebox request checkout-prod --actions facts --reason "INC-42 errors in prod"',
        '',
        '  # 4. bob (sre-leads) approves in his own shell',
        "  export GLOVEBOX_HOME=$(mktemp -d); echo 'bob-demo-password' | npx glovebox login --user bob --password-stdin",
        '  npx glovebox requests --pending && npx glovebox approve REQUEST_ID',
        '',
        '  # 5. end the session; every later action is refused (exit 3)',
        '  npx glovebox end SESSION_ID',
        '',
        '  # 6. read the audit trail (as the admin, or carol from auditors)',
        `  GLOVEBOX_TOKEN=${adminToken} npx glovebox audit`,
        '',
        `Users: ${DEMO_USERS.map((u) => `${u.name}/${u.password} (${u.groups.join(',')})`).join('; ')}`,
      ].join('\n');
      out.result(
        {
          url,
          adminToken,
          users: DEMO_USERS.map((u) => ({ name: u.name, groups: u.groups })),
          targets: services.map((s) => s.name),
        },
        () => walkthrough,
      );
      await new Promise<void>((resolve) => gateway.on('exit', () => resolve()));
    });

  program
    .command('redact')
    .description('redact stdin to stdout with the same engine the product uses')
    .option(
      '--format <text|jsonl>',
      'text: stream as text; jsonl: one JSON document per line, redacted by key and value',
      'text',
    )
    .option('--level <standard|strict>', 'masking level', 'standard')
    .action(async (o: { format: string; level: string }) => {
      if (o.format !== 'text' && o.format !== 'jsonl' && o.format !== 'json')
        usage('--format is text or jsonl');
      if (o.level !== 'standard' && o.level !== 'strict') usage('--level is standard or strict');
      const redactor = createRedactor({ level: o.level });
      process.stdin.setEncoding('utf8');
      if (o.format === 'text') {
        const stream = redactor.createStream();
        for await (const chunk of process.stdin) process.stdout.write(stream.push(chunk as string));
        process.stdout.write(stream.end());
        return;
      }
      let buffer = '';
      const emit = (line: string) => {
        if (!line.trim()) return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          process.stdout.write(`${redactor.redactText(line).text}\n`);
          return;
        }
        process.stdout.write(`${JSON.stringify(redactor.redactValue(value).value)}\n`);
      };
      for await (const chunk of process.stdin) {
        buffer += chunk as string;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          emit(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
        }
      }
      emit(buffer);
    });
}
