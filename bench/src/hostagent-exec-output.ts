// Bytes per second of command output through the host agent's `exec` action (spawn, limits, UTF-8 and
// control-character handling, streaming redaction per stream, asciicast recording with chunk hashes)
// against a raw pipe of the same command, in the same run. The command is `cat` of a 16 MiB log-like
// file with an email or token every ~40 lines. Variants: redaction on/off, sandboxed (bubblewrap) or not.
// Run: npx tsc -b bench && node bench/dist/hostagent-exec-output.js
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionContext } from '@glovebox/agent';
import {
  createExecModule,
  detectHostTools,
  parseHostAgentConfig,
  type ExecResult,
  type ExecTargetConfig,
  type HostRedactor,
  type HostTools,
} from '@glovebox/host-agent';

const SIZE = 16 * 1024 * 1024;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);

const passThrough: HostRedactor = {
  redactText: (text) => ({ text, counts: {} }),
  redactValue: (value) => ({ value, counts: {} }),
  createStream: () => ({ push: (chunk) => chunk, flush: () => '', end: () => '', counts: {} }),
  createMergedStream: () => ({
    push: (source, text) => [{ source, text }],
    flush: () => [],
    end: () => [],
    counts: {},
  }),
  isSensitiveKey: () => false,
};

function logFile(): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < SIZE; i++) {
    let line = `2026-01-31T12:${String(i % 60).padStart(2, '0')}:00.000Z INFO request id=${i} path=/api/v1/orders/${i * 7} status=200 ms=${i % 300}`;
    if (i % 40 === 0) line += ` user=user${i}@example.com`;
    if (i % 97 === 0) line += ` token=ghp_${'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`.slice(0, SIZE);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function rawPipe(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/cat', [file], { stdio: ['ignore', 'pipe', 'ignore'] });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.once('error', reject);
    child.once('close', () => resolve(bytes));
  });
}

async function main(): Promise<void> {
  // Not under /tmp: the sandbox mounts a private, empty /tmp.
  const dir = await mkdtemp('/var/tmp/gbx-bench-exec-');
  const file = join(dir, 'app.log');
  await writeFile(file, logFile());
  const config = parseHostAgentConfig(
    {
      gateway: {
        url: 'wss://gw.example',
        credential: { env: 'X' },
        keys: ['sha256:3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f'],
      },
      recordings: { dir: join(dir, 'rec') },
      targets: [
        {
          type: 'exec',
          name: 'bench',
          commands: [
            {
              name: 'cat',
              path: '/bin/cat',
              class: 'read',
              args: [{ fixed: file }],
              maxOutputBytes: '64MiB',
              timeout: '120s',
            },
          ],
        },
      ],
    },
    dir,
  );
  const target = config.targets[0] as ExecTargetConfig;
  const detected = detectHostTools();
  const ctx: ActionContext = {
    sessionId: 'ses_bench',
    callId: 'call_bench',
    target: 'bench',
    masking: 'standard',
    signal: new AbortController().signal,
    emit: () => undefined,
  };
  const variant = (tools: HostTools, redact: boolean) => {
    const module = createExecModule([target], {
      recordingsDir: join(dir, 'rec'),
      tools,
      ...(redact ? {} : { redactorFor: () => passThrough }),
    });
    return async () => {
      const outcome = await module.actions.exec!({ argv: ['cat', file] }, ctx);
      const result = outcome.result as ExecResult;
      if (result.bytes !== SIZE || result.exitCode !== 0)
        throw new Error(`unexpected result ${JSON.stringify(result)}`);
      return outcome.redactions ?? {};
    };
  };
  const measure = async (fn: () => Promise<unknown>) => {
    await fn();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
    return median(times);
  };
  try {
    const rawMs = await measure(() => rawPipe(file));
    const rows: [string, number][] = [];
    const unsandboxed = { ...detected, bwrap: null };
    rows.push(['exec, no redaction, unsandboxed', await measure(variant(unsandboxed, false))]);
    rows.push(['exec, redacted, unsandboxed', await measure(variant(unsandboxed, true))]);
    if (detected.bwrap) {
      rows.push(['exec, no redaction, bubblewrap', await measure(variant(detected, false))]);
      rows.push(['exec, redacted, bubblewrap', await measure(variant(detected, true))]);
    }
    const counts = await variant(unsandboxed, true)();
    const mbps = (ms: number) => (SIZE / 1024 / 1024 / (ms / 1000)).toFixed(1);
    console.log(`hostagent-exec-output: cat of a ${SIZE / 1024 / 1024} MiB log, median of ${RUNS} runs`);
    console.log(
      `  raw pipe (baseline)                  ${rawMs.toFixed(0).padStart(6)} ms  ${mbps(rawMs).padStart(7)} MiB/s  1.00x`,
    );
    for (const [name, ms] of rows)
      console.log(
        `  ${name.padEnd(36)} ${ms.toFixed(0).padStart(6)} ms  ${mbps(ms).padStart(7)} MiB/s  ${(rawMs / ms).toFixed(3)}x of raw`,
      );
    console.log(`  redactions per run: ${JSON.stringify(counts)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
