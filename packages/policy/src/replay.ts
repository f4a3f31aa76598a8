import type { Obligations } from './annotations.js';
import { PolicyEngine, type Decision } from './engine.js';
import type { LoadedPolicySet } from './loader.js';
import type { AuthzRequest } from './request.js';

/** What one decision came to, in the terms a policy change can alter. */
export interface ReplayOutcome {
  decision: 'allow' | 'deny';
  /** True when the deny would turn into an allow after a fresh MFA check. */
  stepUp: boolean;
  /** Merged obligations; only on an allow. */
  obligations?: Obligations;
  determiningPolicies: string[];
}

/** One recorded decision to replay: the exact request that was decided, and a caller's reference. */
export interface ReplayCase {
  /** The caller's reference, e.g. the audit event id. */
  ref: string;
  request: AuthzRequest;
  /** What was decided when the request was recorded, if known. */
  recorded?: 'allow' | 'deny';
}

/** How an outcome changed. A change can have several kinds (e.g. tighter and looser obligations). */
export type ChangeKind =
  | 'allow-to-deny'
  | 'deny-to-allow'
  | 'step-up-added'
  | 'step-up-removed'
  | 'obligations-tightened'
  | 'obligations-loosened'
  | 'obligations-changed';

/** Every {@link ChangeKind}, in report order. */
export const CHANGE_KINDS: readonly ChangeKind[] = [
  'allow-to-deny',
  'deny-to-allow',
  'step-up-added',
  'step-up-removed',
  'obligations-tightened',
  'obligations-loosened',
  'obligations-changed',
];

/** One obligation whose value differs between the two outcomes. */
export interface ObligationChange {
  field: keyof Obligations;
  before: number | string | string[] | boolean;
  after: number | string | string[] | boolean;
  direction: 'tightened' | 'loosened' | 'changed';
}

/** A recorded decision that the new policy set would decide differently. */
export interface ReplayChange {
  ref: string;
  action: AuthzRequest['action'];
  principal: string;
  /** Target name, or `gateway`. */
  resource: string;
  before: ReplayOutcome;
  after: ReplayOutcome;
  kinds: ChangeKind[];
  obligations: ObligationChange[];
}

/** The outcome of {@link replayDecisions}. */
export interface ReplayReport {
  /** Version of the set the history was compared against (the active one). */
  beforeVersion: string;
  /** Version of the proposed set. */
  afterVersion: string;
  replayed: number;
  unchanged: number;
  changes: ReplayChange[];
  /** How many changes have each kind. */
  counts: Record<ChangeKind, number>;
  /**
   * Recorded decisions the active set itself decides differently today (they were made under an
   * earlier version): not caused by this change, reported so nobody mistakes them for it.
   */
  drifted: number;
}

/** Reduces a decision to what {@link replayDecisions} compares. */
export function outcomeOf(decision: Decision): ReplayOutcome {
  const outcome: ReplayOutcome = {
    decision: decision.allowed ? 'allow' : 'deny',
    stepUp: decision.stepUp === 'mfa',
    determiningPolicies: decision.determiningPolicies,
  };
  if (decision.obligations !== undefined) outcome.obligations = decision.obligations;
  return outcome;
}

/**
 * Replays recorded requests against two policy sets — the active one (`before`) and a proposed
 * one (`after`) — and lists every request they decide differently: allow↔deny, step-up, and
 * obligations tightened, loosened or changed. Comparing two sets on the same requests shows the
 * effect of this change alone, not of earlier deployments since the request was recorded.
 *
 * @example
 * const report = replayDecisions(active, proposed, history);
 * for (const c of report.changes) console.log(c.kinds.join(','), c.principal, c.action, c.resource);
 */
