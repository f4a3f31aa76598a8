/** `logpoint`: a message template evaluated at a line, streamed, sampled to stay within budget. */
import { mergeCounts, type RedactionCounts } from '@glovebox/redact';
import type { ActionContext, ActionOutcome } from '../../action.js';
import { buildProbeSpec, type DebuggerCore } from '../core.js';
import type { RuntimeMessage, SamplingState } from '../runtime/types.js';
import { logpointParamsSchema } from '../schemas.js';
import { round } from '../util.js';
import { breakpointCapField, holdProbe, type BreakpointCapped } from './probe-life.js';
import { samplingReport } from './sampling.js';

type Off = Extract<RuntimeMessage, { t: 'off' }>;

export async function logpointAction(
  core: DebuggerCore,
  params: unknown,
  ctx: ActionContext,
  signal: AbortSignal,
): Promise<ActionOutcome> {
  const p = logpointParamsSchema.parse(params);
  const everyHit = p.everyHit === true;
  const cap = everyHit ? core.o.maxEveryHitPerSecond : core.o.maxLogpointPerSecond;
  const perSecond = Math.min(p.maxPerSecond ?? (everyHit ? cap : core.o.logpointPerSecond), cap);
  const durationMs = Math.min(p.durationMs, core.o.maxLogpointDurationMs);
  const redactor = core.redactor(ctx.masking);
  const counts: RedactionCounts = {};
  const variables = new Set<string>();
  let lines = 0;
  let dropped = 0;
  let bytes = 0;
  let inIsolate = 0;
  let disabled: Off | undefined;
  let sampling: SamplingState | undefined;
  let wake: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (wake = resolve));
  const onMessage = (m: RuntimeMessage): void => {
    if (m.t === 'cap') return;
    sampling = m;
    if (m.t === 'log') {
      const r = redactor.redactText(m.line);
      mergeCounts(counts, r.counts);
      inIsolate += m.redacted;
      for (const n of m.read) variables.add(n);
      lines++;
      dropped += m.dropped;
      bytes += r.text.length;
      ctx.emit({
        time: new Date(m.time).toISOString(),
        line: r.text,
        dropped: m.dropped,
        sampling: m.stride,
      });
      return;
    }
    disabled = m;
    dropped = Math.max(dropped, m.dropped);
    ctx.emit({
      time: new Date().toISOString(),
      line: '[glovebox] logpoint switched off: its breakpoint costs more than the CPU budget on this line',
      dropped: 0,
      disabled: 'cpu-budget',
    });
    wake();
  };
  const wish = {
    kind: 'logpoint' as const,
    condition: p.condition,
    template: p.template,
    perSecond,
    maxCaptures: Number.MAX_SAFE_INTEGER,
    everyHit,
    budgets: core.o.logpointBudgets,
  };
  const installed = await core.installer.install({
    sessionId: ctx.sessionId,
    kind: 'logpoint',
    location: p.location,
    spec: (names, id, gen) => buildProbeSpec(core, wish, names, id, gen),
    onMessage,
  });
  const { technique } = installed.probe;
  const capMs = core.o.breakpointProbeMaxMs;
  if (technique === 'breakpoint')
    ctx.emit({
      time: new Date().toISOString(),
      line: `[glovebox] logpoint placed by breakpoint: while it is set the process's async code runs slower (V8's Debugger domain is on); removed after ${capMs / 1000} s at most (agent option breakpointProbeMaxMs)`,
      dropped: 0,
    });
  let final: SamplingState | undefined;
  let capped: BreakpointCapped | undefined;
  try {
    const end = await holdProbe(technique, durationMs, capMs, done, signal);
    if (typeof end === 'object') capped = end;
  } finally {
    final = await finalSampling(core, installed.probe.id);
    await core.installer.remove(installed.probe);
  }
  if (capped !== undefined)
    ctx.emit({
      time: new Date().toISOString(),
      line: `[glovebox] logpoint removed after ${capMs / 1000} s: it was placed by breakpoint, which keeps V8's Debugger domain on and slows the process's async code (agent option breakpointProbeMaxMs)`,
      dropped: 0,
      disabled: 'breakpoint-cap',
    });
  if (inIsolate > 0) counts['SENSITIVE_KEY'] = (counts['SENSITIVE_KEY'] ?? 0) + inIsolate;
  return {
    result: {
      status:
        disabled !== undefined || capped !== undefined ? 'disabled' : signal.aborted ? 'cancelled' : 'ended',
      location: { file: installed.file, line: installed.line },
      technique,
      ...breakpointCapField(technique, capMs),
      lines,
      dropped,
      sampling: samplingReport(final ?? sampling),
      installMs: round(installed.installMs),
      reusedHook: installed.rearmed === true,
      ...(disabled !== undefined
        ? { disabled: { reason: 'cpu-budget', hits: disabled.hits, spentMs: round(disabled.spentMs) } }
        : capped !== undefined
          ? { disabled: capped }
          : {}),
    },
    accessed: {
      location: `${installed.file}:${installed.line}`,
      technique,
      lines,
      variables: [...variables].slice(0, 200),
      bytes,
    },
    redactions: counts,
  };
}

/** The probe's own counters at the end (hits since the last line included). */
async function finalSampling(core: DebuggerCore, id: number): Promise<SamplingState | undefined> {
  const stats = (await core.link
    .runtimeCall(`R === undefined ? undefined : R.stats()[${id}]`)
    .catch(() => undefined)) as SamplingState | undefined;
  return stats !== undefined && typeof stats.hits === 'number' ? stats : undefined;
}
