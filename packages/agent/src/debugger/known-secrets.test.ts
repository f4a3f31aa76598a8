import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKnownSecrets } from '@glovebox/redact';
import { DebuggerClient } from './testing/client.js';

// A sensitive-named variable of the served process, with no shape a detector would recognise.
const ENV = { PAYMENTS_API_KEY: 'plum7-Orbit/cask', LOG_LEVEL: 'debug' };
let client: DebuggerClient;
before(() => {
  const known = createKnownSecrets();
  known.add('gbx_a_Zq0Xw9Ce8Vr7Bt6Ny5Mu4Ki3Lo2Pj1Hg0Fd-Sa_Qw8Er7', 'GLOVEBOX_AGENT_CREDENTIAL');
  known.addSensitiveEnv(ENV);
  client = new DebuggerClient({ knownSecrets: known });
});
after(async () => {
  await client.close();
});

test('attack: a value equal to a sensitive environment variable, under an innocent name, is masked in eval results', async () => {
  (globalThis as { gbxEnvEcho?: unknown }).gbxEnvEcho = {
    note: 'key plum7-Orbit/cask',
    level: 'debug',
    encoded: Buffer.from('plum7-Orbit/cask').toString('base64'),
  };
  const out = await client.call('eval', { expression: 'gbxEnvEcho', timeoutMs: 1000 }).done;
  const value = out.result.value as Record<string, string>;
  assert.equal(value.note, 'key [REDACTED:API_KEY]');
  assert.equal(value.encoded, '[REDACTED:API_KEY]');
  assert.equal(value.level, 'debug');
});
