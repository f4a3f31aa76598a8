/** `profile`: a CPU profile of the process, in the `.cpuprofile` format DevTools opens. */
import { GloveboxError } from '@glovebox/core';
import type { ActionOutcome } from '../../action.js';
import type { DebuggerCore } from '../core.js';
import { profileParamsSchema } from '../schemas.js';
import { round, sleep } from '../util.js';

let profiling = false;

export async function profileAction(
  core: DebuggerCore,
  params: unknown,
  signal: AbortSignal,
): Promise<ActionOutcome> {
  const p = profileParamsSchema.parse(params);
  const seconds = Math.min(p.seconds, core.o.maxProfileSeconds);
  if (profiling)
    throw new GloveboxError('GBX_CONFLICT', 'a CPU profile is already being taken in this process');
  profiling = true;
  try {
    await core.link.post('Profiler.enable');
    await core.link.post('Profiler.start');
    await sleep(seconds * 1000, signal);
    const r = await core.link.post('Profiler.stop');
    const profile = r['profile'] as { nodes: unknown[]; startTime: number; endTime: number };
    return {
      result: profile,
      accessed: {
        profileSeconds: round((profile.endTime - profile.startTime) / 1e6),
        nodes: profile.nodes.length,
      },
      redactions: {},
    };
  } finally {
    await core.link.post('Profiler.disable').catch(() => undefined);
    profiling = false;
  }
}
