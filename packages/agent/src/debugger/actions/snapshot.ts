/** `snapshot`: call stack and locals when a line runs, without pausing the process. */
import { mergeCounts, type RedactionCounts } from '@glovebox/redact';
import type { ActionContext, ActionOutcome } from '../../action.js';
import { buildProbeSpec, type DebuggerCore } from '../core.js';
import { toSourceFrames } from '../frames.js';
import type { ScriptPatch } from '../probe-installer.js';
import type { RuntimeMessage, SamplingState } from '../runtime/types.js';
import { snapshotParamsSchema } from '../schemas.js';
import { nonZero, round } from '../util.js';
import { breakpointCapField, holdProbe, type BreakpointCapped } from './probe-life.js';
import { samplingReport } from './sampling.js';

type Capture = Extract<RuntimeMessage, { t: 'cap' }> & { patches: ScriptPatch[] };
type Off = Extract<RuntimeMessage, { t: 'off' }>;

export async function snapshotAction(
  core: DebuggerCore,
  params: unknown,
  ctx: ActionContext,
  signal: AbortSignal,
): Promise<ActionOutcome> {
  const p = snapshotParamsSchema.parse(params);
  const hits = Math.min(p.hits ?? 1, core.o.maxHits);
  const waitMs = Math.min(p.waitMs, core.o.maxWaitMs);
  const captures: Capture[] = [];
  let disabled: Off | undefined;
  let sampling: SamplingState | undefined;
  let wake: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (wake = resolve));
  const wish = {
    kind: 'snapshot' as const,
    condition: p.condition,
    template: undefined,
    perSecond: core.o.snapshotsPerSecond,
    maxCaptures: hits,
    everyHit: false,
    budgets: core.o.budgets,
  };
  const installed = await core.installer.install({
    sessionId: ctx.sessionId,
    kind: 'snapshot',
    location: p.location,
    spec: (names, id, gen) => buildProbeSpec(core, wish, names, id, gen),
    onMessage: (m) => {
      if (m.t === 'log') return;
      sampling = m;
      // Hooks as they are now: frame columns are corrected for them (they may be gone by the end).
      if (m.t === 'cap') captures.push({ ...m, patches: appliedPatches(core) });
      else {
        if (m.reason === 'cpu') disabled = m;
        wake();
      }
      if (captures.length >= hits) wake();
    },
  });
  const { technique } = installed.probe;
  const capMs = core.o.breakpointProbeMaxMs;
  let capped: BreakpointCapped | undefined;
  try {
    const end = await holdProbe(technique, waitMs, capMs, done, signal);
    if (typeof end === 'object') capped = end;
  } finally {
    await core.installer.remove(installed.probe);
  }
  const out = await redactCaptures(core, captures.slice(0, hits), ctx);
  const first = out.results[0];
  const status =
    first !== undefined
      ? 'captured'
      : disabled !== undefined || capped !== undefined
        ? 'disabled'
        : signal.aborted
          ? 'cancelled'
          : 'timeout';
  return {
    result: {
      status,
      location: {
        file: installed.file,
        line: installed.line,
        generated: { url: installed.url, line: installed.generatedLine },
      },
      technique,
      ...breakpointCapField(technique, capMs),
      frames: first?.frames ?? [],
      truncated: first?.truncated ?? {},
      captures: out.results,
      sampling: samplingReport(sampling),
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
      captures: out.results.length,
      frames: out.results
        .flatMap((r) => (r.frames as Array<{ function: string }>).map((f) => f.function))
        .slice(0, 100),
      variables: [...out.variables].slice(0, 200),
      bytes: out.bytes,
    },
    redactions: out.counts,
  };
}

async function redactCaptures(core: DebuggerCore, captures: Capture[], ctx: ActionContext) {
  const redactor = core.redactor(ctx.masking);
  const counts: RedactionCounts = {};
  const variables = new Set<string>();
  let bytes = 0;
  let inIsolate = 0;
  const results = [];
  for (const cap of captures) {
    const frames = await toSourceFrames(cap.frames, core.link, core.maps, cap.patches);
    const framesOut: Array<Record<string, unknown>> = frames.map((f) => ({ ...f }));
    const top = frames[0];
    if (top !== undefined)
      framesOut[0] = { ...top, locals: cap.locals, closure: cap.closure, this: cap.self };
    const r = redactor.redactValue({ frames: framesOut });
    mergeCounts(counts, r.counts);
    for (const n of cap.read) variables.add(n);
    bytes += cap.bytes;
    inIsolate += cap.redacted;
    results.push({
      time: new Date(cap.time).toISOString(),
      frames: (r.value as { frames: unknown[] }).frames,
      truncated: nonZero(cap.truncated),
      dropped: cap.dropped,
    });
  }
  if (inIsolate > 0) counts['SENSITIVE_KEY'] = (counts['SENSITIVE_KEY'] ?? 0) + inIsolate;
  return { results, counts, variables, bytes };
}

function appliedPatches(core: DebuggerCore): ScriptPatch[] {
  return [...core.installer.patches.values()].map((p) => ({ ...p, applied: new Map(p.applied) }));
}
