import { createHash } from 'node:crypto';
import { GloveboxError } from '@glovebox/core';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { decodePolicyText, POLICY_LIMITS } from './guard.js';
import { compilePolicySet, type LoadedPolicySet, type LoadResult, type SourceFile } from './loader.js';

/**
 * One file of a policy bundle: a policy (`*.cedar`), the schema (`*.cedarschema`), or a test
 * file (`tests/*.yaml|yml|json`). Paths are relative to the policy directory, `/`-separated.
 */
export interface BundleFile {
  path: string;
  text: string;
}

/**
 * A policy directory as data: what `glovebox policy push` sends and what the store keeps as one
 * immutable version. Files are sorted by path.
 */
export interface PolicyBundle {
  files: BundleFile[];
}

/** Size limits of a bundle beyond {@link POLICY_LIMITS} (which bound the policies and schema). */
export const BUNDLE_LIMITS = {
  /** Largest test file, in bytes. */
  maxTestFileBytes: 1024 * 1024,
  /** Most test files. */
  maxTestFiles: 200,
  /** All test files together, in bytes. */
  maxTestBytes: 4 * 1024 * 1024,
} as const;

/** Largest bundle on the wire (policies, schema and tests, as JSON), for body limits. */
export const MAX_BUNDLE_BYTES =
  POLICY_LIMITS.maxTotalBytes + BUNDLE_LIMITS.maxTestBytes + 64 * 1024 * 2; /* JSON overhead */

const POLICY_EXTENSION = '.cedar';
const SCHEMA_EXTENSION = '.cedarschema';
const TESTS_DIR = 'tests';
// A file name: no separator or control character, not hidden, at most 128 characters.
// eslint-disable-next-line no-control-regex
const NAME = /[^./\\\u0000-\u001f\u007f][^/\\\u0000-\u001f\u007f]{0,127}/.source;
const TOP_LEVEL = new RegExp(`^${NAME}\\.(cedar|cedarschema)$`);
const TEST_FILE = new RegExp(`^${TESTS_DIR}/${NAME}\\.(json|yaml|yml)$`);
// With the u flag a pair is one code point, so this matches only lone surrogates.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** What kind of file a bundle path names, or undefined when bundles may not hold it. */
export function bundleFileKind(path: string): 'policy' | 'schema' | 'test' | undefined {
  if (TEST_FILE.test(path)) return 'test';
  if (!TOP_LEVEL.test(path)) return undefined;
  return path.endsWith(SCHEMA_EXTENSION) ? 'schema' : 'policy';
}

/** zod schema of a bundle on the wire; shape and path rules only (contents are checked by compiling). */
export const policyBundleSchema = z.strictObject({
  files: z
    .array(
      z.strictObject({
        path: z
          .string()
          .max(160)
          .refine((p) => bundleFileKind(p) !== undefined, {
            message: 'must be NAME.cedar, NAME.cedarschema or tests/NAME.(yaml|yml|json)',
          }),
        text: z.string().max(Math.max(POLICY_LIMITS.maxFileBytes, BUNDLE_LIMITS.maxTestFileBytes)),
      }),
    )
    .min(1)
    .max(POLICY_LIMITS.maxFiles + 1 + BUNDLE_LIMITS.maxTestFiles)
    .refine((files) => new Set(files.map((f) => f.path)).size === files.length, {
      message: 'file paths must be unique',
    }),
});

