// Attacks on the command guardrail through real processes (issue 12, point 7): each one ran against the
// agent that knew argument patterns but not what the program's own options can do.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActionContext } from '@glovebox/agent';
import type { CommandSpec, ExecTargetConfig } from '../config.js';
import { createExecModule, type ExecOutputEvent } from './exec-module.js';
import { detectHostTools, type HostTools } from './launcher.js';

const detected = detectHostTools();
const root = mkdtempSync('/var/tmp/gbx-guard-');
const allowed = join(root, 'allowed');
const recordings = join(root, 'recordings');
const SHADOW_LINE = readFileSync('/etc/shadow', 'utf8').split('\n')[0]!;

before(() => {
  mkdirSync(allowed);
  writeFileSync(join(allowed, 'victim'), 'keep me\n');
  writeFileSync(join(allowed, 'notes.txt'), 'ordinary\n');
  symlinkSync('/etc/shadow', join(allowed, 'link'));
});
after(() => rmSync(root, { recursive: true, force: true }));

function spec(
  name: string,
  path: string,
  args: CommandSpec['args'],
  extra: Partial<CommandSpec> = {},
): CommandSpec {
  return {
    name,
    path,
    class: 'read',
    args,
    maxArgs: 16,
    timeoutMs: 10_000,
    cpuSeconds: 5,
    maxOutputBytes: 1024 * 1024,
    cwd: allowed,
    env: [],
    network: false,
    isolatePids: false,
    writablePaths: [],
    valueOptions: [],
    paths: [],
    ...extra,
  };
}

const p = (pattern: string) => ({ pattern, regex: new RegExp(`^(?:${pattern})$`, 'u') });
const LOOSE_OPTION = p('-{1,2}[a-z][a-z-]*(?:=[a-z0-9=.!]+)?');
const NAME = p('[a-z0-9.!=-]{1,40}');
const DIR = p('/var/tmp/gbx-guard-[A-Za-z0-9]+/allowed(?:/[a-z.]+)?');

// Built directly, as a configuration that slipped past the load-time checks would be: the run-time checks
// must hold on their own.
const target: ExecTargetConfig = {
  type: 'exec',
  name: 'host',
  commands: [
    spec(
      'tar',
      '/usr/bin/tar',
      ['-c', '-f', '/dev/null', '-', LOOSE_OPTION, DIR].map((a) =>
        typeof a === 'string' ? { fixed: a } : a,
      ),
    ),
    spec('git', '/usr/bin/git', [LOOSE_OPTION, NAME]),
    spec('find', '/usr/bin/find', [DIR, LOOSE_OPTION, NAME, p('/var/tmp/gbx-guard-[A-Za-z0-9]+/out')]),
    spec('ls', '/bin/ls', [LOOSE_OPTION, DIR]),
    spec('cat', '/bin/cat', [DIR], { paths: [allowed] }),
  ],
};

function harness(tools: HostTools) {
  mkdirSync(recordings, { recursive: true });
  const module = createExecModule([target], {
    recordingsDir: recordings,
    tools,
    readsWithoutSandbox: 'allow',
  });
  return async (argv: string[]): Promise<{ text: string; error: { code?: string } | null; line: string }> => {
    const events: ExecOutputEvent[] = [];
    const ctx: ActionContext = {
      sessionId: 'ses_guard',
      callId: 'call_guard',
      target: 'host',
      masking: 'standard',
      signal: new AbortController().signal,
      emit: (e) => events.push(e as ExecOutputEvent),
    };
    try {
      const outcome = await module.actions.exec!({ argv }, ctx);
      return {
        text: events.map((e) => e.data).join(''),
        error: null,
        line: String(outcome.accessed?.['commandLine']),
      };
    } catch (error) {
      return { text: events.map((e) => e.data).join(''), error: error as { code?: string }, line: '' };
    }
  };
}

const variants = [
  { name: 'unsandboxed', tools: { ...detected, bwrap: null }, skip: false as string | false },
  {
    name: 'sandboxed',
    tools: detected,
    skip: detected.bwrap ? (false as const) : 'bubblewrap is not installed',
  },
];

