import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPLETION_SHELLS, completionScript } from './completion.js';
import { buildProgram } from './program.js';

const installed = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

test('every command and subcommand is in every completion script', async () => {
  const program = await buildProgram();
  for (const shell of COMPLETION_SHELLS) {
    const script = completionScript(program, shell);
    for (const command of program.commands) {
      assert.ok(script.includes(command.name()), `${shell}: ${command.name()}`);
      for (const sub of command.commands) assert.ok(script.includes(sub.name()), `${shell}: ${sub.name()}`);
    }
    assert.ok(script.includes('--output') || script.includes('-l output'), `${shell}: --output`);
  }
});

for (const shell of COMPLETION_SHELLS) {
  test(
    `the ${shell} script parses`,
    { skip: installed(shell) ? false : `${shell} is not installed` },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gbx-completion-'));
      try {
        const file = join(dir, `glovebox.${shell}`);
        writeFileSync(file, completionScript(await buildProgram(), shell));
        const check = shell === 'fish' ? ['--no-execute', file] : ['-n', file];
        const r = spawnSync(shell, check, { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

test(
  'bash completion offers subcommands, options and --output values',
  { skip: !installed('bash') },
  async () => {
    const script = completionScript(await buildProgram(), 'bash');
    const complete = (words: string[]) => {
      const line = ['glovebox', ...words];
      const r = spawnSync(
        'bash',
        [
          '-c',
          `${script}\nCOMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}; _glovebox; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      );
      return r.stdout.trim().split('\n');
    };
    assert.deepEqual(complete(['pol']), ['policy']);
    assert.deepEqual(complete(['policy', '']).sort(), [
      'approve',
      'diff',
      'fmt',
      'plan',
      'push',
      'rollback',
      'show',
      'test',
      'validate',
      'versions',
    ]);
    assert.ok(complete(['request', '--re']).includes('--reason'));
    assert.deepEqual(complete(['sessions', '--output', '']).sort(), ['json', 'table', 'yaml']);
  },
);
