import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPolicyDir } from './bundle.js';
import { callCedar, CedarTrapError, describeCedarErrors, wasm } from './cedar.js';
import { checkComplexity, decodePolicyText } from './guard.js';

/** Result of {@link validatePolicyDir}. */
export interface ValidateReport {
  ok: boolean;
  dir: string;
  version?: string;
  policies: { id: string; effect: 'permit' | 'forbid'; file: string }[];
  errors: string[];
  warnings: string[];
  /** Files in the directory that are neither policies nor the schema. */
  ignored: string[];
}

/**
 * `glovebox policy validate DIR`: parses, type-checks annotations and validates every policy
 * strictly against the directory's schema.
 */
export async function validatePolicyDir(dir: string): Promise<ValidateReport> {
  const loaded = await loadPolicyDir(dir);
  if (!loaded.ok)
    return {
      ok: false,
      dir,
      policies: [],
      errors: loaded.errors,
      warnings: loaded.warnings,
      ignored: loaded.ignored,
    };
  return {
    ok: true,
    dir,
    version: loaded.set.version,
    policies: loaded.set.policies.map((p) => ({ id: p.id, effect: p.effect, file: p.file })),
    errors: [],
    warnings: loaded.warnings,
    ignored: loaded.ignored,
  };
}

/** Result of {@link formatPolicyDir}. */
export interface FormatReport {
  ok: boolean;
  dir: string;
  check: boolean;
  files: { file: string; changed: boolean; error?: string }[];
}

/**
 * `glovebox policy fmt DIR [--check]`: formats every `*.cedar` file with Cedar's formatter
 * (comments kept). With `check`, writes nothing and fails when a file would change. A file is
 * only rewritten when its formatted form parses to exactly the same policies.
 */
export async function formatPolicyDir(dir: string, options: { check?: boolean } = {}): Promise<FormatReport> {
  const check = options.check ?? false;
  const report: FormatReport = { ok: true, dir, check, files: [] };
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.cedar') && !n.startsWith('.')).sort();
  } catch (error) {
    return {
      ok: false,
      dir,
      check,
      files: [
        {
          file: dir,
          changed: false,
          error: `cannot read directory (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        },
      ],
    };
  }
  for (const file of names) {
    const path = join(dir, file);
    const entry = await formatOne(path);
    const row: FormatReport['files'][number] = { file, changed: entry.formatted !== undefined };
    if (entry.error !== undefined) row.error = entry.error;
    report.files.push(row);
    if (entry.error !== undefined || (check && row.changed)) report.ok = false;
    if (!check && entry.formatted !== undefined) {
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temp, entry.formatted);
      await rename(temp, path);
    }
  }
  return report;
}

async function formatOne(path: string): Promise<{ formatted?: string; error?: string }> {
  const info = await stat(path);
  if (!info.isFile()) return { error: 'not a regular file' };
  const decoded = decodePolicyText(await readFile(path));
  if ('error' in decoded) return { error: decoded.error };
  const text = decoded.text;
  const problem = checkComplexity(text, 'policy');
  if (problem !== undefined) return { error: problem };
  try {
    const result = callCedar(() => wasm.formatPolicies({ policyText: text, lineWidth: 100, indentWidth: 2 }));
    if (result.type === 'failure') return { error: describeCedarErrors(result.errors, text).join('; ') };
    if (result.formatted_policy === text) return {};
    if (!samePolicies(text, result.formatted_policy))
      return { error: 'formatting would change the policies; left unchanged' };
    return { formatted: result.formatted_policy };
  } catch (error) {
    if (error instanceof CedarTrapError) return { error: error.message };
    throw error;
  }
}

function samePolicies(before: string, after: string): boolean {
  const json = (text: string): string | undefined => {
    const parts = callCedar(() => wasm.policySetTextToParts(text));
    if (parts.type === 'failure') return undefined;
    const out: unknown[] = [];
    for (const p of [...parts.policies, ...parts.policy_templates]) {
      const j = callCedar(() => wasm.policyToJson(p));
      if (j.type === 'failure') return undefined;
      out.push(j.json);
    }
    return JSON.stringify(out);
  };
  const a = json(before);
  return a !== undefined && a === json(after);
}
