import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentSession, forgetCurrentSession, rememberCurrentSession, saveCredentials } from './home.js';

function withHome(t: { after: (fn: () => void) => void }): string {
  const home = mkdtempSync(join(tmpdir(), 'gbx-cli-home-'));
  const previous = process.env.GLOVEBOX_HOME;
  process.env.GLOVEBOX_HOME = home;
  t.after(() => {
    if (previous === undefined) delete process.env.GLOVEBOX_HOME;
    else process.env.GLOVEBOX_HOME = previous;
    rmSync(home, { recursive: true, force: true });
  });
  return home;
}

test('the current session is remembered per gateway URL, in a file only its owner reads', (t) => {
  const home = withHome(t);
  rememberCurrentSession('https://a.example', 'ses_aaaaaaaaaaaaaaaa', 'web-1');
  rememberCurrentSession('https://b.example', 'ses_bbbbbbbbbbbbbbbb', 'db');
  assert.equal(currentSession('https://a.example')?.session, 'ses_aaaaaaaaaaaaaaaa');
  assert.equal(currentSession('https://b.example')?.target, 'db');
  assert.equal(currentSession('https://c.example'), null);
  assert.equal(statSync(join(home, 'context.json')).mode & 0o777, 0o600);
  forgetCurrentSession('https://a.example');
  assert.equal(currentSession('https://a.example'), null);
  assert.equal(currentSession('https://b.example')?.session, 'ses_bbbbbbbbbbbbbbbb');
  assert.deepEqual(readdirSync(home).sort(), ['context.json'], 'no temporary file left behind');
});

test('a corrupt context file means no current session, not a crash', (t) => {
  const home = withHome(t);
  writeFileSync(join(home, 'context.json'), '{not json');
  assert.equal(currentSession('https://a.example'), null);
  rememberCurrentSession('https://a.example', 'ses_aaaaaaaaaaaaaaaa', 'web-1');
  assert.equal(currentSession('https://a.example')?.session, 'ses_aaaaaaaaaaaaaaaa');
});

test('logging in as someone else forgets the current session for that gateway', (t) => {
  withHome(t);
  const url = 'https://a.example';
  saveCredentials({ url, token: 't1', user: 'alice', expiresAt: 0 });
  rememberCurrentSession(url, 'ses_aaaaaaaaaaaaaaaa', 'web-1');
  saveCredentials({ url, token: 't2', user: 'alice', expiresAt: 0 });
  assert.equal(currentSession(url)?.session, 'ses_aaaaaaaaaaaaaaaa', 'the same user keeps it');
  saveCredentials({ url, token: 't3', user: 'bob', expiresAt: 0 });
  assert.equal(currentSession(url), null);
});
