import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, waitFor } from './harness.js';

const RELAY = join(ROOT, 'tests/e2e/fixtures/relay.mjs');

export interface Frame {
  conn: number;
  dir: 'up' | 'down' | 'injected';
  text: string;
}

/** A machine in the middle of the agent channel (tests/e2e/fixtures/relay.mjs), as a real process. */
export async function startRelay(upstream: string, host = '127.0.0.1') {
  const child = spawn(process.execPath, [RELAY], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', RELAY_UPSTREAM: upstream, RELAY_HOST: host },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /relay (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error('relay exited')));
  });
  const control = `http://127.0.0.1:${port}/relay`;
  const post = async (path: string, body: unknown) =>
    (await fetch(`${control}/${path}`, { method: 'POST', body: JSON.stringify(body) })).json();
  return {
    child,
    port,
    log: async () => (await (await fetch(`${control}/log`)).json()) as Frame[],
    state: async () =>
      (await (await fetch(`${control}/state`)).json()) as {
        upgrades: number;
        closes: { conn: number; code: number; reason: string }[];
      },
    dropWelcome: (on: boolean) => post('mode', { dropWelcome: on }),
    inject: async (message: unknown) =>
      (
        (await post('inject', { text: typeof message === 'string' ? message : JSON.stringify(message) })) as {
          sent: boolean;
        }
      ).sent,
  };
}
export type Relay = Awaited<ReturnType<typeof startRelay>>;

/** The agent's latest hello, as the relay saw it go by: its nonce and its instance id. */
export async function lastHello(relay: Relay): Promise<{ nonce: string; instance: { id: string } }> {
  const hellos = (await relay.log()).filter((f) => f.dir === 'up' && f.text.includes('"hello"'));
  return JSON.parse(hellos.at(-1)!.text) as { nonce: string; instance: { id: string } };
}

/** The agent's answer to a call, as the relay saw it go up after the first `since` frames. */
export async function answerTo(
  relay: Relay,
  callId: string,
  since = 0,
): Promise<{ ok: boolean; error?: { code: string } }> {
  let found: { ok: boolean; error?: { code: string } } | undefined;
  await waitFor(async () => {
    for (const f of (await relay.log()).slice(since)) {
      if (f.dir !== 'up') continue;
      const m = JSON.parse(f.text) as {
        type: string;
        callId?: string;
        ok: boolean;
        error?: { code: string };
      };
      if (m.type === 'result' && m.callId === callId) found = m;
    }
    return found !== undefined;
  }, `the agent's answer to ${callId}`);
  return found!;
}

export function hostAgent(config: string, token: string): ChildProcess {
  const child = spawn(process.execPath, [join(ROOT, 'apps/cli/dist/main.js'), 'agent', '--config', config], {
    env: { PATH: process.env.PATH ?? '', GLOVEBOX_AGENT_TOKEN: token },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => {
    if (process.env.GLOVEBOX_E2E_DEBUG) process.stderr.write(d);
  });
  return child;
}

export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

/** The payload of a signed envelope, read as an attacker would (it is not encrypted). */
export function payloadOf(envelope: { payload: string }): Record<string, unknown> & {
  callId: string;
  sessionId: string;
  expiresAt: number;
} {
  return JSON.parse(Buffer.from(envelope.payload, 'base64url').toString('utf8')) as never;
}

/**
 * Frames the gateway sent down of one type after the first `since` frames, with their envelope's
 * payload when they carry one.
 */
export async function downFrames(
  relay: Relay,
  type: string,
  since = 0,
): Promise<{ text: string; conn: number; payload?: ReturnType<typeof payloadOf> }[]> {
  return (await relay.log())
    .slice(since)
    .filter((f) => f.dir === 'down' && (JSON.parse(f.text) as { type: string }).type === type)
    .map((f) => {
      const m = JSON.parse(f.text) as { envelope?: { payload: string } };
      return { text: f.text, conn: f.conn, ...(m.envelope ? { payload: payloadOf(m.envelope) } : {}) };
    });
}
