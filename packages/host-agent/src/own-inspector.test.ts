import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('./own-inspector.js', import.meta.url));

/** Runs a fresh Node process that closes its own inspector, then signals itself with SIGUSR1. */
function run(flags: string[]) {
  const script = `
    import { url } from 'node:inspector';
    const { closeOwnInspector } = await import(${JSON.stringify(MODULE)});
    try { closeOwnInspector((m) => console.log('log:', m)); } catch (e) { console.log('refused:', e.code); process.exit(3); }
    process.kill(process.pid, 'SIGUSR1');
    await new Promise((r) => setTimeout(r, 500));
    console.log('inspector:', url() ?? 'closed');`;
  return spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8' });
}

test('attack: kill -USR1 does not open the host agent inspector', () => {
  const r = run([]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /log: ignored SIGUSR1/);
  assert.match(r.stdout, /inspector: closed/);
});

test('the host agent refuses to start with its inspector open', () => {
  const r = run(['--inspect=127.0.0.1:0']);
  assert.equal(r.status, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /refused: GBX_AGENT_INSPECTOR_EXPOSED/);
});
