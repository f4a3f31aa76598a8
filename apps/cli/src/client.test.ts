import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GloveboxError } from '@glovebox/core';
import { ApiClient, EXIT, exitCodeFor, resolveUrl } from './client.js';
import { gloveboxHome, saveCredentials } from './home.js';

function withEnv(t: { after: (fn: () => void) => void }, values: Record<string, string | undefined>): void {
  const previous = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  t.after(() => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

/** A gateway stand-in that records the headers of every request it receives. */
async function recordingServer(t: { after: (fn: () => Promise<void>) => void }): Promise<{
  port: number;
  seen: IncomingHttpHeaders[];
}> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  // every address, so both 127.0.0.1 and localhost reach it
  await new Promise<void>((resolve) => server.listen(0, resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { port, seen };
}

test('the saved login goes only to the host that issued it, never to another --url or GLOVEBOX_URL', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'gbx-cli-client-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  withEnv(t, { GLOVEBOX_HOME: home, GLOVEBOX_TOKEN: undefined });
  const gateway = await recordingServer(t);
  const replica = await recordingServer(t);
  const issuer = `http://127.0.0.1:${gateway.port}`;
  saveCredentials({ url: issuer, token: 'gbx_s_saved-login', user: 'alice', expiresAt: Date.now() + 60_000 });

  // another host name (the same machine here, so the request is seen) gets no credential
  await new ApiClient(`http://localhost:${gateway.port}`).call('GET', '/whoami');
  assert.equal(gateway.seen.length, 1);
  assert.equal(gateway.seen[0]!.authorization, undefined, 'the saved login leaked to another host');

  await new ApiClient(`${issuer}/`).call('GET', '/whoami');
  assert.equal(gateway.seen[1]!.authorization, 'Bearer gbx_s_saved-login');
  // a replica of the same gateway on another port of the same host
  await new ApiClient(`http://127.0.0.1:${replica.port}`).call('GET', '/whoami');
  assert.equal(replica.seen[0]!.authorization, 'Bearer gbx_s_saved-login');
});

test('a login saved over HTTPS is never sent over plain HTTP', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'gbx-cli-client-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  withEnv(t, { GLOVEBOX_HOME: home, GLOVEBOX_TOKEN: undefined });
  const gateway = await recordingServer(t);
  saveCredentials({
    url: `https://127.0.0.1:${gateway.port}`,
    token: 'gbx_s_saved-login',
    user: 'alice',
    expiresAt: Date.now() + 60_000,
  });
  await new ApiClient(`http://127.0.0.1:${gateway.port}`).call('GET', '/whoami');
  assert.equal(gateway.seen[0]!.authorization, undefined, 'the saved login went out in clear text');
});

test('GLOVEBOX_TOKEN is sent to whichever gateway the command names', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'gbx-cli-client-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  withEnv(t, { GLOVEBOX_HOME: home, GLOVEBOX_TOKEN: 'gbx_t_from-environment' });
  const gateway = await recordingServer(t);
  await new ApiClient(`http://127.0.0.1:${gateway.port}`).call('GET', '/whoami');
  assert.equal(gateway.seen[0]!.authorization, 'Bearer gbx_t_from-environment');
});

test('an empty GLOVEBOX_TOKEN, GLOVEBOX_URL or GLOVEBOX_HOME counts as unset', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'gbx-cli-client-'));
  const cwd = process.cwd();
  const elsewhere = mkdtempSync(join(tmpdir(), 'gbx-cli-cwd-'));
  t.after(() => {
    process.chdir(cwd);
    rmSync(home, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });
  const gateway = await recordingServer(t);
  const issuer = `http://127.0.0.1:${gateway.port}`;
  withEnv(t, { GLOVEBOX_HOME: home, GLOVEBOX_TOKEN: '', GLOVEBOX_URL: '' });
  saveCredentials({ url: issuer, token: 'gbx_s_saved-login', user: 'alice', expiresAt: Date.now() + 60_000 });

  // `GLOVEBOX_TOKEN= glovebox …` (emptied, e.g. to drop a script token) falls back to the login
  await new ApiClient(issuer).call('GET', '/whoami');
  assert.equal(gateway.seen[0]!.authorization, 'Bearer gbx_s_saved-login');
  // an empty GLOVEBOX_URL is the saved login's gateway, not a URL of ''
  assert.equal(resolveUrl(undefined), issuer);
  // an empty GLOVEBOX_HOME is the default home, never the working directory
  process.env.GLOVEBOX_HOME = '';
  process.chdir(elsewhere);
  assert.equal(gloveboxHome(), join(homedir(), '.config', 'glovebox'));
});

test('exit codes follow the contract: guardrail refusals are denials (3), missing second factors are waits (4)', () => {
  const exit = (code: string, details?: Record<string, unknown>) =>
    exitCodeFor(new GloveboxError(code as 'GBX_INTERNAL', 'x', details ? { details } : {}));
  for (const code of ['GBX_EXEC_NOT_ALLOWED', 'GBX_SQL_NOT_AUTHORIZED', 'GBX_EXEC_OPTION_REFUSED'])
    assert.equal(exit(code), EXIT.denied, code);
  // An agent's refusal reaches the CLI as GBX_AGENT_REFUSED with the agent's code in the details.
  assert.equal(exit('GBX_AGENT_REFUSED', { agentCode: 'GBX_SQL_NOT_AUTHORIZED' }), EXIT.denied);
  assert.equal(exit('GBX_AGENT_REFUSED', { agentCode: 'GBX_SQL_FAILED' }), EXIT.error);
  for (const code of ['GBX_STEP_UP_REQUIRED', 'GBX_MFA_TICKET_REQUIRED', 'GBX_MFA_SAME_LOGIN'])
    assert.equal(exit(code), EXIT.waiting, code);
  assert.equal(exit('GBX_SQL_FAILED'), EXIT.error);
  assert.equal(exit('GBX_USAGE'), EXIT.usage);
});
