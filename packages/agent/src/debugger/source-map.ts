import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';

/** A position in a file; lines and columns are zero-based here, as in V8 and source maps. */
export interface Position {
  line: number;
  column: number;
}

/** An original (source) position. */
export interface OriginalPosition extends Position {
  /** Absolute path of the source file (or its URL when it is not a file). */
  source: string;
}

// One decoded segment: generated column, source index, original line, original column.
type Segment = [number, number, number, number];

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

const sourceMapSchema = z.object({
  version: z.literal(3),
  sources: z.array(z.string().nullable()).max(100_000),
  sourceRoot: z.string().optional(),
  mappings: z.string(),
  names: z.array(z.string()).optional(),
});

/**
 * A decoded version-3 source map (no index maps) with lookups in both directions.
 *
 * @example
 * const map = SourceMapIndex.parse(json, pathToFileURL('/app/dist/server.js.map').href);
 * map.originalPositionFor({ line: 10, column: 2 });
 */
export class SourceMapIndex {
  /** Absolute source paths (or URLs), indexed like the map's `sources`. */
  readonly sources: readonly string[];
  readonly #lines: Segment[][];

  private constructor(sources: string[], lines: Segment[][]) {
    this.sources = sources;
    this.#lines = lines;
  }

  /** Parses a source map object; `mapUrl` is where it lives (for resolving relative sources). */
  static parse(json: unknown, mapUrl: string): SourceMapIndex {
    const map = sourceMapSchema.parse(json);
    const root = map.sourceRoot ?? '';
    const sources = map.sources.map((s) => resolveSource(root, s ?? '', mapUrl));
    return new SourceMapIndex(sources, decodeMappings(map.mappings, sources.length));
  }

  /** The original position of a generated one (the closest segment at or before the column). */
  originalPositionFor(pos: Position): OriginalPosition | undefined {
    const segs = this.#lines[pos.line];
    if (segs === undefined || segs.length === 0) return undefined;
    let best: Segment | undefined;
    for (const seg of segs) {
      if (seg[0] <= pos.column) best = seg;
      else break;
    }
    best ??= segs[0];
    if (best === undefined || best[1] < 0) return undefined;
    return { source: this.sources[best[1]]!, line: best[2], column: best[3] };
  }

  /**
   * Generated positions of an original line, earliest first. When the line has no mapping, the next
   * mapped lines (up to `slide` further) are tried, as a breakpoint would slide.
   */
  generatedPositionsFor(
    sourceIndex: number,
    line: number,
    slide = 0,
  ): { original: number; positions: Position[] } | undefined {
    for (let l = line; l <= line + slide; l++) {
      const out: Position[] = [];
      for (let g = 0; g < this.#lines.length; g++) {
        for (const seg of this.#lines[g]!)
          if (seg[1] === sourceIndex && seg[2] === l) out.push({ line: g, column: seg[0] });
      }
      if (out.length > 0) {
        out.sort((a, b) => a.line - b.line || a.column - b.column);
        return { original: l, positions: out };
      }
    }
    return undefined;
  }
}

function resolveSource(root: string, source: string, mapUrl: string): string {
  const joined = root === '' ? source : root.replace(/\/?$/, '/') + source;
  try {
    const url = new URL(joined, mapUrl);
    return url.protocol === 'file:' ? fileURLToPath(url) : url.href;
  } catch {
    return joined;
  }
}

function decodeMappings(mappings: string, sourceCount: number): Segment[][] {
  const lines: Segment[][] = [];
  let line: Segment[] = [];
  let src = 0;
  let origLine = 0;
  let origCol = 0;
  let genCol = 0;
  let i = 0;
  const n = mappings.length;
  const field: number[] = [];
  while (i <= n) {
    const c = i < n ? mappings.charCodeAt(i) : 59; // virtual ';' at the end
    if (c === 59 /* ; */ || c === 44 /* , */) {
      i++;
      if (c === 59) {
        line.sort((a, b) => a[0] - b[0]);
        lines.push(line);
        line = [];
        genCol = 0;
      }
      continue;
    }
    // Decode one segment: 1, 4 or 5 VLQ fields.
    field.length = 0;
    while (i < n) {
      const ch = mappings.charCodeAt(i);
      if (ch === 44 || ch === 59) break;
      let value = 0;
      let shift = 0;
      let more = true;
      while (more) {
        if (i >= n) throw new SyntaxError('truncated VLQ in source map');
        const digit = B64_VALUE[mappings.charCodeAt(i++)] ?? -1;
        if (digit < 0) throw new SyntaxError('invalid base64 in source map');
        more = (digit & 32) !== 0;
        value += (digit & 31) * 2 ** shift;
        shift += 5;
        if (shift > 35) throw new SyntaxError('VLQ value too large in source map');
      }
      field.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    }
    genCol += field[0] ?? 0;
    if (field.length >= 4) {
      src += field[1]!;
      origLine += field[2]!;
      origCol += field[3]!;
      if (src >= 0 && src < sourceCount) line.push([genCol, src, origLine, origCol]);
      else line.push([genCol, -1, 0, 0]);
    } else {
      line.push([genCol, -1, 0, 0]);
    }
  }
  return lines;
}

/**
 * Reads the `sourceMappingURL` of a generated file (inline `data:` or a file next to it) and decodes
 * it. Returns undefined when there is none or it cannot be read.
 */
export async function loadSourceMapForFile(
  filePath: string,
  code?: string,
): Promise<SourceMapIndex | undefined> {
  const text = code ?? (await readFile(filePath, 'utf8'));
  const ref = findSourceMappingUrl(text);
  if (ref === undefined) return undefined;
  const fileUrl = pathToFileURL(filePath).href;
  try {
    if (ref.startsWith('data:')) {
      const comma = ref.indexOf(',');
      if (comma < 0) return undefined;
      const meta = ref.slice(5, comma);
      const payload = ref.slice(comma + 1);
      const json = meta.endsWith(';base64')
        ? Buffer.from(payload, 'base64').toString('utf8')
        : decodeURIComponent(payload);
      return SourceMapIndex.parse(JSON.parse(json), fileUrl);
    }
    const mapUrl = new URL(ref, fileUrl);
    if (mapUrl.protocol !== 'file:') return undefined;
    const json = await readFile(fileURLToPath(mapUrl), 'utf8');
    return SourceMapIndex.parse(JSON.parse(json), mapUrl.href);
  } catch {
    return undefined;
  }
}

/** The last `//# sourceMappingURL=` comment of a script, if any. */
export function findSourceMappingUrl(code: string): string | undefined {
  const re = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/gm;
  let last: string | undefined;
  for (let m = re.exec(code); m !== null; m = re.exec(code)) last = m[1];
  return last;
}