export function replayDecisions(
  before: LoadedPolicySet,
  after: LoadedPolicySet,
  cases: readonly ReplayCase[],
): ReplayReport {
  const engines = [before, after].map((set) => {
    const engine = new PolicyEngine();
    const errors = engine.activate(set);
    if (errors.length > 0)
      throw new TypeError(`replayDecisions: a policy set cannot be activated: ${errors[0]}`);
    return engine;
  });
  const counts = Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
  const changes: ReplayChange[] = [];
  let drifted = 0;
  for (const item of cases) {
    const was = outcomeOf(engines[0]!.authorize(item.request));
    if (item.recorded !== undefined && item.recorded !== was.decision) drifted++;
    const now = outcomeOf(engines[1]!.authorize(item.request));
    const change = compareOutcomes(was, now);
    if (change.kinds.length === 0) continue;
    for (const kind of change.kinds) counts[kind]++;
    changes.push({
      ref: item.ref,
      action: item.request.action,
      principal: item.request.principal.id,
      resource: item.request.resource.kind === 'target' ? item.request.resource.name : 'gateway',
      before: was,
      after: now,
      ...change,
    });
  }
  return {
    beforeVersion: before.version,
    afterVersion: after.version,
    replayed: cases.length,
    unchanged: cases.length - changes.length,
    changes,
    counts,
    drifted,
  };
}

/** The kinds of change between two outcomes of the same request; empty when they agree. */
export function compareOutcomes(
  before: ReplayOutcome,
  after: ReplayOutcome,
): { kinds: ChangeKind[]; obligations: ObligationChange[] } {
  if (before.decision !== after.decision)
    return { kinds: [before.decision === 'allow' ? 'allow-to-deny' : 'deny-to-allow'], obligations: [] };
  if (before.decision === 'deny') {
    if (before.stepUp === after.stepUp) return { kinds: [], obligations: [] };
    return { kinds: [after.stepUp ? 'step-up-added' : 'step-up-removed'], obligations: [] };
  }
  const obligations = compareObligations(before.obligations, after.obligations);
  const kinds: ChangeKind[] = [];
  for (const [direction, kind] of [
    ['tightened', 'obligations-tightened'],
    ['loosened', 'obligations-loosened'],
    ['changed', 'obligations-changed'],
  ] as const)
    if (obligations.some((o) => o.direction === direction)) kinds.push(kind);
  return { kinds, obligations };
}

function compareObligations(a: Obligations | undefined, b: Obligations | undefined): ObligationChange[] {
  if (a === undefined || b === undefined) return [];
  const out: ObligationChange[] = [];
  const lower = (field: 'maxDurationSec' | 'idleTimeoutSec'): void => {
    if (a[field] !== b[field])
      out.push({
        field,
        before: a[field],
        after: b[field],
        direction: b[field] < a[field] ? 'tightened' : 'loosened',
      });
  };
  lower('maxDurationSec');
  lower('idleTimeoutSec');
  if (a.approvals !== b.approvals)
    out.push({
      field: 'approvals',
      before: a.approvals,
      after: b.approvals,
      direction: b.approvals > a.approvals ? 'tightened' : 'loosened',
    });
  // who may approve only matters when approvals are needed on both sides
  const bothNeedApproval = a.approvals > 0 && b.approvals > 0;
  const groupsBefore = new Set(a.approverGroups);
  const groupsAfter = new Set(b.approverGroups);
  const removed = [...groupsBefore].some((g) => !groupsAfter.has(g));
  const added = [...groupsAfter].some((g) => !groupsBefore.has(g));
  if (bothNeedApproval && (removed || added))
    out.push({
      field: 'approverGroups',
      before: a.approverGroups,
      after: b.approverGroups,
      // fewer groups whose members may approve is stricter; more is looser
      direction: removed && added ? 'changed' : removed ? 'tightened' : 'loosened',
    });
  if (a.masking !== b.masking)
    out.push({
      field: 'masking',
      before: a.masking,
      after: b.masking,
      direction: b.masking === 'strict' ? 'tightened' : 'loosened',
    });
  if (a.keepArtifactsSec !== b.keepArtifactsSec)
    out.push({
      field: 'keepArtifactsSec',
      before: a.keepArtifactsSec,
      after: b.keepArtifactsSec,
      direction: 'changed',
    });
  if ((a.maxInstances ?? 0) !== (b.maxInstances ?? 0)) {
    const [before, after] = [a.maxInstances || Infinity, b.maxInstances || Infinity];
    out.push({
      field: 'maxInstances',
      before: a.maxInstances ?? 0,
      after: b.maxInstances ?? 0,
      direction: after < before ? 'tightened' : 'loosened',
    });
  }
  if ((a.outlivesLogin ?? false) !== (b.outlivesLogin ?? false))
    out.push({
      field: 'outlivesLogin',
      before: a.outlivesLogin ?? false,
      after: b.outlivesLogin ?? false,
      direction: b.outlivesLogin ? 'loosened' : 'tightened',
    });
  return out;
}