/** A bundle in canonical order: files sorted by path (code-unit order). */
export function sortedBundle(files: readonly BundleFile[]): PolicyBundle {
  return { files: [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}

/**
 * The content digest of a bundle: `sha256:` over every path and text, in path order, each
 * length-prefixed. Two bundles with the same files have the same digest wherever they were read.
 */
export function bundleDigest(bundle: PolicyBundle): string {
  const hash = createHash('sha256');
  for (const file of sortedBundle(bundle.files).files) {
    for (const part of [file.path, file.text]) {
      hash.update(`${Buffer.byteLength(part)}:`);
      hash.update(part);
    }
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The outcome of {@link readPolicyBundle}. */
export type ReadBundleResult =
  { ok: true; bundle: PolicyBundle; ignored: string[] } | { ok: false; errors: string[]; ignored: string[] };

/**
 * Reads a policy directory into a bundle: every top-level `*.cedar` and `*.cedarschema` file and
 * every `tests/*.{yaml,yml,json}` file. Hidden entries and other sub-directories are skipped;
 * other top-level files are reported in `ignored`. Never throws for bad content.
 *
 * @example
 * const read = await readPolicyBundle('policies');
 * if (read.ok) console.log(bundleDigest(read.bundle));
 */
export async function readPolicyBundle(
  dir: string,
  options: { tests?: boolean } = {},
): Promise<ReadBundleResult> {
  const errors: string[] = [];
  const ignored: string[] = [];
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, errors: [`cannot read policy directory ${dir} (${code})`], ignored };
  }
  const files: BundleFile[] = [];
  let total = 0;
  let policyCount = 0;
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const isPolicy = name.endsWith(POLICY_EXTENSION);
    const isSchema = name.endsWith(SCHEMA_EXTENSION);
    const path = join(dir, name);
    let info;
    try {
      info = await stat(path);
    } catch {
      errors.push(`${name}: cannot be read`);
      continue;
    }
    if (info.isDirectory()) continue;
    if (!isPolicy && !isSchema) {
      ignored.push(name);
      continue;
    }
    if (!info.isFile()) {
      errors.push(`${name}: not a regular file`);
      continue;
    }
    if (bundleFileKind(name) === undefined) {
      errors.push(
        `${name}: file names must be at most 128 characters without separators or control characters`,
      );
      continue;
    }
    if (info.size > POLICY_LIMITS.maxFileBytes) {
      errors.push(`${name}: file is ${info.size} bytes, more than the ${POLICY_LIMITS.maxFileBytes} allowed`);
      continue;
    }
    total += info.size;
    if (total > POLICY_LIMITS.maxTotalBytes) {
      errors.push(`policy directory is larger than ${POLICY_LIMITS.maxTotalBytes} bytes`);
      break;
    }
    if (isPolicy && ++policyCount > POLICY_LIMITS.maxFiles) {
      errors.push(`more than ${POLICY_LIMITS.maxFiles} policy files`);
      break;
    }
    const decoded = decodePolicyText(await readFile(path));
    if ('error' in decoded) errors.push(`${name}: ${decoded.error}`);
    else files.push({ path: name, text: decoded.text });
  }
  if (options.tests ?? true) files.push(...(await readTestFiles(join(dir, TESTS_DIR), errors)));
  if (errors.length > 0) return { ok: false, errors, ignored };
  return { ok: true, bundle: sortedBundle(files), ignored };
}

async function readTestFiles(testsDir: string, errors: string[]): Promise<BundleFile[]> {
  let names: string[];
  try {
    names = (await readdir(testsDir)).filter((n) => /\.(json|ya?ml)$/.test(n) && !n.startsWith('.')).sort();
  } catch {
    return [];
  }
  if (names.length > BUNDLE_LIMITS.maxTestFiles) {
    errors.push(`more than ${BUNDLE_LIMITS.maxTestFiles} test files`);
    return [];
  }
  const out: BundleFile[] = [];
  let total = 0;
  for (const n of names) {
    const path = `${TESTS_DIR}/${n}`;
    const info = await stat(join(testsDir, n));
    if (!info.isFile()) continue;
    if (bundleFileKind(path) === undefined) {
      errors.push(
        `${path}: file names must be at most 128 characters without separators or control characters`,
      );
      continue;
    }
    if (info.size > BUNDLE_LIMITS.maxTestFileBytes) {
      errors.push(`${path}: larger than ${BUNDLE_LIMITS.maxTestFileBytes} bytes`);
      continue;
    }
    total += info.size;
    if (total > BUNDLE_LIMITS.maxTestBytes) {
      errors.push(`test files are larger than ${BUNDLE_LIMITS.maxTestBytes} bytes together`);
      break;
    }
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(join(testsDir, n)));
      out.push({ path, text });
    } catch {
      errors.push(`${path}: cannot parse: not valid UTF-8`);
    }
  }
  return out;
}

/**
 * Reads and compiles a policy directory: every `*.cedar` file and exactly one `*.cedarschema`
 * file at its top level. Sub-directories (such as `tests/`) and hidden entries are skipped;
 * other files are reported in `ignored`. Never throws for bad content; every problem is a
 * located message in `errors`.
 *
 * @example
 * const result = await loadPolicyDir('examples/policies');
 * if (!result.ok) console.error(result.errors.join('\n'));
 */
