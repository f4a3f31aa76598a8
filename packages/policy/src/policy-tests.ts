import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { POLICY_ACTIONS } from '@glovebox/protocol';
import type { Obligations } from './annotations.js';
import { bundleFileKind, compileBundle, readPolicyBundle, type PolicyBundle } from './bundle.js';
import { PolicyEngine, type Decision } from './engine.js';
import { authzRequestSchema, type AuthzRequest } from './request.js';
import { MFA_NEVER_SEC } from './schema.js';

/** Outcome of one policy test case. */
export interface TestCaseResult {
  file: string;
  name: string;
  ok: boolean;
  /** One line per unmet expectation. */
  failures: string[];
  actual?: Decision;
}

/** Result of {@link runPolicyTests}. */
export interface TestReport {
  ok: boolean;
  dir: string;
  version?: string;
  passed: number;
  failed: number;
  results: TestCaseResult[];
  /** Problems with the policy set or the test files themselves. */
  errors: string[];
}

const name = z.string().min(1).max(256);
const partialContext = z
  .strictObject({
    reason: z.string(),
    ticket: z.string(),
    mfaAgeSec: z.number(),
    breakGlass: z.boolean(),
    localHour: z.number(),
    weekday: z.number(),
    requester: z.string(),
    commandClass: z.string(),
    command: z.string(),
    sqlClass: z.string(),
    sqlTables: z.array(z.string()),
    sqlSchemas: z.array(z.string()),
    sqlFunctions: z.array(z.string()),
    sqlDeleteWithoutWhere: z.boolean(),
    requestedDurationSec: z.number(),
    approvers: z.array(z.string()),
  })
  .partial();
const partialResource = z.union([
  z.strictObject({
    kind: z.literal('target').optional(),
    name: z.string().optional(),
    env: z.string().optional(),
    owner: z.string().optional(),
    tags: z.record(z.string(), z.string()).optional(),
  }),
  z.strictObject({ kind: z.literal('gateway') }),
]);
const principal = z.strictObject({ id: name, groups: z.array(name).default([]) });
const testCaseSchema = z.strictObject({
  name,
  request: z.strictObject({
    principal: principal.optional(),
    action: z.enum(POLICY_ACTIONS),
    resource: partialResource.optional(),
    context: partialContext.optional(),
  }),
  expect: z.strictObject({
    decision: z.enum(['allow', 'deny']),
    determiningPolicies: z.array(z.string()).optional(),
    reasons: z.array(z.string()).optional(),
    stepUp: z.enum(['mfa', 'none']).optional(),
    errors: z.boolean().optional(),
    obligations: z
      .strictObject({
        maxDuration: z.union([z.string(), z.number()]),
        idleTimeout: z.union([z.string(), z.number()]),
        approvals: z.number().int(),
        approverGroups: z.array(z.string()),
        masking: z.enum(['standard', 'strict']),
        keepArtifacts: z.union([z.string(), z.number()]),
        outlivesLogin: z.boolean(),
      })
      .partial()
      .optional(),
  }),
});
const testFileSchema = z.strictObject({
  defaults: z
    .strictObject({
      principal: principal.optional(),
      resource: partialResource.optional(),
      context: partialContext.optional(),
    })
    .optional(),
  tests: z.array(testCaseSchema).min(1).max(5000),
});
type TestFile = z.infer<typeof testFileSchema>;
type TestCase = z.infer<typeof testCaseSchema>;

/** Context fields a test does not set. Documented in docs/policy.md. */
export const TEST_CONTEXT_DEFAULTS = {
  reason: '',
  mfaAgeSec: MFA_NEVER_SEC,
  breakGlass: false,
  localHour: 12,
  weekday: 3,
} as const;

/**
 * `glovebox policy test DIR`: validates the policy set, then runs every case of every
 * `DIR/tests/*.{json,yaml,yml}` file against it. Fails when the set is invalid, a test file is
 * malformed, there are no tests, or any expectation is not met.
 */
