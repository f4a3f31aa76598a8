import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, existsSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isGloveboxError } from '@glovebox/core';
import type { ActionContext } from '@glovebox/agent';
import { parseHostAgentConfig, type ExecTargetConfig } from '../config.js';
import { listRecordings, readRecording, recordingPath, type RecordingChunk } from '../recording.js';
import { playAsciicast } from '@glovebox/protocol';

// The chunk list the audit trail keeps, checked against the file line by line (the gateway does this with
// @glovebox/audit's verifyRecording against the chain; here the agent's own hashes suffice).
async function matchesChunks(path: string, chunks: readonly RecordingChunk[]): Promise<boolean> {
  const lines = (await readFile(path, 'utf8')).split(/(?<=\n)/);
  return (
    lines.length === chunks.length &&
    lines.every((line, i) => createHash('sha256').update(line).digest('hex') === chunks[i]?.sha256)
  );
}
import { createExecModule, type ExecOutputEvent, type ExecResult } from './exec-module.js';
import { detectHostTools, type HostTools } from './launcher.js';

const BUILT_FIXTURE = fileURLToPath(new URL('./exec-fixture.js', import.meta.url));
// The sandbox mounts a private, empty /tmp: when the checkout itself lives under /tmp (as a CI
// clone may), sandboxed commands could not see the fixture, so they run a copy from /var/tmp.
const FIXTURE = BUILT_FIXTURE.startsWith('/tmp/') ? copyOutsideTmp(BUILT_FIXTURE) : BUILT_FIXTURE;

function copyOutsideTmp(path: string): string {
  const copy = join(mkdtempSync('/var/tmp/gbx-fixture-'), 'exec-fixture.mjs');
  copyFileSync(path, copy);
  return copy;
}
const TOKEN = `ghp_${'A1b2C3d4E5f6G7h8I9'}${'j0K1l2M3n4O5p6Q7r8'}`;
const detected = detectHostTools();
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function target(overrides: Record<string, unknown> = {}): ExecTargetConfig {
  const config = parseHostAgentConfig(
    {
      gateway: {
        url: 'wss://gw.example',
        credential: { env: 'X' },
        keys: ['sha256:3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f'],
      },
      recordings: { dir: '/tmp/unused' },
      targets: [
        {
          type: 'exec',
          name: 'web-1',
          commands: [
            {
              name: 'fixture',
              path: process.execPath,
              class: 'read',
              args: [{ fixed: FIXTURE }, { pattern: '[a-z]+(?:-[a-z0-9]+)?' }],
              timeout: '20s',
              maxOutputBytes: '1MiB',
              env: ['GLOVEBOX_TEST_ALLOWED'],
              ...overrides,
            },
          ],
        },
      ],
    },
    '/',
  );
  return config.targets[0] as ExecTargetConfig;
}

function harness(
  options: {
    tools?: HostTools;
    sandbox?: 'auto' | 'required' | 'off';
    targetOverrides?: Record<string, unknown>;
  } = {},
) {
  const recordingsDir = mkdtempSync(join(tmpdir(), 'gbx-rec-'));
  dirs.push(recordingsDir);
  const module = createExecModule([target(options.targetOverrides)], {
    recordingsDir,
    sandbox: options.sandbox ?? 'auto',
    tools: options.tools ?? detected,
    // These tests exercise the unsandboxed paths on purpose; the refusal itself has its own test.
    readsWithoutSandbox: 'allow',
  });
  const run = (mode: string, extra: { controller?: AbortController; sessionId?: string } = {}) => {
    const events: ExecOutputEvent[] = [];
    let firstOutput: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (firstOutput = resolve));
    const ctx: ActionContext = {
      sessionId: extra.sessionId ?? 'ses_1',
      callId: 'call_1',
      target: 'web-1',
      masking: 'standard',
      signal: (extra.controller ?? new AbortController()).signal,
      emit: (data) => {
        events.push(data as ExecOutputEvent);
        firstOutput();
      },
    };
    const outcome = module.actions.exec!({ argv: ['fixture', FIXTURE, mode] }, ctx);
    return { events, started, outcome, text: () => events.map((e) => e.data).join('') };
  };
  return { module, recordingsDir, run };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
}

