import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { isGloveboxError } from '@glovebox/core';
import {
  compileArgPattern,
  loadHostAgentConfig,
  parseHostAgentConfig,
  type ExecTargetConfig,
} from './config.js';
import { resolveSecret } from './secrets.js';
import { classifyCommand } from './exec/command-classifier.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/agent.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gbx-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const base = () => ({
  gateway: {
    url: 'wss://gw.example/agents',
    credential: { env: 'GLOVEBOX_AGENT_TOKEN' },
    keys: ['sha256:3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f'],
  },
  recordings: { dir: 'recordings' },
  targets: [
    { type: 'exec', name: 'web-1', commands: [{ name: 'uptime', path: '/usr/bin/uptime', class: 'read' }] },
    { type: 'postgres', name: 'orders-db', connection: { env: 'ORDERS_DB_URL' } },
  ],
});

describe('loadHostAgentConfig', () => {
  test('loads the commented example with its defaults', () => {
    const config = loadHostAgentConfig(EXAMPLE);
    assert.equal(config.sandbox, 'auto');
    assert.deepEqual(config.gateway.credential, { env: 'GLOVEBOX_AGENT_TOKEN' });
    const exec = config.targets[0] as ExecTargetConfig;
    const journal = exec.commands.find((c) => c.name === 'journal')!;
    assert.equal(journal.timeoutMs, 20_000);
    assert.equal(journal.maxOutputBytes, 4 * 1024 * 1024);
    const uptime = exec.commands.find((c) => c.name === 'uptime')!;
    assert.equal(uptime.timeoutMs, 30_000);
    assert.equal(uptime.cpuSeconds, 10);
    assert.deepEqual(uptime.env, []);
    const pgTarget = config.targets[1];
    assert.equal(pgTarget?.type === 'postgres' && pgTarget.statementTimeoutMs, 5000);
    assert.equal(pgTarget?.type === 'postgres' && pgTarget.maxClass, 'read', 'the ceiling defaults to read');
  });

  test('example commands accept what they document and refuse injection', () => {
    const exec = loadHostAgentConfig(EXAMPLE).targets[0] as ExecTargetConfig;
    const cases: [string[], boolean][] = [
      [['df', '-h', '/var'], true],
      [['/usr/bin/df', '-h'], true],
      [['journal', '--no-pager', '-u', 'nginx.service', '--since', '2026-01-31'], true],
      [['df', '-h', '/var; rm -rf /'], false],
      [['df', '--output=/etc/passwd'], false],
      [['journal', '-u', '$(id)'], false],
      [['journal', '-u', '`id`'], false],
      [['journal', '-u', 'nginx|sh'], false],
      [['uptime', '-p'], false],
      [['bash', '-c', 'id'], false],
      [['restart-nginx', 'restart', 'nginx.service'], true],
      [['restart-nginx', 'stop', 'nginx.service'], false],
    ];
    for (const [argv, allowed] of cases)
      assert.equal(classifyCommand(exec, argv).allowed, allowed, argv.join(' '));
    const verdict = classifyCommand(exec, ['restart-nginx', 'restart', 'nginx.service']);
    assert.ok(verdict.allowed && verdict.class === 'mutating');
  });

  test("takes one gateway URL or several replicas' URLs, tried in turn", () => {
    assert.deepEqual(parseHostAgentConfig(base(), dir).gateway.urls, ['wss://gw.example/agents']);
    const several = base();
    (several.gateway as Record<string, unknown>).url = ['wss://gw-1.example', 'wss://gw-2.example:7350'];
    assert.deepEqual(parseHostAgentConfig(several, dir).gateway.urls, [
      'wss://gw-1.example',
      'wss://gw-2.example:7350',
    ]);
  });

  test('resolves relative paths against the file and reports unreadable files and bad YAML', () => {
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, JSON.stringify(base()));
    assert.equal(loadHostAgentConfig(file).recordings.dir, join(dir, 'recordings'));
    writeFileSync(file, 'gateway: [unclosed');
    assert.throws(
      () => loadHostAgentConfig(file),
      (e) => isGloveboxError(e, 'GBX_CONFIG_INVALID') && /YAML/.test(e.message),
    );
    assert.throws(
      () => loadHostAgentConfig(join(dir, 'missing.yaml')),
      (e) => isGloveboxError(e, 'GBX_CONFIG_INVALID'),
    );
  });
});

