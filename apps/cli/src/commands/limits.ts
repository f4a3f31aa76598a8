/**
 * What a person is told when a budget or limit cut an action short: the figures, and the flag or
 * setting that changes them. Pure functions of the action's result, so each message is unit-tested.
 */

export interface DisabledProbe {
  reason: string;
  hits?: number;
  spentMs?: number;
  budgetMsPerSecond?: number;
  /** With reason `breakpoint-cap`: the agent's breakpointProbeMaxMs. */
  capMs?: number;
}

function figure(n: number | undefined, unit: string): string {
  return n === undefined ? '?' : `${Math.round(n * 10) / 10}${unit}`;
}

/** A snapshot or logpoint switched off by the agent because it cost the service too much. */
export function probeDisabledMessage(kind: 'snapshot' | 'logpoint', d: DisabledProbe, rate?: number): string {
  if (d.reason === 'breakpoint-cap')
    return `the agent removed the ${kind} after ${figure((d.capMs ?? 0) / 1000, ' s')}, the longest a probe placed by breakpoint may stay (agent option breakpointProbeMaxMs, 60 s by default). To go on: run it again, or probe a line in a synchronous function the async code calls (placed by LiveEdit, not capped).`;
  if (d.reason !== 'cpu-budget') return `the agent switched the ${kind} off (${d.reason})`;
  const budget =
    d.budgetMsPerSecond === undefined
      ? 'the CPU budget of one probe (agent option cpuBudgetMsPerSecond, 20 ms per second by default)'
      : `the CPU budget of one probe (${d.budgetMsPerSecond} ms per second, agent option cpuBudgetMsPerSecond)`;
  const advice =
    kind === 'logpoint'
      ? `add --condition EXPR so fewer hits run the template${rate === undefined ? '' : `, lower --rate (now ${rate}/s)`}, pick a line that runs less often, or ask the service's owners to raise the budget`
      : 'add --condition EXPR so fewer hits capture, or pick a line that runs less often';
  return `the agent switched the ${kind} off after ${d.hits ?? '?'} hit(s): it spent ${figure(d.spentMs, ' ms')} of the service's main thread, over ${budget}. To go on: ${advice}.`;
}

/**
 * A probe placed by breakpoint keeps V8's Debugger domain on while it is set: the whole process's
 * async code ~5× slower, exceptions ~1.4× (ADR 0030, bench/dist/debug-cold-probe.js), even if the
 * line never runs. Said on every such probe, with the cap that bounds it.
 */
export function breakpointCostMessage(kind: 'snapshot' | 'logpoint', capMs: number | undefined): string {
  const cap =
    capMs === undefined
      ? 'its agent caps that (breakpointProbeMaxMs, 60 s by default)'
      : `its agent removes it after ${figure(capMs / 1000, ' s')} at most (breakpointProbeMaxMs)`;
  return `this ${kind} was placed by breakpoint (the line is in an async function, a generator or ES-module top level): while it is set, the service process's async code runs about 5× slower (exceptions 1.4×), even if the line never runs; ${cap}. The service's operators can forbid this placement with the agent option techniques: ['liveedit'] (GLOVEBOX_DEBUG_TECHNIQUES=liveedit).`;
}

/** How the agent sampled a probe's hits to stay within its CPU budget. */
export interface Sampling {
  hits: number;
  examined: number;
  ratio: number;
  stride: number;
}

/** A logpoint the agent sampled: how much of what ran was logged, and how to see more. */
export function samplingMessage(s: Sampling, everyHit: boolean): string | undefined {
  if (s.hits === 0 || s.examined >= s.hits) return undefined;
  return `sampled to stay within the CPU budget of one probe (agent option cpuBudgetMsPerSecond, 20 ms per second by default): ${s.examined} of ${s.hits} hits examined (now 1 in ${s.stride}). To see more: add --condition EXPR so only the hits you need are evaluated${everyHit ? '' : ', or --every-hit to examine every hit while the budget allows'}`;
}

/** Lines a logpoint's rate limit dropped. */
export function droppedLinesMessage(dropped: number, rate: number): string {
  return `${dropped} line(s) dropped by the rate limit of ${rate} per second (raise it with --rate N; the agent caps it with maxLogpointPerSecond, 100 by default)`;
}

/** A snapshot whose line did not run in time (or, with a condition, not with the condition true). */
export function snapshotTimeoutMessage(location: string, wait: string, condition?: string): string {
  if (condition !== undefined)
    return `${location} did not run with its --condition true within ${wait}: the line may have run with the condition false; check the condition, make sure traffic reaches that line, or wait longer with --wait 2m`;
  return `${location} did not run within ${wait}: make sure traffic reaches that line, or wait longer with --wait 2m`;
}

/** Values a capture budget cut, by budget name, e.g. `{ depth: 3, fields: 12 }`. */
export function truncatedMessage(truncated: Record<string, number>): string | undefined {
  const cut = Object.entries(truncated).filter(([, n]) => n > 0);
  if (cut.length === 0) return undefined;
  return `some values were cut by the capture budgets (${cut.map(([k, n]) => `${k}×${n}`).join(', ')}); the agent option \`budgets\` sets them (docs/debugging.md), or capture a narrower value with --condition or eval`;
}

export interface ExecLimits {
  command?: string;
  killedBy?: string | null;
  durationMs?: number;
  bytes?: number;
  truncated?: boolean;
}

/** A command the agent stopped: which limit, the figures, and where the limit is set. */
export function execStoppedMessage(r: ExecLimits): string | undefined {
  const name = r.command ?? 'the command';
  const where = `for ${name} in the agent's configuration (agent.yaml)`;
  switch (r.killedBy) {
    case 'timeout':
      return `the agent stopped ${name} after ${figure((r.durationMs ?? 0) / 1000, ' s')}: its time limit (\`timeout\` ${where}, 30s by default)`;
    case 'cpu':
      return `the agent stopped ${name}: it used up its CPU time (\`cpuSeconds\` ${where}, 10 by default)`;
    case 'output-limit':
      return `the agent stopped ${name} and cut its output at ${r.bytes ?? '?'} bytes: its output limit (\`maxOutputBytes\` ${where}, 1MiB by default)`;
    case 'aborted':
      return `${name} was stopped before it finished (the session ended or the call was cancelled)`;
    default:
      return r.truncated ? `the output of ${name} was cut at ${r.bytes ?? '?'} bytes` : undefined;
  }
}

/** A query result cut at the target's row limit. */
export function rowLimitMessage(shown: number): string {
  return `only the first ${shown} row(s) are shown: the target's row limit (\`rowLimit\` in the agent's configuration, 1000 by default); add a WHERE or LIMIT to see the rows you need`;
}