export async function runPolicyTests(dir: string): Promise<TestReport> {
  const read = await readPolicyBundle(dir);
  if (!read.ok)
    return {
      ok: false,
      dir,
      passed: 0,
      failed: 0,
      results: [],
      errors: read.errors.map((e) => `policy set invalid: ${e}`),
    };
  return runBundleTests(read.bundle, dir);
}

/**
 * Runs a bundle's own tests (its `tests/*` files) against its policies, exactly as
 * {@link runPolicyTests} does for a directory; `label` names the bundle in the report's `dir`.
 * The gateway runs this on every pushed bundle.
 */
export function runBundleTests(bundle: PolicyBundle, label: string): TestReport {
  const report: TestReport = { ok: false, dir: label, passed: 0, failed: 0, results: [], errors: [] };
  const loaded = compileBundle(bundle);
  if (!loaded.ok) {
    report.errors.push(...loaded.errors.map((e) => `policy set invalid: ${e}`));
    return report;
  }
  const engine = new PolicyEngine();
  const activation = engine.activate(loaded.set);
  if (activation.length > 0) {
    report.errors.push(...activation);
    return report;
  }
  report.version = loaded.set.version;
  const known = new Set(loaded.set.policies.map((p) => p.id));

  const files = parseTestFiles(bundle, report.errors);
  for (const { file, content } of files) {
    const seen = new Set<string>();
    for (const test of content.tests) {
      if (seen.has(test.name)) report.errors.push(`${file}: duplicate test name "${test.name}"`);
      seen.add(test.name);
      const result = runCase(engine, file, content, test, known);
      report.results.push(result);
      if (result.ok) report.passed++;
      else report.failed++;
    }
  }
  if (files.length === 0 && report.errors.length === 0)
    report.errors.push(`no test files in ${label}/tests (*.json, *.yaml, *.yml)`);
  report.ok = report.errors.length === 0 && report.failed === 0 && report.passed > 0;
  return report;
}

function parseTestFiles(bundle: PolicyBundle, errors: string[]): { file: string; content: TestFile }[] {
  const out: { file: string; content: TestFile }[] = [];
  for (const { path: file, text } of bundle.files) {
    if (bundleFileKind(file) !== 'test') continue;
    let raw: unknown;
    try {
      raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
    } catch (error) {
      errors.push(
        `${file}: cannot parse: ${error instanceof Error ? error.message.split('\n')[0] : 'invalid'}`,
      );
      continue;
    }
    const parsed = testFileSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues.slice(0, 20))
        errors.push(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
      continue;
    }
    out.push({ file, content: parsed.data });
  }
  return out;
}

function buildRequest(defaults: TestFile['defaults'], test: TestCase): unknown {
  const p = test.request.principal ?? defaults?.principal;
  const base = defaults?.resource;
  const own = test.request.resource;
  const resource =
    own === undefined ? base : own.kind === 'gateway' || base?.kind === 'gateway' ? own : { ...base, ...own };
  const targetDefaults = { kind: 'target', owner: '', tags: {} };
  return {
    principal: p,
    action: test.request.action,
    resource: resource?.kind === 'gateway' ? resource : { ...targetDefaults, ...resource },
    context: {
      ...TEST_CONTEXT_DEFAULTS,
      requester: p?.id,
      ...defaults?.context,
      ...test.request.context,
    },
  };
}