describe('parseHostAgentConfig refuses', () => {
  type Mutate = (c: ReturnType<typeof base>) => void;
  const cmd = (c: ReturnType<typeof base>) =>
    (c.targets[0] as { commands: Record<string, unknown>[] }).commands[0]!;
  const cases: { name: string; mutate: Mutate; path: string; message?: RegExp }[] = [
    {
      name: 'an inline gateway token',
      mutate: (c) => ((c.gateway as Record<string, unknown>).credential = 'tok_abc'),
      path: 'gateway.credential',
      message: /inline/,
    },
    {
      name: 'a token key',
      mutate: (c) => ((c.gateway as Record<string, unknown>).credential = { token: 'x' }),
      path: 'gateway.credential',
    },
    {
      name: 'an inline connection string',
      mutate: (c) => ((c.targets[1] as Record<string, unknown>).connection = 'postgres://u:pw@db/x'),
      path: 'targets[1].connection',
      message: /inline/,
    },
    {
      name: "a pattern that accepts tar's --checkpoint-action (the program's own options)",
      mutate: (c) =>
        Object.assign(cmd(c), { path: '/usr/bin/tar', args: ['-c', { pattern: '--[a-z-]+(?:=[a-z=]+)?' }] }),
      path: 'targets[0].commands[0].args[1]',
      message: /checkpoint-action|to-command|use-compress/,
    },
    {
      name: 'a fixed dangerous option',
      mutate: (c) => Object.assign(cmd(c), { path: '/usr/bin/git', args: ['-c', 'diff.external=id'] }),
      path: 'targets[0].commands[0].args[0]',
      message: /-c/,
    },
    {
      name: 'a find pattern that accepts -delete',
      mutate: (c) => Object.assign(cmd(c), { path: '/usr/bin/find', args: [{ pattern: '-[a-z]+' }] }),
      path: 'targets[0].commands[0].args[0]',
    },
    {
      name: "a pattern accepting an option the configuration's programs table refuses",
      mutate: (c) => {
        Object.assign(cmd(c), { path: '/opt/tool/bin/mytool', args: [{ pattern: '--[a-z]+' }] });
        (c as Record<string, unknown>).programs = { mytool: { options: ['--hook'] } };
      },
      path: 'targets[0].commands[0].args[0]',
      message: /--hook/,
    },
    {
      name: 'a writable path for a read-class command',
      mutate: (c) => (cmd(c).writablePaths = ['/var/tmp']),
      path: 'targets[0].commands[0].writablePaths',
    },
    {
      name: 'a pattern that accepts paths without `paths` to confine them',
      mutate: (c) => Object.assign(cmd(c), { path: '/bin/cat', args: [{ pattern: '/[a-z/]+' }] }),
      path: 'targets[0].commands[0].args[0]',
      message: /paths/,
    },
    {
      name: 'an unknown SQL ceiling',
      mutate: (c) => ((c.targets[1] as Record<string, unknown>).maxClass = 'everything'),
      path: 'targets[1].maxClass',
    },
    {
      name: 'a function class for something that is not a function name',
      mutate: (c) => ((c.targets[1] as Record<string, unknown>).functions = { 'a;b': 'read' }),
      path: 'targets[1].functions.a;b',
    },
    {
      name: 'a plain ws:// gateway off localhost',
      mutate: (c) => (c.gateway.url = 'ws://gw.example'),
      path: 'gateway.url',
    },
    {
      name: 'no pinned gateway key',
      mutate: (c) => (c.gateway.keys = []),
      path: 'gateway.keys',
    },
    {
      name: 'a gateway key that is not a sha256 fingerprint',
      mutate: (c) => (c.gateway.keys = ['3f3f']),
      path: 'gateway.keys[0]',
    },
    {
      name: 'credentials in the gateway URL',
      mutate: (c) => (c.gateway.url = 'wss://u:p@gw.example'),
      path: 'gateway.url',
    },
    {
      name: 'a plain ws:// replica among several gateway URLs',
      mutate: (c) =>
        ((c.gateway as Record<string, unknown>).url = ['wss://gw-1.example', 'ws://gw-2.example']),
      path: 'gateway.url[1]',
    },
    {
      name: 'an empty list of gateway URLs',
      mutate: (c) => ((c.gateway as Record<string, unknown>).url = []),
      path: 'gateway.url',
    },
    {
      name: 'a relative command path',
      mutate: (c) => (cmd(c).path = 'uptime'),
      path: 'targets[0].commands[0].path',
    },
    {
      name: 'a path with ..',
      mutate: (c) => (cmd(c).path = '/usr/bin/../../bin/sh'),
      path: 'targets[0].commands[0].path',
    },
    {
      name: 'an unknown class',
      mutate: (c) => (cmd(c).class = 'admin'),
      path: 'targets[0].commands[0].class',
    },
    {
      name: 'a match-all pattern',
      mutate: (c) => (cmd(c).args = [{ pattern: '.*' }]),
      path: 'targets[0].commands[0].args[0]',
      message: /too loose/,
    },
    {
      name: 'a pattern allowing separators',
      mutate: (c) => (cmd(c).args = [{ pattern: '[a-z;]+' }]),
      path: 'targets[0].commands[0].args[0]',
    },
    {
      name: 'a pattern allowing output paths',
      mutate: (c) => (cmd(c).args = [{ pattern: '--output=\\S+' }]),
      path: 'targets[0].commands[0].args[0]',
    },
    {
      name: 'an invalid regex',
      mutate: (c) => (cmd(c).args = [{ pattern: '([a-z' }]),
      path: 'targets[0].commands[0].args[0]',
    },
    {
      name: 'a bad duration',
      mutate: (c) => (cmd(c).timeout = 'soon'),
      path: 'targets[0].commands[0].timeout',
    },
    {
      name: 'a huge output cap',
      mutate: (c) => (cmd(c).maxOutputBytes = '10GiB'),
      path: 'targets[0].commands[0].maxOutputBytes',
    },
    { name: 'an unknown key', mutate: (c) => (cmd(c).shell = true), path: 'targets[0].commands[0]' },
    {
      name: 'duplicate target names',
      mutate: (c) => ((c.targets[1] as Record<string, unknown>).name = 'web-1'),
      path: 'targets',
    },
    {
      name: 'an unknown target type',
      mutate: (c) => ((c.targets[1] as Record<string, unknown>).type = 'mysql'),
      path: 'targets[1].type',
    },
    { name: 'no targets', mutate: (c) => (c.targets = []), path: 'targets' },
    {
      name: 'a bad env name',
      mutate: (c) => (cmd(c).env = ['PATH=/tmp']),
      path: 'targets[0].commands[0].env[0]',
    },
  ];
  for (const c of cases)
    test(c.name, () => {
      const config = base();
      c.mutate(config);
      assert.throws(
        () => parseHostAgentConfig(config, dir),
        (e) =>
          isGloveboxError(e, 'GBX_CONFIG_INVALID') &&
          e.message.startsWith(`${c.path}:`) &&
          (!c.message || c.message.test(e.message)),
      );
    });
});

