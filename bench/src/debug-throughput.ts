/**
 * Throughput of examples/demo-app under a fixed closed-loop load from a second process, in four
 * configurations measured in the same run (fresh app process each, order rotated per round):
 * no debugger; the debugger module idle in a worker; an active logpoint on the hot path at its rate
 * limit; snapshots being taken one after another on the hot path.
 *
 * Run: npx tsc -b examples/demo-app bench && node bench/dist/debug-throughput.js [rounds] [connections] [measureMs]
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmt, median } from './debug-common.js';

const rounds = Number(process.argv[2] ?? '3');
const connections = process.argv[3] ?? '8';
const measureMs = process.argv[4] ?? '4000';
const warmupMs = '1000';

const demo = fileURLToPath(new URL('../../examples/demo-app/dist/server.js', import.meta.url));
const demoSource = fileURLToPath(new URL('../../examples/demo-app/src/server.ts', import.meta.url));
const preload = new URL('./debug-preload.js', import.meta.url).href;
const loadScript = fileURLToPath(new URL('./debug-load.js', import.meta.url));
const hotLine =
  readFileSync(demoSource, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('const total = Math.round(')) + 1;
const location = `examples/demo-app/src/server.ts:${hotLine}`;

type Config = 'none' | 'worker' | 'idle' | 'logpoint' | 'snapshot' | 'snapshot-loop';
interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

class App {
  readonly child: ChildProcess;
  #next = 1;
  #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; emit?: () => void }
  >();
  constructor(withDebugger: boolean) {
    this.child = fork(demo, [], {
      execArgv: ['--enable-source-maps', ...(withDebugger ? ['--import', preload] : [])],
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    this.child.on(
      'message',
      (m: { id: number; outcome?: unknown; error?: { code: string }; emit?: unknown }) => {
        const p = this.#pending.get(m.id);
        if (p === undefined) return;
        if ('emit' in m) return p.emit?.();
        this.#pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error.code));
        else p.resolve(m.outcome);
      },
    );
  }
  port(): Promise<number> {
    return new Promise((resolve, reject) => {
      let out = '';
      this.child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      this.child.once('exit', () => reject(new Error('demo app exited')));
    });
  }
  call<T>(action: string, params: unknown, emit?: () => void): Promise<T> {
    const id = this.#next++;
    const done = new Promise<T>((resolve, reject) =>
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, ...(emit ? { emit } : {}) }),
    );
    this.child.send({ id, type: 'call', action, params, sessionId: 'bench' });
    return done;
  }
  endSession(): Promise<unknown> {
    const id = this.#next++;
    const done = new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.child.send({ id, type: 'endSession', sessionId: 'bench' });
    return done;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}

function runLoad(port: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [loadScript, `http://127.0.0.1:${port}/checkout?customer=1`, connections, warmupMs, measureMs],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load exited ${code}`)),
    );
  });
}

async function measure(config: Config): Promise<LoadResult & { activity: number }> {
  const app = new App(config !== 'none');
  const port = await app.port();
  let activity = 0;
  let stopSnapshots = false;
  let background: Promise<unknown> = Promise.resolve();
  if (config !== 'none' && config !== 'worker')
    await app.call('eval', { expression: '1 + 1', timeoutMs: 1000 });
  if (config === 'logpoint') {
    background = app
      .call(
        'logpoint',
        {
          location,
          template: 'order {orderId} total {total} card {cardNumber} mail {email}',
          durationMs: 600_000,
        },
        () => activity++,
      )
      .catch(() => undefined);
  }
  if (config === 'snapshot') {
    // A snapshot probe on the hot path capturing at its rate limit (20 hits at the default 5/s).
    background = (async () => {
      while (!stopSnapshots) {
        const r = await app.call<{ result: { captures: unknown[] } }>('snapshot', {
          location,
          waitMs: 60_000,
          hits: 20,
        });
        activity += r.result.captures.length;
      }
    })().catch(() => undefined);
  }
  if (config === 'snapshot-loop') {
    // One-shot snapshots back to back: every one installs and removes its hook (enable, LiveEdit, disable).
    background = (async () => {
      while (!stopSnapshots) {
        const r = await app.call<{ result: { status: string } }>('snapshot', { location, waitMs: 2000 });
        if (r.result.status === 'captured') activity++;
      }
    })().catch(() => undefined);
  }
  const result = await runLoad(port);
  stopSnapshots = true;
  if (config === 'logpoint' || config === 'snapshot') await app.endSession();
  await background;
  await app.stop();
  return { ...result, activity };
}

const configs = (process.env['GBX_BENCH_CONFIGS']?.split(',') ?? [
  'none',
  'idle',
  'logpoint',
  'snapshot',
]) as Config[];
const perRound: Array<Record<Config, LoadResult & { activity: number }>> = [];
for (let r = 0; r < rounds; r++) {
  const order = [...configs.slice(r % configs.length), ...configs.slice(0, r % configs.length)];
  const row = {} as Record<Config, LoadResult & { activity: number }>;
  for (const c of order) row[c] = await measure(c);
  perRound.push(row);
  process.stderr.write(
    `round ${r + 1}: ${configs.map((c) => `${c} ${fmt(row[c].rps, 0)} rps p99 ${fmt(row[c].p99, 2)} ms`).join(' | ')}\n`,
  );
}

console.log(
  `debug-throughput: demo-app GET /checkout, ${connections} connections, ${measureMs} ms measured after ${warmupMs} ms warm-up, ${rounds} rounds (median of per-round ratios to "none")`,
);
for (const c of configs) {
  const ratio = median(perRound.map((row) => row[c].rps / row.none.rps));
  const rps = median(perRound.map((row) => row[c].rps));
  const p99 = median(perRound.map((row) => row[c].p99));
  const activity = median(perRound.map((row) => row[c].activity));
  const extra =
    c === 'logpoint'
      ? `, ${activity} lines streamed`
      : c === 'snapshot'
        ? `, ${activity} captures`
        : c === 'snapshot-loop'
          ? `, ${activity} one-shot snapshots`
          : '';
  console.log(
    `  ${c.padEnd(9)} ${fmt(rps, 0).padStart(6)} req/s  p99 ${fmt(p99, 2).padStart(6)} ms  ratio ${fmt(ratio, 3)}${extra}`,
  );
}
console.log('  targets: idle >= 0.99, logpoint at its rate limit >= 0.95');
