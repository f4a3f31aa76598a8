/**
 * What the service's operators set for the debugger through `startAgent` or, for `--import
 * @glovebox/agent/register`, the environment. Checked at start: an invalid value stops the agent
 * (the application runs on without it) rather than falling back to a looser default.
 */
import { GloveboxError } from '@glovebox/core';
import type { ProbeTechnique } from './debugger/settings.js';

/** The debugger settings an operator controls (see docs/debugging.md, Budgets and options). */
export interface AgentDebuggerOptions {
  /**
   * Placements allowed, in order (default `['liveedit', 'breakpoint']`). `['liveedit']` forbids
   * breakpoints, which keep V8's Debugger domain on; GLOVEBOX_DEBUG_TECHNIQUES=liveedit.
   */
  techniques?: ProbeTechnique[];
  /** Longest life of a probe placed by breakpoint, ms (default 60 000); GLOVEBOX_BREAKPOINT_PROBE_MAX_MS. */
  breakpointProbeMaxMs?: number;
}

const TECHNIQUES: readonly ProbeTechnique[] = ['liveedit', 'breakpoint'];
const MAX_CAP_MS = 86_400_000;

/** The debugger's operator settings, or false when the debugger is off. */
export function agentDebuggerOptions(
  given: boolean | AgentDebuggerOptions | undefined,
  env: Record<string, string | undefined>,
): AgentDebuggerOptions | false {
  if (given === false) return false;
  const o = typeof given === 'object' ? given : {};
  const techniques =
    o.techniques ?? env['GLOVEBOX_DEBUG_TECHNIQUES']?.split(',').map((t) => t.trim() as ProbeTechnique);
  const capText = env['GLOVEBOX_BREAKPOINT_PROBE_MAX_MS'];
  const cap = o.breakpointProbeMaxMs ?? (capText === undefined ? undefined : Number(capText));
  if (
    techniques !== undefined &&
    (techniques.length === 0 ||
      new Set(techniques).size !== techniques.length ||
      techniques.some((t) => !TECHNIQUES.includes(t)))
  )
    throw new GloveboxError(
      'GBX_CONFIG_INVALID',
      'debugger techniques (GLOVEBOX_DEBUG_TECHNIQUES) are liveedit and/or breakpoint, comma-separated, each once',
    );
  if (cap !== undefined && !(Number.isInteger(cap) && cap >= 1 && cap <= MAX_CAP_MS))
    throw new GloveboxError(
      'GBX_CONFIG_INVALID',
      `breakpointProbeMaxMs (GLOVEBOX_BREAKPOINT_PROBE_MAX_MS) is a whole number of milliseconds from 1 to ${MAX_CAP_MS}`,
    );
  return {
    ...(techniques === undefined ? {} : { techniques }),
    ...(cap === undefined ? {} : { breakpointProbeMaxMs: cap }),
  };
}
