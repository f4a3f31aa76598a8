import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBoundedLog } from './agent-log.js';

test('lines over the rate are dropped, counted, and reported with the next line written', () => {
  let t = 0;
  const lines: string[] = [];
  const log = createBoundedLog({
    write: (l) => (lines.push(l), true),
    linesPerSecond: 10,
    burst: 3,
    now: () => t,
  });
  for (let i = 0; i < 10; i++) log.log('warn', `m${i}`);
  assert.equal(lines.length, 3);
  assert.equal(log.dropped, 7);
  t += 100; // one more token
  log.log('info', 'later');
  assert.equal(lines.length, 4);
  assert.match(lines[3]!, /^\[glovebox-agent\] info: later \(7 earlier agent log lines dropped\)\n$/);
  t += 100;
  log.log('info', 'quiet');
  assert.equal(lines[4], '[glovebox-agent] info: quiet\n');
});

test('a sink that is full or throws drops the line (counted) and never throws into the caller', () => {
  let full = true;
  const lines: string[] = [];
  const log = createBoundedLog({
    write: (l) => {
      if (full) return false;
      lines.push(l);
      return true;
    },
    now: () => 0,
  });
  log.log('error', 'a');
  log.log('error', 'b');
  assert.equal(log.dropped, 2);
  full = false;
  log.log('error', 'c');
  assert.match(lines[0]!, /c \(2 earlier agent log lines dropped\)/);
  const throwing = createBoundedLog({
    write: () => {
      throw new Error('EPIPE');
    },
  });
  assert.doesNotThrow(() => throwing.log('warn', 'x'));
  assert.equal(throwing.dropped, 1);
});

test('a message stays one bounded line: newlines and control characters cannot forge log lines', () => {
  const lines: string[] = [];
  const log = createBoundedLog({ write: (l) => (lines.push(l), true), maxLineChars: 20 });
  log.log('warn', 'bad\n[glovebox-agent] info: forged\r\u001b[2J');
  log.log('warn', 'x'.repeat(5000));
  assert.equal(lines[0]!.split('\n').length, 2);
  assert.ok(!lines[0]!.slice(0, -1).includes('\n'));
  assert.ok(!lines[0]!.includes('\u001b'));
  assert.ok(lines[1]!.length < 60);
});

/**
 * A host whose stderr nobody reads: the agent's worker floods its log (as a gateway sending malformed
 * messages would make it). Before this logger the worker wrote to its own stderr, which Node relays
 * to the main thread without bound: the host queued megabytes in memory and spent main-thread time
 * on every chunk. Now the main thread's queue stays under the bound and the rest is counted as dropped.
 */
test('a flooding agent worker cannot make a host with an unread stderr queue without bound', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-agent-log-'));
  const logModule = new URL('./agent-log.js', import.meta.url).href;
  const child = join(dir, 'host.mjs');
  writeFileSync(
    child,
    `import { MessageChannel, Worker } from 'node:worker_threads';
import { relayAgentLog } from ${JSON.stringify(logModule)};
let maxQueued = 0;
let writes = 0;
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = (chunk, ...rest) => {
  writes++;
  const r = write(chunk, ...rest);
  maxQueued = Math.max(maxQueued, process.stderr.writableLength);
  return r;
};
const logs = new MessageChannel();
relayAgentLog(logs.port1);
const done = new MessageChannel();
const worker = new Worker(new URL('./flood.mjs', import.meta.url), {
  workerData: { logs: logs.port2, done: done.port2 },
  transferList: [logs.port2, done.port2],
});
done.port1.once('message', () => setTimeout(() => {
  process.stdout.write(JSON.stringify({ maxQueued, writes }) + '\\n');
  process.exit(0);
}, 300));
`,
  );
  writeFileSync(
    join(dir, 'flood.mjs'),
    `import { workerData } from 'node:worker_threads';
import { workerAgentLog } from ${JSON.stringify(logModule)};
const log = workerAgentLog(workerData.logs, { linesPerSecond: 1e9, burst: 1e9 });
const line = 'ignored a malformed message from the gateway '.repeat(20);
for (let i = 0; i < 20000; i++) log.log('warn', line);
workerData.done.postMessage('flooded');
`,
  );
  try {
    const proc = spawn(process.execPath, [child], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stderr.pause(); // nobody reads the host's stderr
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    assert.equal(code, 0);
    const report = JSON.parse(out) as { maxQueued: number; writes: number };
    assert.ok(report.maxQueued <= 16_384, `main thread queued ${report.maxQueued} bytes`);
    assert.ok(report.writes < 20000, 'lines past the bound were dropped');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
