import { url as inspectorUrl } from 'node:inspector';
import { GloveboxError } from '@glovebox/core';

/**
 * The host agent debugs no process and has no use for its own inspector, which would hand whoever
 * reaches it the agent's credential, database passwords and every guardrail. Call once at start:
 * refuses to run when the inspector is already open (`--inspect…` on the command line or in
 * NODE_OPTIONS), and keeps `kill -USR1` from opening it later (a SIGUSR1 listener replaces Node's
 * default of opening the inspector); each such signal is logged.
 *
 * @throws GloveboxError GBX_AGENT_INSPECTOR_EXPOSED when the inspector is open.
 */
export function closeOwnInspector(log: (message: string) => void): void {
  if (inspectorUrl())
    throw new GloveboxError(
      'GBX_AGENT_INSPECTOR_EXPOSED',
      'the host agent does not run with its inspector open (remove --inspect from its command line and NODE_OPTIONS)',
    );
  process.on('SIGUSR1', () => log('ignored SIGUSR1: the host agent never opens its inspector'));
}
