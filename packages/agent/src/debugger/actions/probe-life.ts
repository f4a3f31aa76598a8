/**
 * How long a probe stays. One placed by breakpoint keeps V8's Debugger domain on, and while the
 * domain is on the whole process's async code runs ~5× slower, exceptions ~1.4×, even if the probed
 * line never runs (ADR 0030): its life is capped by `breakpointProbeMaxMs`, whatever was asked.
 */
import type { ProbeTechnique } from '../settings.js';

/** Why a probe was removed before the end it was asked for, as results report it. */
export interface BreakpointCapped {
  reason: 'breakpoint-cap';
  capMs: number;
}

/** How a wait for a probe ended. */
export type HoldEnd = 'done' | 'asked' | 'cancelled' | BreakpointCapped;

/**
 * Waits until `done` resolves, the signal aborts, or the probe's time is up: `askedMs`, or for a
 * probe placed by breakpoint no longer than `capMs`.
 */
export async function holdProbe(
  technique: ProbeTechnique,
  askedMs: number,
  capMs: number,
  done: Promise<void>,
  signal: AbortSignal,
): Promise<HoldEnd> {
  const capped = technique === 'breakpoint' && capMs < askedMs;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: () => void = () => undefined;
  const time = new Promise<HoldEnd>((resolve) => {
    timer = setTimeout(
      () => resolve(capped ? { reason: 'breakpoint-cap', capMs } : 'asked'),
      capped ? capMs : askedMs,
    );
    onAbort = () => resolve('cancelled');
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([done.then(() => 'done' as const), time]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

/** The cap a probe's result states, for a probe placed by breakpoint. */
export function breakpointCapField(technique: ProbeTechnique, capMs: number): { breakpointCapMs?: number } {
  return technique === 'breakpoint' ? { breakpointCapMs: capMs } : {};
}
