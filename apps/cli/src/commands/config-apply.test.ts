import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configApplyText } from './config-apply.js';

const KEY = `sha256:${'ab'.repeat(32)}`;
const created = {
  digest: 'd',
  changes: [{ section: 'agents' as const, name: 'svc', op: 'create' as const, fields: [] }],
  pruneSkipped: [],
  unchanged: 0,
};

test('apply prints the gateway key new agents must pin, as agents register does', () => {
  const text = configApplyText({
    ...created,
    generatedCredentials: [{ agent: 'svc', credential: 'gbx_a_x' }],
    gatewayKeys: [KEY],
  });
  assert.match(text, /credential of new agent svc \(shown once\): gbx_a_x/);
  assert.match(text, new RegExp(`gateway key: ${KEY}\\n.*GLOVEBOX_GATEWAY_KEYS`));
});

test('apply that created no agent prints no key', () => {
  const text = configApplyText({ ...created, changes: [], generatedCredentials: [], gatewayKeys: [] });
  assert.doesNotMatch(text, /gateway key/);
});
