import { createTwoFilesPatch } from 'diff';
import { compileBundle, sortedBundle, type PolicyBundle } from './bundle.js';
import type { LoadedPolicy } from './loader.js';

/** How one file differs between two bundles. */
export interface FileDiff {
  path: string;
  status: 'added' | 'removed' | 'modified';
  /** Unified diff (3 lines of context) from the old text to the new one. */
  patch: string;
}

/** How one policy (by `@id`) differs between two bundles. */
export interface PolicyDiff {
  id: string;
  status: 'added' | 'removed' | 'modified';
  effect: 'permit' | 'forbid';
  /** The file the policy is in (the new one when it moved). */
  file: string;
}

/** The outcome of {@link diffBundles}. */
export interface BundleDiff {
  files: FileDiff[];
  /** Policies added, removed or changed; empty when either bundle does not compile. */
  policies: PolicyDiff[];
  /** True when the bundles hold exactly the same files. */
  identical: boolean;
}

/**
 * Compares two bundles file by file (unified diffs) and policy by policy (by `@id`), for
 * `glovebox policy diff V1 V2` and the console's history view.
 *
 * @example
 * const diff = diffBundles(v1, v2);
 * for (const p of diff.policies) console.log(p.status, p.id);
 */
export function diffBundles(before: PolicyBundle, after: PolicyBundle): BundleDiff {
  const a = new Map(sortedBundle(before.files).files.map((f) => [f.path, f.text]));
  const b = new Map(sortedBundle(after.files).files.map((f) => [f.path, f.text]));
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const files: FileDiff[] = [];
  for (const path of paths) {
    const old = a.get(path);
    const now = b.get(path);
    if (old === now) continue;
    files.push({
      path,
      status: old === undefined ? 'added' : now === undefined ? 'removed' : 'modified',
      patch: createTwoFilesPatch(
        old === undefined ? '/dev/null' : `a/${path}`,
        now === undefined ? '/dev/null' : `b/${path}`,
        old ?? '',
        now ?? '',
        undefined,
        undefined,
        { context: 3 },
      ),
    });
  }
  return { files, policies: diffPolicies(before, after), identical: files.length === 0 };
}

function diffPolicies(before: PolicyBundle, after: PolicyBundle): PolicyDiff[] {
  const compiledBefore = compileBundle(before);
  const compiledAfter = compileBundle(after);
  if (!compiledBefore.ok || !compiledAfter.ok) return [];
  const byId = (policies: LoadedPolicy[]) => new Map(policies.map((p) => [p.id, p]));
  const old = byId(compiledBefore.set.policies);
  const now = byId(compiledAfter.set.policies);
  const out: PolicyDiff[] = [];
  for (const [id, p] of now) {
    const was = old.get(id);
    if (was === undefined) out.push({ id, status: 'added', effect: p.effect, file: p.file });
    else if (was.text !== p.text || was.file !== p.file)
      out.push({ id, status: 'modified', effect: p.effect, file: p.file });
  }
  for (const [id, p] of old)
    if (!now.has(id)) out.push({ id, status: 'removed', effect: p.effect, file: p.file });
  return out.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}
