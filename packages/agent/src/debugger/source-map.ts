import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FlattenMap, decodedMappings, originalPositionFor, type TraceMap } from '@jridgewell/trace-mapping';
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

const MAX_SOURCES = 100_000;

// The shape we accept before handing the map to trace-mapping: version 3, plain or index ("sections").
const sourceMapSchema = z.union([
  z.looseObject({
    version: z.literal(3),
    sources: z.array(z.string().nullable()).max(MAX_SOURCES),
    sourceRoot: z.string().optional(),
    mappings: z
      .string()
      .regex(/^[A-Za-z0-9+/,;]*$/, 'invalid base64 in source map')
      // A digit with the continuation bit set cannot end a segment.
      .refine((m) => !/[g-z0-9+/](?=[,;]|$)/.test(m), 'truncated VLQ in source map'),
  }),
  z.looseObject({
    version: z.literal(3),
    sections: z
      .array(z.looseObject({ offset: z.object({ line: z.number(), column: z.number() }) }))
      .max(10_000),
  }),
]);

/**
 * A version-3 source map (plain or index map), decoded by `@jridgewell/trace-mapping`, with lookups in
 * both directions.
 *
 * @example
 * const map = SourceMapIndex.parse(json, pathToFileURL('/app/dist/server.js.map').href);
 * map.originalPositionFor({ line: 10, column: 2 });
 */
export class SourceMapIndex {
  /** Absolute source paths (or URLs), indexed like the map's resolved `sources`. */
  readonly sources: readonly string[];
  readonly #map: TraceMap;
  /** Generated positions by source index, then original line; built on the first reverse lookup. */
  #bySource: Map<number, Map<number, Position[]>> | undefined;

  private constructor(map: TraceMap) {
    this.#map = map;
    this.sources = map.resolvedSources.map(toPathOrUrl);
  }

  /** Parses a source map object; `mapUrl` is where it lives (for resolving relative sources). */
  static parse(json: unknown, mapUrl: string): SourceMapIndex {
    sourceMapSchema.parse(json);
    const map = new FlattenMap(json as ConstructorParameters<typeof FlattenMap>[0], mapUrl);
    // trace-mapping decodes lazily; decode now so a corrupt map fails here, not in a lookup.
    const lines = decodedMappings(map);
    for (const line of lines)
      for (const seg of line)
        if (!seg.every((n) => Number.isSafeInteger(n))) throw new SyntaxError('invalid source map mappings');
    return new SourceMapIndex(map);
  }

  /** The original position of a generated one (the closest segment at or before the column). */
  originalPositionFor(pos: Position): OriginalPosition | undefined {
    const hit = originalPositionFor(this.#map, { line: pos.line + 1, column: Math.max(0, pos.column) });
    if (hit.source === null) {
      // Before the first segment of the line: take the line's first mapping, as V8 frames do.
      const first = decodedMappings(this.#map)[pos.line]?.[0];
      if (first === undefined || first.length < 4) return undefined;
      const again = originalPositionFor(this.#map, { line: pos.line + 1, column: first[0] });
      if (again.source === null) return undefined;
      return { source: toPathOrUrl(again.source), line: again.line - 1, column: again.column };
    }
    return { source: toPathOrUrl(hit.source), line: hit.line - 1, column: hit.column };
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
    const bySource = this.#reverse().get(sourceIndex);
    if (bySource === undefined) return undefined;
    for (let l = line; l <= line + slide; l++) {
      const positions = bySource.get(l);
      if (positions !== undefined && positions.length > 0) return { original: l, positions };
    }
    return undefined;
  }

  /** Original lines of a source that have generated code, ascending. */
  mappedLines(sourceIndex: number): number[] {
    return [...(this.#reverse().get(sourceIndex)?.keys() ?? [])].sort((a, b) => a - b);
  }

  #reverse(): Map<number, Map<number, Position[]>> {
    if (this.#bySource !== undefined) return this.#bySource;
    const out = new Map<number, Map<number, Position[]>>();
    const lines = decodedMappings(this.#map);
    for (let g = 0; g < lines.length; g++) {
      for (const seg of lines[g]!) {
        if (seg.length < 4) continue;
        const [column, source, line] = seg as readonly [number, number, number, number];
        let byLine = out.get(source);
        if (byLine === undefined) out.set(source, (byLine = new Map<number, Position[]>()));
        let list = byLine.get(line);
        if (list === undefined) byLine.set(line, (list = []));
        list.push({ line: g, column });
      }
    }
    for (const byLine of out.values())
      for (const list of byLine.values()) list.sort((a, b) => a.line - b.line || a.column - b.column);
    this.#bySource = out;
    return out;
  }
}

function toPathOrUrl(source: string): string {
  if (!source.startsWith('file:')) return source;
  try {
    return fileURLToPath(source);
  } catch {
    return source;
  }
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
