import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentDebuggerOptions } from './debugger-config.js';

test('operators set the debugger by option or environment; the option wins', () => {
  assert.deepEqual(agentDebuggerOptions(undefined, {}), {});
  assert.equal(agentDebuggerOptions(false, { GLOVEBOX_DEBUG_TECHNIQUES: 'liveedit' }), false);
  assert.deepEqual(
    agentDebuggerOptions(true, {
      GLOVEBOX_DEBUG_TECHNIQUES: 'liveedit',
      GLOVEBOX_BREAKPOINT_PROBE_MAX_MS: '5000',
    }),
    { techniques: ['liveedit'], breakpointProbeMaxMs: 5000 },
  );
  assert.deepEqual(
    agentDebuggerOptions(
      { techniques: ['breakpoint', 'liveedit'], breakpointProbeMaxMs: 10 },
      { GLOVEBOX_DEBUG_TECHNIQUES: 'liveedit', GLOVEBOX_BREAKPOINT_PROBE_MAX_MS: '5000' },
    ),
    { techniques: ['breakpoint', 'liveedit'], breakpointProbeMaxMs: 10 },
  );
});

test('an invalid setting stops the agent instead of loosening a default', () => {
  const invalid: Array<Record<string, string>> = [
    { GLOVEBOX_DEBUG_TECHNIQUES: '' },
    { GLOVEBOX_DEBUG_TECHNIQUES: 'liveedit,liveedit' },
    { GLOVEBOX_DEBUG_TECHNIQUES: 'liveEdit' },
    { GLOVEBOX_BREAKPOINT_PROBE_MAX_MS: '60s' },
    { GLOVEBOX_BREAKPOINT_PROBE_MAX_MS: '0' },
    { GLOVEBOX_BREAKPOINT_PROBE_MAX_MS: '86400001' },
  ];
  for (const env of invalid)
    assert.throws(
      () => agentDebuggerOptions(undefined, env),
      (e: { code?: string }) => e.code === 'GBX_CONFIG_INVALID',
      JSON.stringify(env),
    );
  assert.throws(() => agentDebuggerOptions({ techniques: [] }, {}), /liveedit and\/or breakpoint/);
});
