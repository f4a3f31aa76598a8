import { createHash } from 'node:crypto';
import { checkAnnotations, type PolicyAnnotationsInfo } from './annotations.js';
import { callCedar, CedarTrapError, describeCedarErrors, wasm } from './cedar.js';
import { checkComplexity, POLICY_LIMITS } from './guard.js';
import { probeRequests, toCedarRequest } from './request.js';

/** One policy of a loaded set, keyed by its `@id`. */
export interface LoadedPolicy extends PolicyAnnotationsInfo {
  id: string;
  effect: 'permit' | 'forbid';
  /** File the policy came from, relative to the policy directory. */
  file: string;
  /** The policy's source text, annotations included. */
  text: string;
  /** Every annotation, as written. */
  annotations: Record<string, string>;
}

/** A validated policy set, ready to be activated by a {@link PolicyEngine}. */
export interface LoadedPolicySet {
  /** Content hash of the schema and every policy: `sha256:<hex>`. */
  version: string;
  schemaFile: string;
  schemaText: string;
  /** Policies in file order, then source order. */
  policies: LoadedPolicy[];
}

/** The outcome of loading or compiling a policy set. */
export type LoadResult =
  | { ok: true; set: LoadedPolicySet; warnings: string[]; ignored: string[] }
  | { ok: false; errors: string[]; warnings: string[]; ignored: string[] };

/** A named text, as read from a policy directory. */
export interface SourceFile {
  file: string;
  text: string;
}

const PROBE_SCHEMA = 'glovebox-schema-probe';
const PROBE_POLICIES = 'glovebox-empty-probe';

/**
 * Compiles in-memory sources into a validated policy set: size and complexity limits, parsing,
 * `@id` keying, annotation type checks, strict validation against the schema, and a probe that
 * the engine's requests conform to the schema.
 */
export function compilePolicySet(schema: SourceFile, files: readonly SourceFile[]): LoadResult {
  try {
    return compileUnguarded(schema, files);
  } catch (error) {
    if (error instanceof CedarTrapError)
      return { ok: false, errors: [error.message], warnings: [], ignored: [] };
    throw error;
  }
}

