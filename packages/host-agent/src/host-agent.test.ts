import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActionContext } from '@glovebox/agent';
import { parseHostAgentConfig, type ExecTargetConfig } from './config.js';
import { createExecModule, type ExecOutputEvent } from './exec/exec-module.js';
import { knownSecretsOf } from './host-agent.js';
import { defaultRedactorFactory } from './redactor.js';

const FIXTURE = fileURLToPath(new URL('./exec/exec-fixture.js', import.meta.url));
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('attack: command output holding the database password or the agent credential, plainly or encoded, is masked', async () => {
  // no detector recognises this password by its shape; the agent knows it from its configuration
  const password = 'plum7-Orbit-cask';
  const token = 'gbx_a_Zq0Xw9Ce8Vr7Bt6Ny5Mu4Ki3Lo2Pj1Hg0Fd-Sa_Qw8Er7';
  const env = { PGCONN: `postgres://app:${password}@db.internal:5432/app`, AGENT_TOKEN: token };
  const config = parseHostAgentConfig(
    {
      gateway: {
        url: 'wss://gw.example',
        credential: { env: 'AGENT_TOKEN' },
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
              env: ['GLOVEBOX_TEST_ALLOWED'],
            },
          ],
        },
        { type: 'postgres', name: 'db', connection: { env: 'PGCONN' } },
      ],
    },
    '/',
  );
  const recordingsDir = mkdtempSync(join(tmpdir(), 'gbx-rec-'));
  dirs.push(recordingsDir);
  const run = async (redactorFor: ReturnType<typeof defaultRedactorFactory>, value: string) => {
    const module = createExecModule([config.targets[0] as ExecTargetConfig], {
      recordingsDir,
      sandbox: 'off',
      readsWithoutSandbox: 'allow',
      redactorFor,
    });
    const events: ExecOutputEvent[] = [];
    const ctx: ActionContext = {
      sessionId: 'ses_1',
      callId: 'call_1',
      target: 'web-1',
      masking: 'standard',
      signal: new AbortController().signal,
      emit: (data) => events.push(data as ExecOutputEvent),
    };
    process.env['GLOVEBOX_TEST_ALLOWED'] = value;
    try {
      await module.actions.exec!({ argv: ['fixture', FIXTURE, 'echo-env'] }, ctx);
    } finally {
      delete process.env['GLOVEBOX_TEST_ALLOWED'];
    }
    return events.map((e) => e.data).join('');
  };
  const b64 = (s: string) => Buffer.from(`app:${s}`).toString('base64');
  const unprotected = await run(defaultRedactorFactory(), password);
  assert.ok(unprotected.includes(password) && unprotected.includes(b64(password)), 'seen to leak without');

  const redactorFor = defaultRedactorFactory(knownSecretsOf(config, token, env));
  for (const value of [password, token]) {
    const out = await run(redactorFor, value);
    assert.ok(!out.includes(value.slice(0, 12)) && !out.includes(value.slice(-12)), out);
    assert.ok(!out.includes(b64(value).slice(4, 16)), out);
    assert.match(
      out,
      /^plain \[REDACTED:[A-Z_]+\]\nflag -p\[REDACTED:[A-Z_]+\]\nb64 \[REDACTED:[A-Z_]+\]\n$/,
    );
  }
});
