import { systemClock, type Clock } from '@glovebox/core';
import { canonicalJson } from '@glovebox/protocol';
import { mergeObligations, mergeStated, withDefaults, type Obligations } from './annotations.js';
import {
  callCedar,
  CedarTrapError,
  cedarTrapped,
  describeCedarErrors,
  sanitizeCedarMessage,
  wasm,
} from './cedar.js';
import { loadPolicyDir } from './bundle.js';
import type { LoadedPolicy, LoadedPolicySet } from './loader.js';
import { authzRequestSchema, GATEWAY_ACTIONS, toCedarRequest, type AuthzRequest } from './request.js';

/** The answer to one {@link AuthzRequest}. */
export interface Decision {
  allowed: boolean;
  /** `@id`s of the permits that allowed, or of the forbids (or failing policies) that denied. */
  determiningPolicies: string[];
  /** Version of the policy set that decided, or `"none"` when no set is loaded. */
  policyVersion: string;
  /** Merged obligations of the determining permits; present only when allowed. */
  obligations?: Obligations;
  /**
   * What the determining permits state, merged, without defaults; present only when allowed. A
   * caller combining several decisions (a request and its actions) merges these, so a permit that
   * states no duration does not impose the default one.
   */
  stated?: Partial<Obligations>;
  /** `@reason` texts of the determining forbids. */
  reasons: string[];
  /** Set when only `@stepUp("mfa")` forbids denied and a fresh MFA check would allow. */
  stepUp?: 'mfa';
  /** Why the decision could not be evaluated; any entry means deny. Safe to log. */
  errors: string[];
  /**
   * On a deny, the error code the caller should answer with: `GBX_STEP_UP_REQUIRED` when
   * `stepUp` is set, `GBX_POLICY_UNAVAILABLE` when no policy set is loaded, else `GBX_POLICY_DENIED`.
   */
  code?: 'GBX_POLICY_DENIED' | 'GBX_POLICY_UNAVAILABLE' | 'GBX_STEP_UP_REQUIRED';
}

/** The structured logger the engine reports to; pino's `(object, message)` signature. */
export interface PolicyLogger {
  info(object: Record<string, unknown>, message: string): void;
  error(object: Record<string, unknown>, message: string): void;
}

/** Options of a {@link PolicyEngine}. */
export interface PolicyEngineConfig {
  logger?: PolicyLogger;
  clock?: Clock;
}

/** The outcome of {@link PolicyEngine.reload}. */
export interface ReloadResult {
  /** True when the directory was valid and is now active. */
  ok: boolean;
  /** Version active after the reload (the previous one when the new set was refused). */
  version: string | undefined;
  previousVersion: string | undefined;
  /** True when the active version changed. */
  changed: boolean;
  errors: string[];
  warnings: string[];
}

/** One policy as {@link PolicyEngine.describe} shows it. */
export interface PolicyDescription {
  id: string;
  effect: 'permit' | 'forbid';
  file: string;
  annotations: Record<string, string>;
  /** Effective obligations of a permit, defaults filled in. */
  obligations?: Obligations;
  reason?: string;
  stepUp?: 'mfa';
  description?: string;
  text: string;
}

/** The active policy set, for the web policy view and the `policy` endpoints. */
export interface PolicySetDescription {
  version: string | undefined;
  /** ISO time the active set was activated. */
  loadedAt: string | undefined;
  schema: string | undefined;
  policies: PolicyDescription[];
}

interface ActiveSet {
  set: LoadedPolicySet;
  slot: string;
  byId: Map<string, LoadedPolicy>;
  loadedAt: number;
  /**
   * Decisions of this set by the canonical JSON of the validated request (ADR 0026). Cedar is a
   * pure function of the set and the request (its entities come from the request, its context
   * holds the clock-derived fields), so an equal request gets an equal decision; a new set starts
   * empty. Bounded: the oldest entry goes first.
   */
  decisions: Map<string, Decision>;
}

/** How many decisions an active set keeps. */
const DECISION_CACHE_SIZE = 4096;

/** A decision as the cache hands it out: frozen, so no caller can change what the next one gets. */
function frozen(decision: Decision): Decision {
  for (const value of Object.values(decision))
    if (typeof value === 'object' && value !== null) Object.freeze(value);
  return Object.freeze(decision);
}

let engineCounter = 0;

/** The decision cache's key for a validated request; undefined when it has no canonical form. */
function cacheKey(request: AuthzRequest): string | undefined {
  try {
    return canonicalJson(request);
  } catch {
    return undefined;
  }
}

/** The validated request behind each decision an engine returned (see {@link decisionRequest}). */
const requests = new WeakMap<Decision, AuthzRequest>();

/**
 * The exact request a decision answered, as the engine validated it; undefined for decisions
 * the engine did not make or whose request was invalid. Lets whoever records a decision (the
 * audit trail) keep what is needed to replay it later without threading the request through
 * every caller.
 */