const variants: { name: string; tools: HostTools; skip: string | false }[] = [
  { name: 'sandboxed', tools: detected, skip: detected.bwrap ? false : 'bubblewrap is not installed' },
  { name: 'unsandboxed', tools: { ...detected, bwrap: null }, skip: false },
  { name: 'without prlimit (sh ulimit fallback)', tools: { bwrap: null, prlimit: null }, skip: false },
];

for (const variant of variants) {
  describe(`exec (${variant.name})`, { skip: variant.skip }, () => {
    test('streams output redacted across chunk boundaries and records it', async () => {
      const h = harness({ tools: variant.tools });
      const { outcome, text, events } = h.run('split-secret');
      const { result, accessed, redactions } = await outcome;
      const r = result as ExecResult;
      assert.equal(r.exitCode, 0);
      assert.equal(r.sandbox, variant.tools.bwrap ? 'bwrap' : 'none');
      assert.ok(!text().includes(TOKEN.slice(4, 22)), 'no part of the token before the split leaks');
      assert.ok(!text().includes(TOKEN.slice(22)), 'no part of the token after the split leaks');
      assert.match(text(), /done\n/);
      assert.ok(events.every((e) => e.stream === 'stdout'));
      assert.ok(Object.values(redactions ?? {}).reduce((a, b) => a + b, 0) >= 1);
      assert.deepEqual((accessed?.['recording'] as { id: string }).id, r.recording.id);

      const path = recordingPath(h.recordingsDir, r.recording.id);
      const recording = await readRecording(path);
      assert.equal(recording.header.version, 2);
      assert.equal(recording.header.glovebox?.sessionId, 'ses_1');
      assert.equal(recording.events.map((e) => e[2]).join(''), text());
      assert.equal(r.recording.chunks.length, recording.events.length + 1, 'one chunk per line');
      assert.equal(await matchesChunks(path, r.recording.chunks), true);
      // The audit trail's verifier splits the file at newlines: each piece must be exactly one chunk.
      const raw = await readFile(path);
      const lines: Buffer[] = [];
      for (let from = 0; from < raw.length;) {
        const end = raw.indexOf(10, from) + 1 || raw.length;
        lines.push(raw.subarray(from, end));
        from = end;
      }
      assert.deepEqual(
        lines.map((line, index) => ({
          index,
          sha256: createHash('sha256').update(line).digest('hex'),
          bytes: line.length,
        })),
        r.recording.chunks,
      );
      assert.equal(r.recording.sha256, createHash('sha256').update(raw).digest('hex'));
    });

    test('mirrors the exit code', async () => {
      const { outcome } = harness({ tools: variant.tools }).run('exit-3');
      const r = (await outcome).result as ExecResult;
      assert.equal(r.exitCode, 3);
      assert.equal(r.killedBy, null);
    });

    test('separates stdout and stderr', async () => {
      const { outcome, events } = harness({ tools: variant.tools }).run('stderr');
      await outcome;
      assert.equal(
        events
          .filter((e) => e.stream === 'stdout')
          .map((e) => e.data)
          .join(''),
        'to-stdout\n',
      );
      assert.equal(
        events
          .filter((e) => e.stream === 'stderr')
          .map((e) => e.data)
          .join(''),
        'to-stderr\n',
      );
    });

    test('kills the whole process group when the call is aborted', async () => {
      const controller = new AbortController();
      const { outcome, text } = harness({ tools: variant.tools }).run('children', { controller });
      await waitUntil(() => /child=\d+/.test(text()));
      const childPid = Number(/child=(\d+)/.exec(text())?.[1]);
      assert.ok(isAlive(childPid));
      controller.abort();
      const r = (await outcome).result as ExecResult;
      assert.equal(r.killedBy, 'aborted');
      assert.equal(r.signal, 'SIGKILL');
      await waitUntil(() => !isAlive(childPid));
      assert.equal(isAlive(childPid), false, 'the grandchild died with its group');
    });

    test('attack: a line the command prints before it waits reaches the engineer while it runs', async () => {
      // the redactor holds a complete line in case the next one continues a fold; a command that
      // prints and then waits sends no next line, so the line is released when the output pauses
      const controller = new AbortController();
      const { outcome, started, text } = harness({ tools: variant.tools }).run('sleep', { controller });
      await started;
      assert.equal(text(), 'started\n');
      controller.abort();
      assert.equal(((await outcome).result as ExecResult).killedBy, 'aborted');
    });

    test('kills commands of a session when the session ends', async () => {
      const h = harness({ tools: variant.tools });
      const { outcome, started } = h.run('sleep', { sessionId: 'ses_end' });
      await started;
      await h.module.endSession('ses_end');
      const r = (await outcome).result as ExecResult;
      assert.equal(r.killedBy, 'aborted');
    });

    test('kills at the wall-clock timeout', async () => {
      const { outcome } = harness({ tools: variant.tools, targetOverrides: { timeout: '300ms' } }).run(
        'sleep',
      );
      const r = (await outcome).result as ExecResult;
      assert.equal(r.killedBy, 'timeout');
      assert.equal(r.exitCode, null);
    });

    test('caps enormous output and stops the command', async () => {
      const { outcome, text } = harness({
        tools: variant.tools,
        targetOverrides: { maxOutputBytes: '64KiB' },
      }).run('flood');
      const r = (await outcome).result as ExecResult;
      assert.equal(r.truncated, true);
      assert.equal(r.bytes, 65536);
      assert.equal(r.killedBy, 'output-limit');
      assert.ok(text().length <= 65536);
    });

    test('escapes binary output instead of passing control bytes', async () => {
      const { outcome, text } = harness({ tools: variant.tools }).run('binary');
      const r = (await outcome).result as ExecResult;
      assert.equal(r.binary, true);
      assert.ok(text().includes('\\x00'));
      assert.ok(text().includes('\\x1b'));
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(text(), /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/);
    });

    test('passes only the allow-listed environment', async () => {
      process.env['GLOVEBOX_TEST_ALLOWED'] = '1';
      process.env['GLOVEBOX_TEST_SECRET'] = 'hidden';
      try {
        const { outcome, text } = harness({ tools: variant.tools }).run('env');
        await outcome;
        const keys = JSON.parse(text()) as string[];
        assert.ok(keys.includes('GLOVEBOX_TEST_ALLOWED'));
        assert.ok(!keys.includes('GLOVEBOX_TEST_SECRET'));
      } finally {
        delete process.env['GLOVEBOX_TEST_ALLOWED'];
        delete process.env['GLOVEBOX_TEST_SECRET'];
      }
    });

    test('stops a command at its CPU-time limit', async () => {
      const { outcome } = harness({ tools: variant.tools, targetOverrides: { cpuSeconds: 1 } }).run('spin');
      const r = (await outcome).result as ExecResult;
      if (variant.tools.prlimit) assert.equal(r.killedBy, 'cpu');
      else assert.ok(r.signal === 'SIGXCPU' || r.signal === 'SIGKILL');
    });
  });
}

