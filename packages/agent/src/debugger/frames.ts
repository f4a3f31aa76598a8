/** Mapping captured frames (generated positions, maybe inside our hook) to source positions. */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InspectorLink } from './inspector.js';
import type { SourceMaps } from './locations.js';
import type { Hook, ScriptPatch } from './probe-installer.js';
import type { RawFrame } from './runtime/stack.js';
import { toPath } from './util.js';

/** A frame as the engineer sees it: 1-based line and column in the source file. */
export interface SourceFrame {
  function: string;
  file: string;
  line: number;
  column: number;
}

/**
 * The column V8 would report without our hooks (1-based in, 1-based out): a position inside a hook
 * is the probed statement's own start; positions after a hook on its line move back by its length.
 */
export function columnWithoutHooks(
  hooks: Iterable<Pick<Hook, 'line' | 'column' | 'text'>>,
  line: number,
  col: number,
): number {
  const onLine = [...hooks].filter((h) => h.line === line - 1).sort((a, b) => a.column - b.column);
  let shift = 0;
  for (const h of onLine) {
    // Where this hook starts in V8's copy: its original column plus the hooks before it.
    const start = h.column + 1 + shift;
    if (col < start) break;
    if (col < start + h.text.length) return h.column + 1;
    shift += h.text.length;
  }
  return col - shift;
}

export async function toSourceFrames(
  frames: RawFrame[],
  link: InspectorLink,
  maps: SourceMaps,
  patches: Iterable<ScriptPatch>,
): Promise<SourceFrame[]> {
  const out: SourceFrame[] = [];
  const patchList = [...patches];
  for (const f of frames) {
    let line = f.line;
    let col = f.col;
    const fileUrl = f.url.startsWith('file:') ? f.url : isAbsolute(f.url) ? pathToFileURL(f.url).href : f.url;
    const patch = patchList.find((p) => p.url === fileUrl || p.url === f.url);
    if (patch !== undefined) col = columnWithoutHooks(patch.applied.values(), line, col);
    let file = toPath(f.url) ?? f.url;
    const script = [...link.scripts.values()].find((s) => s.url === fileUrl || s.url === f.url);
    const map =
      script !== undefined || fileUrl.startsWith('file:')
        ? await maps.for(script ?? { url: fileUrl, sourceMapURL: '' })
        : undefined;
    const pos = map?.originalPositionFor({ line: line - 1, column: col - 1 });
    if (pos !== undefined) {
      file = pos.source;
      line = pos.line + 1;
      col = pos.column + 1;
    }
    out.push({ function: f.fn, file, line, column: col });
  }
  return out;
}
