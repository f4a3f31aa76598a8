/** Resolving `FILE:LINE` to a loaded script (directly or through its source map). */
import { isAbsolute, normalize, sep } from 'node:path';
import { GloveboxError } from '@glovebox/core';
import type { InspectorLink, ScriptInfo } from './inspector.js';
import { splitLocation } from './schemas.js';
import { loadSourceMapForFile, type SourceMapIndex } from './source-map.js';
import { toPath } from './util.js';

/** Source maps of loaded scripts, by script URL, loaded once. */
export class SourceMaps {
  readonly #maps = new Map<string, Promise<SourceMapIndex | undefined>>();

  for(script: Pick<ScriptInfo, 'url' | 'sourceMapURL'>): Promise<SourceMapIndex | undefined> {
    let p = this.#maps.get(script.url);
    if (p === undefined) {
      p = (async () => {
        const path = toPath(script.url);
        if (path === undefined) return undefined;
        if (script.sourceMapURL.startsWith('data:'))
          return loadSourceMapForFile(path, `//# sourceMappingURL=${script.sourceMapURL}`);
        return loadSourceMapForFile(path).catch(() => undefined);
      })();
      this.#maps.set(script.url, p);
    }
    return p;
  }
}

/** A location resolved to one script. */
export interface ResolvedLocation {
  script: ScriptInfo;
  /** Absolute path of the file the engineer named (source or generated). */
  file: string;
  /** Zero-based line the engineer asked for, in `file`. */
  line: number;
  /** Present when `file` is a source reached through the script's source map. */
  map?: { index: SourceMapIndex; sourceIndex: number };
}

/**
 * Finds the one loaded script for `location`. Must run with the Debugger domain enabled (the script
 * list comes from `scriptParsed`). `preferred` picks, among copies of a script, the one we edited.
 */
export async function resolveLocation(
  link: InspectorLink,
  maps: SourceMaps,
  location: string,
  preferred: (script: ScriptInfo) => boolean,
): Promise<ResolvedLocation> {
  const { file, line } = splitLocation(location);
  const wanted = normalize(file.startsWith('file:') ? (toPath(file) ?? file) : file);
  const matches = (candidate: string): boolean => {
    const c = normalize(candidate);
    if (isAbsolute(wanted)) return c === wanted;
    const rel = wanted.replace(/^\.[\\/]/, '');
    return c === rel || c.endsWith(sep + rel);
  };
  const found: ResolvedLocation[] = [];
  for (const script of link.scripts.values()) {
    const path = toPath(script.url);
    if (path === undefined || path.includes(`${sep}node_modules${sep}`)) continue;
    if (matches(path)) {
      found.push({ script, file: path, line: line - 1 });
      continue;
    }
    if (script.sourceMapURL === '') continue;
    const index = await maps.for(script);
    if (index === undefined) continue;
    const sourceIndex = index.sources.findIndex(matches);
    if (sourceIndex >= 0)
      found.push({ script, file: index.sources[sourceIndex]!, line: line - 1, map: { index, sourceIndex } });
  }
  const files = new Set(found.map((f) => f.file));
  if (files.size === 0)
    throw new GloveboxError('GBX_DEBUG_LOCATION_NOT_FOUND', 'no loaded script matches that file');
  if (files.size > 1) {
    throw new GloveboxError(
      'GBX_DEBUG_LOCATION_NOT_FOUND',
      `that file name matches ${files.size} loaded files; give more of the path`,
    );
  }
  found.sort((a, b) => Number(a.script.scriptId) - Number(b.script.scriptId));
  return found.find((f) => preferred(f.script)) ?? found[0]!;
}
