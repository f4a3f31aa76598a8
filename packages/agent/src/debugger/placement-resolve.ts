/**
 * Choosing the statement a probe goes before, in source (through the source map) or generated lines.
 * A line that cannot take a probe is refused with the nearest lines that can; nothing slides.
 */
import { GloveboxError } from '@glovebox/core';
import type { ScriptInfo } from './inspector.js';
import type { ResolvedLocation } from './locations.js';
import type * as PlacementModule from './placement.js';
import type { ScriptPlan, StatementSite } from './placement.js';
import type { ProbeTechnique } from './settings.js';

type Placement = typeof PlacementModule;

let placementModule: Promise<Placement> | undefined;

/** The parser is loaded on the first probe, never at agent start. */
export function loadPlacement(): Promise<Placement> {
  placementModule ??= import('./placement.js');
  return placementModule;
}

/**
 * Statement sites by line of the file the engineer named (zero-based), the one that starts earliest on
 * that line first (generated order breaks ties). Through a source map, compiler helpers also map to a
 * line: swc's CommonJS `_export` getters (`return OrderService;`) map to the exported name, past the
 * start of `export class OrderService`, and must not win over the declaration itself.
 */
export function sitesByLine(plan: ScriptPlan, loc: ResolvedLocation): Map<number, StatementSite[]> {
  const out = new Map<number, Array<{ site: StatementSite; column: number }>>();
  for (const site of plan.sites) {
    let line = site.line;
    let column = site.column;
    if (loc.map !== undefined) {
      const pos = loc.map.index.originalPositionFor({ line: site.line, column: site.column });
      if (pos === undefined || pos.source !== loc.file) continue;
      line = pos.line;
      column = pos.column;
    }
    let list = out.get(line);
    if (list === undefined) out.set(line, (list = []));
    list.push({ site, column });
  }
  return new Map(
    [...out].map(([line, list]) => [line, list.sort((a, b) => a.column - b.column).map((e) => e.site)]),
  );
}

/**
 * The first statement starting on the requested line, or a `GBX_DEBUG_LINE_NOT_PROBEABLE` refusal
 * naming the nearest lines (1-based) that can take a probe.
 */
export function chooseSite(
  placement: Placement,
  plan: ScriptPlan,
  loc: ResolvedLocation,
): { site: StatementSite; line: number } {
  const byLine = sitesByLine(plan, loc);
  const sites = byLine.get(loc.line);
  if (sites !== undefined && sites.length > 0) return { site: sites[0]!, line: loc.line };
  const lines = [...byLine.keys()].sort((a, b) => a - b);
  const nearest = placement.nearestLines(lines, loc.line).map((l) => l + 1);
  const where = nearest.length > 0 ? `; nearest lines that can: ${nearest.join(', ')}` : '';
  throw new GloveboxError(
    'GBX_DEBUG_LINE_NOT_PROBEABLE',
    `no statement starts on line ${loc.line + 1} of that file${where}`,
    { details: { line: loc.line + 1, nearest } },
  );
}

/** Why LiveEdit would be refused for a statement, known from the parse; undefined when it may work. */
export function liveEditBlocker(
  site: StatementSite,
  script: Pick<ScriptInfo, 'isModule'>,
): string | undefined {
  if (site.enclosing.some((f) => f.async || f.generator))
    return 'inside an async function or generator, which V8 cannot patch while an invocation is suspended';
  if (site.topLevel && script.isModule) return 'top-level code of an ES module, which V8 cannot patch';
  return undefined;
}

/**
 * A line only a breakpoint can hold, on an agent whose operators allow LiveEdit alone (`techniques`),
 * is refused before anything is placed: a breakpoint keeps V8's Debugger domain on (ADR 0030).
 */
export function refuseForbiddenBreakpoint(
  liveEditBlocked: string | undefined,
  techniques: readonly ProbeTechnique[],
): void {
  if (liveEditBlocked === undefined || techniques.includes('breakpoint')) return;
  throw new GloveboxError(
    'GBX_DEBUG_TECHNIQUE_FORBIDDEN',
    `this line is ${liveEditBlocked}: only a V8 breakpoint can hold a probe there, and this agent's operators allow LiveEdit alone (debugger option techniques). Probe a line in a synchronous function it calls instead`,
  );
}