export function decisionRequest(decision: Decision): AuthzRequest | undefined {
  return requests.get(decision);
}

/**
 * Cedar policy decision point: a prepared policy set evaluated with the entity slice of each
 * request. Fails closed: with no valid set, on an invalid request, and on any evaluation error
 * (Cedar itself skips a forbid that errors), the decision is a deny.
 *
 * @example
 * const engine = new PolicyEngine({ logger });
 * await engine.reload('examples/policies');
 * const decision = engine.authorize(request);
 */
export class PolicyEngine {
  readonly #logger: PolicyLogger | undefined;
  readonly #clock: Clock;
  readonly #name = `glovebox-engine-${++engineCounter}`;
  #active: ActiveSet | undefined;
  #nextSlot = 0;
  #reloading: Promise<unknown> = Promise.resolve();

  constructor(config: PolicyEngineConfig = {}) {
    this.#logger = config.logger;
    this.#clock = config.clock ?? systemClock;
  }

  /** Creates an engine and loads `dir`; an invalid directory leaves it denying everything. */
  static async fromDir(
    dir: string,
    config: PolicyEngineConfig = {},
  ): Promise<{ engine: PolicyEngine; result: ReloadResult }> {
    const engine = new PolicyEngine(config);
    return { engine, result: await engine.reload(dir) };
  }

  /** Version (content hash) of the active policy set; undefined when none is loaded. */
  get version(): string | undefined {
    return this.#active?.set.version;
  }

  /** True when a valid policy set is active and Cedar is usable (for `/readyz`). */
  get ready(): boolean {
    return this.#active !== undefined && !cedarTrapped();
  }

