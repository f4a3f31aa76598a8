/** The call stack of a hit, as structured call sites (no string parsing). Injected by source text. */
import type { Intrinsics } from './intrinsics.js';
import type { TruncationMarks } from './types.js';

/** One frame in generated positions (1-based line and column, as V8 reports them). */
export interface RawFrame {
  fn: string;
  url: string;
  line: number;
  col: number;
}

/**
 * Captures up to `max` frames below `above` (the runtime's own entry point). Frames of a breakpoint
 * condition's evaluation (eval frames without a file) are skipped.
 */
export function captureFrames(
  I: Intrinsics,
  max: number,
  marks: TruncationMarks,
  above: (...args: never[]) => unknown,
): RawFrame[] {
  const holder: { stack?: unknown } = {};
  const E = Error as unknown as { stackTraceLimit: number; prepareStackTrace: unknown };
  const savedLimit = E.stackTraceLimit;
  const savedPrepare = E.prepareStackTrace;
  let sites: NodeJS.CallSite[] = [];
  try {
    E.stackTraceLimit = max + 4;
    E.prepareStackTrace = (_e: unknown, cs: NodeJS.CallSite[]) => cs;
    I.captureStackTrace(holder, above);
    sites = holder.stack as NodeJS.CallSite[];
  } catch {
    sites = [];
  } finally {
    E.prepareStackTrace = savedPrepare;
    E.stackTraceLimit = savedLimit;
  }
  const frames: RawFrame[] = [];
  let i = 0;
  while (i < sites.length && (sites[i]!.isEval() || sites[i]!.getFileName() === undefined)) i++;
  for (; i < sites.length; i++) {
    if (frames.length >= max) {
      marks.frames++;
      break;
    }
    const cs = sites[i]!;
    frames.push({
      fn: cs.getFunctionName() ?? '<anonymous>',
      url: cs.getFileName() ?? cs.getScriptNameOrSourceURL() ?? '',
      line: cs.getLineNumber() ?? 0,
      col: cs.getColumnNumber() ?? 0,
    });
  }
  return frames;
}
