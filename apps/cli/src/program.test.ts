import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { buildProgram, commandName, COMMAND_MODULES } from './program.js';

test('each command module registers exactly the names the table gives it', async () => {
  for (const m of COMMAND_MODULES) {
    const program = new Command('glovebox');
    (await m.load())(program);
    assert.deepEqual(program.commands.map((c) => c.name()).sort(), [...m.names].sort());
  }
  const all = await buildProgram();
  const names = all.commands.map((c) => c.name());
  assert.equal(new Set(names).size, names.length, 'no command is registered twice');
});

test('the command name is found past root options and their values', () => {
  assert.equal(commandName(['redact']), 'redact');
  assert.equal(commandName(['-o', 'json', 'sessions']), 'sessions');
  assert.equal(commandName(['--url', 'http://gw', '--json', 'facts', 'x']), 'facts');
  assert.equal(commandName(['--output', 'yaml']), undefined);
  assert.equal(commandName([]), undefined);
});

test('a command builds only its own part of the tree; help and unknown names build all of it', async () => {
  const full = (await buildProgram()).commands.length;
  assert.deepEqual(
    (await buildProgram(['redact'])).commands.map((c) => c.name()),
    ['redact', 'completion'],
  );
  assert.equal((await buildProgram(['--help'])).commands.length, full);
  assert.deepEqual(
    (await buildProgram(['--version'])).commands.map((c) => c.name()),
    ['completion'],
  );
  assert.equal((await buildProgram(['no-such-command'])).commands.length, full);
});

test('`glovebox redact` loads neither the API schemas nor zod', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-loaded-'));
  try {
    const log = join(dir, 'loaded.txt');
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';\n` +
        `export async function load(url, context, next) {\n` +
        `  appendFileSync(${JSON.stringify(log)}, url + '\\n');\n` +
        `  return next(url, context);\n}\n`,
    );
    const register = join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    const main = fileURLToPath(new URL('./main.js', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', register, main, 'redact'], {
      input: 'password=hunter2-but-longer\n',
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /hunter2/);
    const loaded = readFileSync(log, 'utf8');
    assert.match(loaded, /redact\/dist\//, 'the hook saw the modules load');
    assert.doesNotMatch(loaded, /protocol\/dist\/(index|schemas)|node_modules\/zod\//);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