describe('exec sandbox', { skip: detected.bwrap ? false : 'bubblewrap is not installed' }, () => {
  test('the file system is read-only inside the sandbox', async () => {
    const { outcome, text } = harness().run('write-etc');
    await outcome;
    try {
      assert.equal(text(), 'EROFS\n');
    } finally {
      if (existsSync('/etc/glovebox-sandbox-probe')) unlinkSync('/etc/glovebox-sandbox-probe');
    }
  });
});

describe('exec refusals', () => {
  const h = harness();
  const ctx: ActionContext = {
    sessionId: 'ses_1',
    callId: 'c',
    target: 'web-1',
    masking: 'standard',
    signal: new AbortController().signal,
    emit: () => assert.fail('nothing may run'),
  };
  const cases: { name: string; params: unknown; code: string; ctx?: Partial<ActionContext> }[] = [
    {
      name: 'command not on the list',
      params: { argv: ['/bin/rm', '-rf', '/'] },
      code: 'GBX_EXEC_NOT_ALLOWED',
    },
    {
      name: 'shell separator',
      params: { argv: ['fixture', FIXTURE, 'sleep;id'] },
      code: 'GBX_EXEC_NOT_ALLOWED',
    },
    {
      name: 'command substitution',
      params: { argv: ['fixture', FIXTURE, '$(id)'] },
      code: 'GBX_EXEC_NOT_ALLOWED',
    },
    {
      name: 'output redirection option',
      params: { argv: ['fixture', '--output=/etc/passwd'] },
      code: 'GBX_EXEC_NOT_ALLOWED',
    },
    {
      name: 'path traversal',
      params: { argv: ['fixture', `${FIXTURE}/../x`] },
      code: 'GBX_EXEC_NOT_ALLOWED',
    },
    {
      name: 'a shell string instead of argv',
      params: { argv: 'fixture sleep' },
      code: 'GBX_REQUEST_INVALID',
    },
    { name: 'empty argv', params: { argv: [] }, code: 'GBX_REQUEST_INVALID' },
    {
      name: 'unknown target',
      params: { argv: ['fixture'] },
      code: 'GBX_NOT_FOUND',
      ctx: { target: 'other' },
    },
  ];
  for (const c of cases)
    test(`refuses: ${c.name}`, async () => {
      await assert.rejects(h.module.actions.exec!(c.params, { ...ctx, ...c.ctx }), (e) =>
        isGloveboxError(e, c.code as never),
      );
    });

  test('refuses to run unsandboxed when the sandbox is required', async () => {
    const strict = harness({ tools: { ...detected, bwrap: null }, sandbox: 'required' });
    assert.equal(strict.module.sandbox, 'none');
    await assert.rejects(strict.run('exit-0').outcome, (e) =>
      isGloveboxError(e, 'GBX_EXEC_SANDBOX_UNAVAILABLE'),
    );
  });

  test('refuses a call whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(h.run('exit-0', { controller }).outcome, (e) =>
      isGloveboxError(e, 'GBX_EXEC_CANCELLED'),
    );
  });
});

