import { realpath } from 'node:fs/promises';
import { basename, dirname, resolve, sep } from 'node:path';
import type { CommandSpec } from '../config.js';

const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** The value of an argument that names a path: the argument, or an option's `=value`; null otherwise. */
function pathValue(arg: string): string | null {
  const value = arg.startsWith('-') ? (arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : null) : arg;
  if (value === null || value === '' || URL_LIKE.test(value)) return null;
  return value.includes('/') || value.startsWith('.') || value.startsWith('~') ? value : null;
}

// realpath of the deepest part that exists, plus the rest: a path that does not exist yet cannot hide a
// symbolic link in its missing part, and its existing part is resolved like any other.
async function resolveExisting(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return resolve(await resolveExisting(parent), basename(path));
  }
}

function within(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`));
}

/**
 * Checks every path an allow-list pattern let through (operands and option values that contain `/` or
 * start with `.` or `~`) against the command's `paths`, with symbolic links resolved on both sides, so a
 * link inside an allowed directory cannot point the program outside it. Names nothing it resolved in the
 * answer (a link's target is itself information).
 *
 * @returns why an argument is refused, or null.
 */
export async function checkArgumentPaths(
  spec: CommandSpec,
  patternArgs: readonly string[],
): Promise<string | null> {
  if (spec.paths.length === 0) return null;
  const roots = await Promise.all(spec.paths.map((p) => resolveExisting(p)));
  for (const arg of patternArgs) {
    const value = pathValue(arg);
    if (value === null) continue;
    if (value.startsWith('~')) return `${spec.name}: "~" paths are not expanded; give an absolute path`;
    const real = await resolveExisting(resolve(spec.cwd, value));
    if (!within(real, roots))
      return `${spec.name}: a path argument resolves (symbolic links followed) outside the allowed paths`;
  }
  return null;
}