for (const variant of variants)
  describe(`command guardrail attacks (${variant.name})`, { skip: variant.skip }, () => {
    const run = harness(variant.tools);

    test('tar --checkpoint-action=exec runs nothing', async () => {
      const r = await run([
        'tar',
        '-c',
        '-f',
        '/dev/null',
        '--checkpoint=1',
        '--checkpoint-action=exec=id',
        allowed,
      ]);
      assert.ok(!/uid=\d+/.test(r.text), r.text);
      assert.equal(r.error?.code, 'GBX_EXEC_OPTION_REFUSED');
    });

    test('an abbreviated long option is the option it abbreviates', async () => {
      const r = await run([
        'tar',
        '-c',
        '-f',
        '/dev/null',
        '--checkpoint=1',
        '--checkpoint-ac=exec=id',
        allowed,
      ]);
      assert.ok(!/uid=\d+/.test(r.text), r.text);
      assert.equal(r.error?.code, 'GBX_EXEC_OPTION_REFUSED');
    });

    test('git -c runs no configured program', async () => {
      const r = await run(['git', '-c', 'alias.x=!id', 'x']);
      assert.ok(!/uid=\d+/.test(r.text), r.text);
      assert.equal(r.error?.code, 'GBX_EXEC_OPTION_REFUSED');
    });

    test('a read-class find neither deletes nor writes files', async () => {
      const out = join(root, 'out');
      const del = await run(['find', allowed, '-name', 'victim', '-delete']);
      const fprint = await run(['find', allowed, '-fprint', out]);
      assert.ok(existsSync(join(allowed, 'victim')), 'not deleted');
      assert.ok(!existsSync(out), 'not written');
      assert.equal(del.error?.code, 'GBX_EXEC_OPTION_REFUSED');
      assert.equal(fprint.error?.code, 'GBX_EXEC_OPTION_REFUSED');
    });

    test('a symbolic link in an allowed directory plus tar -h does not read /etc/shadow', async () => {
      const r = await run(['tar', '-c', '-f', '-', '-h', join(allowed, 'link')]);
      assert.ok(!r.text.includes(SHADOW_LINE.split(':')[0] + ':'), 'shadow not in the output');
      assert.equal(r.error?.code, 'GBX_EXEC_OPTION_REFUSED');
    });

    test('a symbolic link out of the allowed paths is refused as an operand', async () => {
      const r = await run(['cat', join(allowed, 'link')]);
      assert.ok(!r.text.includes(SHADOW_LINE), 'shadow not in the output');
      assert.equal(r.error?.code, 'GBX_EXEC_OPERAND_REFUSED');
      const ok = await run(['cat', join(allowed, 'notes.txt')]);
      assert.equal(ok.error, null);
      assert.match(ok.text, /ordinary/);
    });

    test('an operand cannot be an option: one starting with "-" is refused and "--" precedes operands', async () => {
      const r = await run(['ls', allowed, '-a']);
      assert.equal(r.error?.code, 'GBX_EXEC_OPERAND_REFUSED');
      const ok = await run(['ls', '-a', allowed]);
      assert.equal(ok.error, null);
      assert.match(ok.line, / -- /);
    });
  });

describe('the sandbox of read-class commands', () => {
  const FIXTURE = join(root, 'exec-fixture.mjs');
  before(() => copyFileSync(fileURLToPath(new URL('./exec-fixture.js', import.meta.url)), FIXTURE));
  const fixtureTarget = (cls: 'read' | 'mutating'): ExecTargetConfig => ({
    type: 'exec',
    name: 'host',
    commands: [
      spec('fixture', process.execPath, [{ fixed: FIXTURE }, p('[a-z-]+')], { class: cls, cwd: '/' }),
    ],
  });
  const ctx = (events: ExecOutputEvent[]): ActionContext => ({
    sessionId: 'ses_sb',
    callId: 'call_sb',
    target: 'host',
    masking: 'standard',
    signal: new AbortController().signal,
    emit: (e) => events.push(e as ExecOutputEvent),
  });

  test(
    'has no writable path, not even its private /tmp',
    { skip: detected.bwrap ? false : 'no bubblewrap' },
    async () => {
      const module = createExecModule([fixtureTarget('read')], {
        recordingsDir: recordings,
        tools: detected,
      });
      const events: ExecOutputEvent[] = [];
      await module.actions.exec!({ argv: ['fixture', FIXTURE, 'write-tmp'] }, ctx(events));
      assert.equal(
        events
          .map((e) => e.data)
          .join('')
          .trim(),
        'EROFS',
      );
    },
  );

  test('is refused without a sandbox unless the configuration allows it', async () => {
    const tools = { ...detected, bwrap: null };
    const refuse = createExecModule([fixtureTarget('read')], { recordingsDir: recordings, tools });
    await assert.rejects(
      refuse.actions.exec!({ argv: ['fixture', FIXTURE, 'write-tmp'] }, ctx([])),
      (e) => (e as { code?: string }).code === 'GBX_EXEC_SANDBOX_UNAVAILABLE',
    );
    const off = createExecModule([fixtureTarget('read')], {
      recordingsDir: recordings,
      tools: detected,
      sandbox: 'off',
    });
    await assert.rejects(
      off.actions.exec!({ argv: ['fixture', FIXTURE, 'write-tmp'] }, ctx([])),
      (e) => (e as { code?: string }).code === 'GBX_EXEC_SANDBOX_UNAVAILABLE',
    );
    const mutating = createExecModule([fixtureTarget('mutating')], { recordingsDir: recordings, tools });
    const outcome = await mutating.actions.exec!({ argv: ['fixture', FIXTURE, 'write-tmp'] }, ctx([]));
    assert.equal((outcome.result as { sandbox: string }).sandbox, 'none');
  });
});
