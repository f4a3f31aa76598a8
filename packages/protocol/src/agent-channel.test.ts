import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToGatewaySchema } from './agent-channel.js';

// An agent's error codes reach the gateway's log, the audit trail and clients: they must be codes,
// not free text an agent (or whoever holds its credential) chose.
const hostile = [
  'password=hunter2',
  'GBX_X\nforged log line',
  'gbx_lowercase',
  '',
  'GBX_X ok',
  'X'.repeat(65),
];

test('attack: an agent result or refusal whose code is not shaped like a code is malformed', () => {
  for (const code of hostile) {
    const result = { type: 'result', callId: 'c1', ok: false, error: { code, message: 'no' } };
    assert.equal(agentToGatewaySchema.safeParse(result).success, false, JSON.stringify(code));
    const refusal = { type: 'refusal', code, message: 'no' };
    assert.equal(agentToGatewaySchema.safeParse(refusal).success, false, JSON.stringify(code));
  }
});

test('an agent result or refusal with a code is accepted', () => {
  const result = {
    type: 'result',
    callId: 'c1',
    ok: false,
    error: { code: 'GBX_DEBUG_LINE_NOT_PROBEABLE', message: 'no' },
  };
  assert.equal(agentToGatewaySchema.safeParse(result).success, true);
  const refusal = { type: 'refusal', code: 'GBX_ENVELOPE_INVALID', message: 'no' };
  assert.equal(agentToGatewaySchema.safeParse(refusal).success, true);
});