describe('argument patterns', () => {
  test('property: an accepted pattern never accepts shell metacharacters in a probe', () => {
    const pattern = fc.constantFrom(
      '[a-z]+',
      '[A-Za-z0-9._-]{1,64}',
      '\\d{1,5}',
      '-[a-z]',
      '/var/log/[a-z0-9.]+',
    );
    const evil = fc.tuple(
      fc.string({ maxLength: 8 }),
      fc.constantFrom(';', '|', '&', '$(', '`', '>', '<', '\n'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(pattern, evil, (source, [a, meta, b]) => {
        const regex = compileArgPattern(source);
        assert.ok(regex instanceof RegExp);
        assert.equal(regex.test(`${a}${meta}${b}`), false);
      }),
    );
  });
});

describe('resolveSecret', () => {
  test('reads env and owner-only files, and never shows the value in errors', () => {
    assert.equal(resolveSecret({ env: 'X_TOKEN' }, { X_TOKEN: ' abc \n' }), 'abc');
    assert.throws(
      () => resolveSecret({ env: 'X_TOKEN' }, {}),
      (e) => isGloveboxError(e, 'GBX_CONFIG_INVALID'),
    );
    const file = join(dir, 'token');
    writeFileSync(file, 'supersecretvalue\n');
    chmodSync(file, 0o600);
    assert.equal(resolveSecret({ file }), 'supersecretvalue');
    chmodSync(file, 0o644);
    assert.throws(
      () => resolveSecret({ file }),
      (e) =>
        isGloveboxError(e, 'GBX_CONFIG_INVALID') &&
        /chmod 600/.test(e.message) &&
        !e.message.includes('supersecret'),
    );
  });
});