  /**
   * Loads `dir` and activates it atomically. An invalid directory keeps the last good set active
   * (or none), logs every error at `error` level and returns them. Reloads run one at a time.
   */
  reload(dir: string): Promise<ReloadResult> {
    const run = this.#reloading.then(() => this.#reloadNow(dir));
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  async #reloadNow(dir: string): Promise<ReloadResult> {
    const previousVersion = this.version;
    const loaded = await loadPolicyDir(dir);
    if (!loaded.ok) return this.#refused(previousVersion, loaded.errors, loaded.warnings);
    const errors = this.activate(loaded.set);
    if (errors.length > 0) return this.#refused(previousVersion, errors, loaded.warnings);
    const result: ReloadResult = {
      ok: true,
      version: this.version,
      previousVersion,
      changed: this.version !== previousVersion,
      errors: [],
      warnings: loaded.warnings,
    };
    this.#logger?.info(
      {
        policyVersion: this.version,
        previousVersion,
        policies: loaded.set.policies.length,
        warnings: loaded.warnings,
      },
      result.changed ? 'policy set activated' : 'policy set unchanged',
    );
    return result;
  }

  #refused(previousVersion: string | undefined, errors: string[], warnings: string[]): ReloadResult {
    this.#logger?.error(
      { errors, keptVersion: previousVersion ?? null },
      previousVersion === undefined
        ? 'policy set REFUSED; no policy set is active, every request is denied'
        : 'policy set REFUSED; keeping the last good policy set',
    );
    return { ok: false, version: previousVersion, previousVersion, changed: false, errors, warnings };
  }

  /**
   * Activates an already compiled set (from {@link loadPolicyDir} or {@link compilePolicySet}).
   * Prepares it in the inactive of two Cedar cache slots, then swaps; returns errors, if any,
   * in which case the active set is unchanged.
   */
  activate(set: LoadedPolicySet): string[] {
    const slot = `${this.#name}-${this.#nextSlot}`;
    try {
      const schema = callCedar(() => wasm.preparseSchema(slot, set.schemaText));
      if (schema.type === 'failure') return describeCedarErrors(schema.errors);
      const staticPolicies = Object.fromEntries(set.policies.map((p) => [p.id, p.text]));
      const policies = callCedar(() => wasm.preparsePolicySet(slot, { staticPolicies }));
      if (policies.type === 'failure') return describeCedarErrors(policies.errors);
    } catch (error) {
      if (error instanceof CedarTrapError) return [error.message];
      throw error;
    }
    this.#nextSlot = 1 - this.#nextSlot;
    this.#active = {
      set,
      slot,
      byId: new Map(set.policies.map((p) => [p.id, p])),
      loadedAt: this.#clock.now(),
      decisions: new Map(),
    };
    return [];
  }

  /**
   * Decides one request. Never throws: anything unexpected is a deny with an explanation in
   * `errors`. A deny caused only by `@stepUp("mfa")` forbids is re-evaluated as if MFA were
   * fresh, so `stepUp` is only offered when an MFA check would actually change the answer.
   */
  authorize(request: AuthzRequest): Decision {
    const active = this.#active;
    if (active === undefined)
      return { ...deny('none', [], ['no valid policy set is loaded']), code: 'GBX_POLICY_UNAVAILABLE' };
    const parsed = authzRequestSchema.safeParse(request);
    if (!parsed.success)
      return deny(
        active.set.version,
        [],
        parsed.error.issues.map((i) => `invalid request: ${i.path.join('.') || '(root)'}: ${i.message}`),
      );
    // zod types absent optionals as `T | undefined`; toCedarRequest skips undefined fields.
    const valid = parsed.data as AuthzRequest;
    const key = cedarTrapped() ? undefined : cacheKey(valid);
    const cached = key === undefined ? undefined : active.decisions.get(key);
    const decision = cached ? { ...cached } : this.#decide(active, valid);
    if (key !== undefined && !cached) {
      if (active.decisions.size >= DECISION_CACHE_SIZE)
        active.decisions.delete(active.decisions.keys().next().value!);
      active.decisions.set(key, frozen({ ...decision }));
    }
    requests.set(decision, valid);
    return decision;
  }

  #decide(active: ActiveSet, valid: AuthzRequest): Decision {
    const first = this.#evaluate(active, valid);
    if (first.allowed || first.errors.length > 0 || first.determiningPolicies.length === 0) return first;
    const onlyStepUp = first.determiningPolicies.every((id) => active.byId.get(id)?.stepUp === 'mfa');
    if (!onlyStepUp) return first;
    const fresh = this.#evaluate(active, { ...valid, context: { ...valid.context, mfaAgeSec: 0 } });
    return fresh.allowed ? { ...first, stepUp: 'mfa', code: 'GBX_STEP_UP_REQUIRED' } : first;
  }

  #evaluate(active: ActiveSet, request: AuthzRequest): Decision {
    const version = active.set.version;
    if (request.resource.kind === 'gateway' && !GATEWAY_ACTIONS.has(request.action))
      return deny(version, [], [`action "${request.action}" applies to a target, not the gateway`]);
    let answer;
    try {
      answer = callCedar(() =>
        wasm.statefulIsAuthorized({
          ...toCedarRequest(request),
          preparsedPolicySetId: active.slot,
          preparsedSchemaName: active.slot,
          validateRequest: true,
        }),
      );
    } catch (error) {
      if (error instanceof CedarTrapError) {
        this.#logger?.error({ error: error.message }, 'Cedar engine failure; every request is denied');
        return deny(version, [], [error.message]);
      }
      throw error;
    }
    if (answer.type === 'failure')
      return deny(
        version,
        [],
        answer.errors.map((e) => `request rejected: ${sanitizeCedarMessage(e.message)}`),
      );
    const { decision, diagnostics } = answer.response;
    if (diagnostics.errors.length > 0) {
      const failed = [...new Set(diagnostics.errors.map((e) => e.policyId))].sort();
      return deny(
        version,
        failed,
        diagnostics.errors.map(
          (e) => `policy "${e.policyId}" failed to evaluate: ${sanitizeCedarMessage(e.error.message)}`,
        ),
      );
    }
    const determining = [...diagnostics.reason].sort();
    const policies = determining.map((id) => active.byId.get(id));
    if (decision === 'allow') {
      const permits = policies.filter((p): p is LoadedPolicy => p?.effect === 'permit');
      if (permits.length === 0 || permits.length !== determining.length)
        return deny(version, determining, ['allow without a determining permit']);
      return {
        allowed: true,
        determiningPolicies: determining,
        policyVersion: version,
        obligations: mergeObligations(permits.map((p) => p.obligations)),
        stated: mergeStated(permits.map((p) => p.obligations)),
        reasons: [],
        errors: [],
      };
    }
    const reasons = [...new Set(policies.flatMap((p) => (p?.reason === undefined ? [] : [p.reason])))];
    return deny(version, determining, [], reasons);
  }

  /** The active set: version, activation time, schema and every policy with its obligations. */
  describe(): PolicySetDescription {
    const active = this.#active;
    if (active === undefined)
      return { version: undefined, loadedAt: undefined, schema: undefined, policies: [] };
    return {
      version: active.set.version,
      loadedAt: new Date(active.loadedAt).toISOString(),
      schema: active.set.schemaText,
      policies: active.set.policies.map((p) => {
        const d: PolicyDescription = {
          id: p.id,
          effect: p.effect,
          file: p.file,
          annotations: { ...p.annotations },
          text: p.text,
        };
        if (p.effect === 'permit') d.obligations = withDefaults(p.obligations);
        if (p.reason !== undefined) d.reason = p.reason;
        if (p.stepUp !== undefined) d.stepUp = p.stepUp;
        if (p.description !== undefined) d.description = p.description;
        return d;
      }),
    };
  }
}

function deny(
  policyVersion: string,
  determiningPolicies: string[],
  errors: string[],
  reasons: string[] = [],
): Decision {
  return { allowed: false, determiningPolicies, policyVersion, reasons, errors, code: 'GBX_POLICY_DENIED' };
}