function compileUnguarded(schema: SourceFile, files: readonly SourceFile[]): LoadResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const fail = (): LoadResult => ({ ok: false, errors, warnings, ignored: [] });

  const schemaProblem = checkComplexity(schema.text, 'schema');
  if (schemaProblem !== undefined) errors.push(`${schema.file}: ${schemaProblem}`);
  else {
    const parsed = callCedar(() => wasm.checkParseSchema(schema.text));
    if (parsed.type === 'failure')
      for (const m of describeCedarErrors(parsed.errors, schema.text)) errors.push(`${schema.file}: ${m}`);
  }

  const policies: LoadedPolicy[] = [];
  const byId = new Map<string, LoadedPolicy>();
  for (const source of files) {
    const problem = checkComplexity(source.text, 'policy');
    if (problem !== undefined) {
      errors.push(`${source.file}: ${problem}`);
      continue;
    }
    const parts = callCedar(() => wasm.policySetTextToParts(source.text));
    if (parts.type === 'failure') {
      for (const m of describeCedarErrors(parts.errors, source.text)) errors.push(`${source.file}: ${m}`);
      continue;
    }
    if (parts.policy_templates.length > 0)
      errors.push(`${source.file}: policy templates (?principal, ?resource) are not supported`);
    parts.policies.forEach((text, index) => {
      const where = `${source.file}: policy #${index + 1} (${summarize(text)})`;
      const json = callCedar(() => wasm.policyToJson(text));
      if (json.type === 'failure') {
        errors.push(`${where}: ${describeCedarErrors(json.errors).join('; ')}`);
        return;
      }
      const annotations = { ...(json.json.annotations ?? {}) };
      const id = annotations['id'];
      if (id === undefined) {
        errors.push(`${where}: missing @id("…")`);
        return;
      }
      const effect = json.json.effect;
      const checked = checkAnnotations(effect, annotations);
      for (const e of checked.errors) errors.push(`${source.file}: policy "${id.slice(0, 128)}": ${e}`);
      if (checked.errors.length > 0) return;
      const previous = byId.get(id);
      if (previous) {
        errors.push(`${source.file}: duplicate @id("${id}"), already used in ${previous.file}`);
        return;
      }
      const policy: LoadedPolicy = { id, effect, file: source.file, text, annotations, ...checked.info };
      byId.set(id, policy);
      policies.push(policy);
    });
  }
  if (policies.length > POLICY_LIMITS.maxPolicies)
    errors.push(`${policies.length} policies, more than the ${POLICY_LIMITS.maxPolicies} allowed`);
  if (errors.length > 0) return fail();

  const staticPolicies = Object.fromEntries(policies.map((p) => [p.id, p.text]));
  const validation = callCedar(() =>
    wasm.validate({
      schema: schema.text,
      policies: { staticPolicies },
      validationSettings: { mode: 'strict' },
    }),
  );
  if (validation.type === 'failure') {
    errors.push(...describeCedarErrors(validation.errors).map((m) => `validation failed: ${m}`));
    return fail();
  }
  for (const { policyId, error } of validation.validationErrors)
    errors.push(`${byId.get(policyId)?.file ?? '?'}: policy "${policyId}": ${error.message}`);
  for (const { policyId, error } of validation.validationWarnings)
    warnings.push(`${byId.get(policyId)?.file ?? '?'}: policy "${policyId}": ${error.message}`);
  if (errors.length > 0) return fail();

  errors.push(...probeSchema(schema));
  if (errors.length > 0) return fail();

  return {
    ok: true,
    set: {
      version: policySetVersion(schema.text, policies),
      schemaFile: schema.file,
      schemaText: schema.text,
      policies,
    },
    warnings,
    ignored: [],
  };
}

/**
 * A schema that parses may still not describe the requests the engine sends (a renamed
 * attribute, a missing action); every decision would then fail. Catch that at load time.
 */
function probeSchema(schema: SourceFile): string[] {
  const prepared = callCedar(() => wasm.preparseSchema(PROBE_SCHEMA, schema.text));
  if (prepared.type === 'failure')
    return describeCedarErrors(prepared.errors).map((m) => `${schema.file}: ${m}`);
  callCedar(() => wasm.preparsePolicySet(PROBE_POLICIES, { staticPolicies: {} }));
  const problems = new Set<string>();
  for (const request of probeRequests()) {
    const answer = callCedar(() =>
      wasm.statefulIsAuthorized({
        ...toCedarRequest(request),
        preparsedPolicySetId: PROBE_POLICIES,
        preparsedSchemaName: PROBE_SCHEMA,
        validateRequest: true,
      }),
    );
    if (answer.type === 'failure')
      for (const m of describeCedarErrors(answer.errors))
        problems.add(`${schema.file}: does not describe the engine's "${request.action}" request: ${m}`);
  }
  return [...problems];
}

/** The content hash of a policy set: `sha256:` over the schema and every `@id` and its text. */
export function policySetVersion(
  schemaText: string,
  policies: readonly { id: string; text: string }[],
): string {
  const hash = createHash('sha256');
  const field = (s: string): void => {
    hash.update(`${Buffer.byteLength(s)}:`);
    hash.update(s);
  };
  field(schemaText);
  for (const p of [...policies].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    field(p.id);
    field(p.text);
  }
  return `sha256:${hash.digest('hex')}`;
}

function summarize(text: string): string {
  const head = text.replace(/\s+/g, ' ').replace(/^(@\w+(\("(?:[^"\\]|\\.)*"\))?\s*)*/, '');
  return head.length > 48 ? `${head.slice(0, 48)}…` : head;
}