export async function loadPolicyDir(dir: string): Promise<LoadResult> {
  const read = await readPolicyBundle(dir, { tests: false });
  if (!read.ok) return { ok: false, errors: read.errors, warnings: [], ignored: read.ignored };
  return { ...compileBundle(read.bundle), ignored: read.ignored };
}

/**
 * Loads `dir` like {@link loadPolicyDir} but throws `GBX_POLICY_INVALID` (every error in
 * `details.errors`) when it is not a valid policy set; for start-up, where refusing to start
 * is the loud failure.
 */
export async function requirePolicyDir(dir: string): Promise<LoadedPolicySet> {
  const result = await loadPolicyDir(dir);
  if (result.ok) return result.set;
  throw new GloveboxError(
    'GBX_POLICY_INVALID',
    `policy directory ${dir} is invalid: ${result.errors[0] ?? 'unknown error'}${result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : ''}`,
    { details: { errors: result.errors } },
  );
}

/**
 * Checks a bundle's shape and budgets (the same as for a directory) and compiles its schema and
 * policies into a validated set. For bundles that arrived over the wire: never throws for bad
 * content.
 */
export function compileBundle(bundle: PolicyBundle): LoadResult {
  const errors = checkBundle(bundle);
  const schemas = bundle.files.filter((f) => bundleFileKind(f.path) === 'schema');
  const policies = bundle.files.filter((f) => bundleFileKind(f.path) === 'policy');
  if (schemas.length !== 1)
    errors.push(
      schemas.length === 0
        ? `no schema: exactly one ${SCHEMA_EXTENSION} file is needed`
        : `more than one schema file: ${schemas.map((s) => s.path).join(', ')}`,
    );
  if (errors.length > 0 || schemas[0] === undefined) return { ok: false, errors, warnings: [], ignored: [] };
  const source = (f: BundleFile): SourceFile => ({ file: f.path, text: f.text });
  return compilePolicySet(source(schemas[0]), policies.map(source));
}

function checkBundle(bundle: PolicyBundle): string[] {
  const errors: string[] = [];
  let policyBytes = 0;
  let testBytes = 0;
  let policyFiles = 0;
  let testFiles = 0;
  const seen = new Set<string>();
  for (const file of bundle.files) {
    const kind = bundleFileKind(file.path);
    if (kind === undefined) {
      errors.push(`${file.path.slice(0, 160)}: not a policy, schema or test file path`);
      continue;
    }
    if (seen.has(file.path)) errors.push(`${file.path}: appears twice`);
    seen.add(file.path);
    const bytes = Buffer.byteLength(file.text);
    if (file.text.includes('\0')) errors.push(`${file.path}: file contains a NUL character`);
    if (LONE_SURROGATE.test(file.text)) errors.push(`${file.path}: file is not valid UTF-8`);
    if (kind === 'test') {
      testFiles++;
      testBytes += bytes;
      if (bytes > BUNDLE_LIMITS.maxTestFileBytes)
        errors.push(`${file.path}: larger than ${BUNDLE_LIMITS.maxTestFileBytes} bytes`);
      continue;
    }
    if (kind === 'policy') policyFiles++;
    policyBytes += bytes;
    if (bytes > POLICY_LIMITS.maxFileBytes)
      errors.push(
        `${file.path}: file is ${bytes} bytes, more than the ${POLICY_LIMITS.maxFileBytes} allowed`,
      );
  }
  if (policyBytes > POLICY_LIMITS.maxTotalBytes)
    errors.push(`policy files are larger than ${POLICY_LIMITS.maxTotalBytes} bytes`);
  if (policyFiles > POLICY_LIMITS.maxFiles) errors.push(`more than ${POLICY_LIMITS.maxFiles} policy files`);
  if (testFiles > BUNDLE_LIMITS.maxTestFiles)
    errors.push(`more than ${BUNDLE_LIMITS.maxTestFiles} test files`);
  if (testBytes > BUNDLE_LIMITS.maxTestBytes)
    errors.push(`test files are larger than ${BUNDLE_LIMITS.maxTestBytes} bytes together`);
  return errors;
}
