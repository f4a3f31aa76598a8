import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import type { CommandSpec, ExecTargetConfig } from '../config.js';
import { classifyCommand } from './command-classifier.js';
import { COMMAND_BYPASS_CORPUS } from './command-bypass-corpus.js';
import { PROGRAM_RULES } from './program-options.js';

// Every argument is accepted by the allow-list, as with the loosest pattern a configuration could have:
// only the program's own table stands between the argv and the program.
const ANYTHING = { pattern: '.+', regex: /^(?:[^\0]+)$/u };

function targetFor(path: string): ExecTargetConfig {
  const spec = {
    name: basename(path),
    path,
    class: 'read',
    args: [ANYTHING],
    maxArgs: 32,
    timeoutMs: 1000,
    cpuSeconds: 1,
    maxOutputBytes: 1024,
    cwd: '/',
    env: [],
    network: false,
    isolatePids: false,
    writablePaths: [],
    valueOptions: ['-f', '-u', '-n', '-p', '-o', '-T', '-K', '-d', '-P', '-w', '-z'],
    paths: [],
  } as CommandSpec;
  return { type: 'exec', name: 'host', commands: [spec] };
}

describe('command bypass corpus (only grows)', () => {
  for (const c of COMMAND_BYPASS_CORPUS)
    test(`${basename(c.path)}: ${c.why}: ${c.args.join(' ')}`, () => {
      const verdict = classifyCommand(targetFor(c.path), [c.path, ...c.args]);
      assert.equal(verdict.allowed, false);
      if (!verdict.allowed) assert.equal(verdict.code, c.code, verdict.reason);
    });

  test('ordinary reads pass, with "--" before the operands', () => {
    const cases: [string, string[], string[]][] = [
      ['/usr/bin/tar', ['-tvf', '/var/backups/a.tar'], ['-tvf', '/var/backups/a.tar']],
      ['/usr/bin/tar', ['-c', '-f', '-', '/var/log/app'], ['-c', '-f', '-', '--', '/var/log/app']],
      [
        '/usr/bin/journalctl',
        ['-u', 'nginx', '-n', '100', '--no-pager'],
        ['-u', 'nginx', '-n', '100', '--no-pager'],
      ],
      [
        '/usr/bin/find',
        ['/var/log', '-name', '*.gz', '-mtime', '+7'],
        ['--', '/var/log', '-name', '*.gz', '-mtime', '+7'],
      ],
      ['/usr/bin/kubectl', ['get', 'pods', '-n', 'prod'], ['get', 'pods', '-n', 'prod']],
      ['/bin/ls', ['-la', '/var/log'], ['-la', '--', '/var/log']],
      ['/bin/echo', ['hello'], ['hello']],
      ['/usr/bin/git', ['log', '--oneline', '-5'], ['log', '--oneline', '-5']],
    ];
    for (const [path, args, final] of cases) {
      const verdict = classifyCommand(targetFor(path), [path, ...args]);
      assert.ok(verdict.allowed, `${path} ${args.join(' ')}: ${verdict.allowed ? '' : verdict.reason}`);
      if (verdict.allowed) assert.deepEqual(verdict.args, final);
    }
  });

  test('every shipped rule says why', () => {
    for (const [name, rule] of Object.entries(PROGRAM_RULES)) assert.ok(rule.why.length > 10, name);
  });
});
