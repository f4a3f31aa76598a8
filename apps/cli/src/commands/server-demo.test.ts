import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/glovebox.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

test(
  'a demo whose port is taken (another demo running) stops before touching any demo state',
  { timeout: 60_000 },
  async (t) => {
    const home = mkdtempSync(join(tmpdir(), 'gbx-cli-demo-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    // a gateway-like neighbour that is not ready: the old demo polled it after wiping its state
    const busy = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    const { port } = busy.address() as AddressInfo;
    // What a running demo keeps: its gateway's store and keys, in every demo directory there is.
    const kept = ['demo', `demo-${port}`].map((name) => join(home, name, 'data', 'glovebox.db'));
    for (const file of kept) {
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, 'a running demo keeps its store here');
    }

    const r = await run(['demo', '--port', String(port)], { GLOVEBOX_HOME: home });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`port ${port} is in use .*--port`));
    assert.match(r.stderr, /GBX_CONFIG_INVALID/);
    for (const file of kept) assert.ok(existsSync(file), `${file} was wiped`);
  },
);

test('server passes --policy-source to the gateway (docs/deploy.md, docs/policy.md)', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'gbx-cli-server-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  // the gateway's own check answers, so the flag reached it
  const r = await run(['server', '--policy-source', 'bogus', '--data', join(home, 'data')], {
    GLOVEBOX_HOME: home,
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /GBX_CONFIG_INVALID: --policy-source must be "directory" or "store"/);
});

/** True when something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Three ports in a row that are free now. */
async function freePorts(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const taken = await Promise.all([port, port + 1, port + 2].map(listening));
    if (!taken.some(Boolean)) return port;
  }
}

test(
  'Ctrl-C stops the demo: it says so, waits for what it started, and exits 0',
  { timeout: 120_000 },
  async (t) => {
    const home = mkdtempSync(join(tmpdir(), 'gbx-cli-demo-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    const port = await freePorts();
    const child = spawn(process.execPath, [BIN, 'demo', '--port', String(port)], {
      env: { ...process.env, GLOVEBOX_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Users:')) resolve();
      });
      void exited.then(() => reject(new Error(`the demo exited early: ${stderr}`)));
    });
    assert.ok(await listening(port), 'the gateway is up');
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /demo stopped/);
    for (const p of [port, port + 1, port + 2])
      assert.equal(await listening(p), false, `port ${p} still listening`);
  },
);