describe('stdout and stderr together', () => {
  test('attack: a token split between stdout and stderr is masked, each piece on its own stream', async () => {
    const h = harness({ tools: { ...detected, bwrap: null } });
    const { outcome, text, events } = h.run('split-streams');
    const { redactions } = await outcome;
    assert.ok(!text().includes(TOKEN.slice(4, 22)), text());
    assert.ok(!text().includes(TOKEN.slice(22)), text());
    assert.match(text(), /done\n$/);
    assert.ok(events.some((e) => e.stream === 'stdout' && e.data.includes('[REDACTED:GITHUB_TOKEN]')));
    assert.ok(events.some((e) => e.stream === 'stderr'));
    assert.equal(redactions?.['GITHUB_TOKEN'], 1);
  });
});

describe('recordings', () => {
  test('replay with the recorded timing scaled by speed, and tampering is detected', async () => {
    const h = harness({ tools: { ...detected, bwrap: null } });
    const { outcome, text } = h.run('split-secret');
    const r = (await outcome).result as ExecResult;
    const path = recordingPath(h.recordingsDir, r.recording.id);
    const recording = await readRecording(path);
    let played = '';
    const waits: number[] = [];
    await playAsciicast(
      recording.events,
      { write: (s: string) => (played += s) },
      {
        speed: 2,
        sleep: async (ms: number) => {
          waits.push(ms);
        },
      },
    );
    assert.equal(played, text());
    const listed = await listRecordings(h.recordingsDir, { sessionId: 'ses_1' });
    assert.deepEqual(
      listed.map((l) => [l.id, l.target, l.sessionId]),
      [[r.recording.id, 'web-1', 'ses_1']],
    );
    assert.deepEqual(await listRecordings(h.recordingsDir, { sessionId: 'other' }), []);
    const lastTime = recording.events.at(-1)?.[0] ?? 0;
    assert.ok(lastTime >= 0.1, 'the 150 ms pause between the two writes is in the timing');
    assert.ok(Math.abs(waits.reduce((a, b) => a + b, 0) - (lastTime * 1000) / 2) < 1);

    const { writeFile } = await import('node:fs/promises');
    const original = await readFile(path, 'utf8');
    await writeFile(path, original.replace('done', 'DONE'));
    assert.equal(await matchesChunks(path, r.recording.chunks), false);
    await writeFile(path, `${original}[9,"o","extra"]\n`);
    assert.equal(await matchesChunks(path, r.recording.chunks), false);
  });
});