function runCase(
  engine: PolicyEngine,
  file: string,
  content: TestFile,
  test: TestCase,
  known: ReadonlySet<string>,
): TestCaseResult {
  const parsed = authzRequestSchema.safeParse(buildRequest(content.defaults, test));
  if (!parsed.success)
    return {
      file,
      name: test.name,
      ok: false,
      failures: parsed.error.issues.map((i) => `invalid request: ${i.path.join('.')}: ${i.message}`),
    };
  const actual = engine.authorize(parsed.data as AuthzRequest);
  const failures: string[] = [];
  const expect = test.expect;
  const got = actual.allowed ? 'allow' : 'deny';
  if (got !== expect.decision) failures.push(`decision: expected ${expect.decision}, got ${got}`);
  if (expect.errors !== undefined && expect.errors !== actual.errors.length > 0)
    failures.push(
      `errors: expected ${expect.errors ? 'some' : 'none'}, got ${JSON.stringify(actual.errors)}`,
    );
  else if (expect.errors === undefined && actual.errors.length > 0)
    failures.push(`unexpected evaluation errors: ${actual.errors.join('; ')}`);
  if (expect.determiningPolicies !== undefined) {
    for (const id of expect.determiningPolicies)
      if (!known.has(id)) failures.push(`determiningPolicies: no policy has @id("${id}")`);
    if (!sameSet(expect.determiningPolicies, actual.determiningPolicies))
      failures.push(
        `determiningPolicies: expected ${JSON.stringify([...expect.determiningPolicies].sort())}, got ${JSON.stringify(actual.determiningPolicies)}`,
      );
  }
  if (expect.reasons !== undefined && !sameSet(expect.reasons, actual.reasons))
    failures.push(
      `reasons: expected ${JSON.stringify(expect.reasons)}, got ${JSON.stringify(actual.reasons)}`,
    );
  if (expect.stepUp !== undefined && expect.stepUp !== (actual.stepUp ?? 'none'))
    failures.push(`stepUp: expected ${expect.stepUp}, got ${actual.stepUp ?? 'none'}`);
  if (expect.obligations !== undefined)
    failures.push(...compareObligations(expect.obligations, actual.obligations));
  return { file, name: test.name, ok: failures.length === 0, failures, actual };
}

function compareObligations(
  expected: NonNullable<TestCase['expect']['obligations']>,
  actual: Obligations | undefined,
): string[] {
  if (actual === undefined) return ['obligations: expected some, but the request was not allowed'];
  const failures: string[] = [];
  const seconds = (v: string | number, key: string): number | undefined => {
    const s = typeof v === 'number' ? v : durationSeconds(v);
    if (s === undefined) failures.push(`obligations.${key}: "${v}" is not a duration`);
    return s;
  };
  if (expected.maxDuration !== undefined) {
    const want = seconds(expected.maxDuration, 'maxDuration');
    if (want !== undefined && want !== actual.maxDurationSec)
      failures.push(`obligations.maxDuration: expected ${want}s, got ${actual.maxDurationSec}s`);
  }
  if (expected.idleTimeout !== undefined) {
    const want = seconds(expected.idleTimeout, 'idleTimeout');
    if (want !== undefined && want !== actual.idleTimeoutSec)
      failures.push(`obligations.idleTimeout: expected ${want}s, got ${actual.idleTimeoutSec}s`);
  }
  if (expected.approvals !== undefined && expected.approvals !== actual.approvals)
    failures.push(`obligations.approvals: expected ${expected.approvals}, got ${actual.approvals}`);
  if (expected.approverGroups !== undefined && !sameSet(expected.approverGroups, actual.approverGroups))
    failures.push(
      `obligations.approverGroups: expected ${JSON.stringify(expected.approverGroups)}, got ${JSON.stringify(actual.approverGroups)}`,
    );
  if (expected.masking !== undefined && expected.masking !== actual.masking)
    failures.push(`obligations.masking: expected ${expected.masking}, got ${actual.masking}`);
  if (expected.keepArtifacts !== undefined) {
    const want = expected.keepArtifacts === '0' ? 0 : seconds(expected.keepArtifacts, 'keepArtifacts');
    if (want !== undefined && want !== actual.keepArtifactsSec)
      failures.push(`obligations.keepArtifacts: expected ${want}s, got ${actual.keepArtifactsSec}s`);
  }
  if (expected.outlivesLogin !== undefined && expected.outlivesLogin !== actual.outlivesLogin)
    failures.push(
      `obligations.outlivesLogin: expected ${expected.outlivesLogin}, got ${actual.outlivesLogin}`,
    );
  return failures;
}

function durationSeconds(text: string): number | undefined {
  const m = /^(\d{1,7})(s|m|h|d)?$/.exec(text);
  if (!m) return undefined;
  return (
    Number(m[1]) *
    ({ s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] as 's' | 'm' | 'h' | 'd' | undefined) ?? 's'] ?? 1)
  );
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
