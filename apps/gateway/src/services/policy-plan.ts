import { GloveboxError, type Clock } from '@glovebox/core';
import {
  bundleDigest,
  sortedBundle,
  type BundleFile,
  type ChangeKind,
  type PolicyBundle,
  type PolicyEngine,
  type ReplayCase,
  type ReplayChange,
  type TestReport,
} from '@glovebox/policy';
import type { Store } from '../store/index.js';
import type { AuditService } from './audit-service.js';
import { replayCaseOf } from './decision-replay.js';
import type { Actor } from './identity.js';
import { runPolicyJob, type PolicyJob, type PolicyJobResult } from './policy-jobs.js';

export interface PolicyPlanConfig {
  store: Store;
  engine: PolicyEngine;
  audit: AuditService;
  clock: Clock;
  runJob?: (job: PolicyJob) => Promise<PolicyJobResult>;
}

export interface PlanOptions {
  /** How far back to replay, in days. */
  days: number;
  /** Most decisions to replay; the newest are kept when there are more. */
  maxDecisions: number;
}

/** A change, with where in the audit trail its decision was recorded. */
export interface PlanChange extends ReplayChange {
  time: string;
  eventType: string;
  sessionId: string | null;
}

/** What `glovebox policy plan` prints. */
export interface PlanReport {
  since: string;
  until: string;
  activeVersion: string;
  proposedVersion: string;
  proposedDigest: string;
  tests: { ok: boolean; passed: number; failed: number; errors: string[] };
  /** Audit events read, and what could and could not be replayed. */
  history: {
    events: number;
    decisions: number;
    replayed: number;
    /** Replayed with free text (reason, ticket, command) as the audit trail keeps it: redacted. */
    redactedContext: number;
    /** Decisions recorded without a replayable request, by event type (recorded before this was kept). */
    unreplayable: {
      count: number;
      byType: Record<string, number>;
      oldest: string | null;
      newest: string | null;
    };
    /** True when more than `maxDecisions` decisions were found; the newest were replayed. */
    truncated: boolean;
  };
  unchanged: number;
  drifted: number;
  counts: Record<ChangeKind, number>;
  changes: PlanChange[];
}

const PAGE = 2000;
const MAX_CHANGES_LISTED = 1000;

interface HistoryEvent {
  id: string;
  type: string;
  time: string;
  sessionId?: string;
  decision?: { allowed: boolean };
  details?: Record<string, unknown>;
}

/**
 * Impact analysis: replays the decisions recorded in the audit trail over the last days against
 * the policy set this gateway runs and against a proposed bundle, in a worker thread, and lists
 * every decision the proposal would change. Reading the history is itself audited.
 */
export class PolicyPlanService {
  readonly #c: PolicyPlanConfig;
  readonly #run: (job: PolicyJob) => Promise<PolicyJobResult>;

  constructor(config: PolicyPlanConfig) {
    this.#c = config;
    this.#run = config.runJob ?? ((job) => runPolicyJob(job));
  }

  async plan(actor: Actor, proposedFiles: BundleFile[], options: PlanOptions): Promise<PlanReport> {
    const proposed = sortedBundle(proposedFiles);
    const active = this.#activeBundle();
    const until = new Date(this.#c.clock.now()).toISOString();
    const since = new Date(this.#c.clock.now() - options.days * 86_400_000).toISOString();
    const history = await this.#history(since, options.maxDecisions);
    const result = await this.#run({
      kind: 'plan',
      active,
      proposed,
      cases: history.cases,
      label: 'proposed bundle',
    });
    if (result.kind === 'check' && !result.ok)
      throw new GloveboxError('GBX_POLICY_INVALID', `the bundle is invalid: ${result.errors[0] ?? '?'}`, {
        details: { errors: result.errors.slice(0, 50) },
      });
    if (result.kind !== 'plan') throw new GloveboxError('GBX_INTERNAL', 'unexpected policy worker answer');
    const { report } = result;
    const report_: PlanReport = {
      since,
      until,
      activeVersion: report.beforeVersion,
      proposedVersion: report.afterVersion,
      proposedDigest: bundleDigest(proposed),
      tests: summary(result.tests),
      history: {
        events: history.events,
        decisions: history.decisions,
        replayed: report.replayed,
        redactedContext: history.redacted,
        unreplayable: history.unreplayable,
        truncated: history.truncated,
      },
      unchanged: report.unchanged,
      drifted: report.drifted,
      counts: report.counts,
      changes: report.changes.slice(0, MAX_CHANGES_LISTED).map((c) => {
        const at = history.where.get(c.ref);
        return { ...c, time: at?.time ?? '', eventType: at?.type ?? '', sessionId: at?.sessionId ?? null };
      }),
    };
    await this.#c.audit.record({
      type: 'policy.planned',
      actor: { kind: 'user', id: actor.name },
      outcome: 'success',
      details: {
        digest: report_.proposedDigest,
        days: options.days,
        replayed: report.replayed,
        changed: report.changes.length,
        counts: report.counts,
      },
    });
    return report_;
  }

  /** The set this replica enforces now, as a bundle (schema plus each file's policies). */
  #activeBundle(): PolicyBundle {
    const described = this.#c.engine.describe();
    if (described.version === undefined || described.schema === undefined)
      throw new GloveboxError('GBX_POLICY_UNAVAILABLE', 'no policy set is active to compare with');
    const byFile = new Map<string, string[]>();
    for (const p of described.policies) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p.text]);
    return {
      files: [
        { path: 'glovebox.cedarschema', text: described.schema },
        ...[...byFile].map(([path, texts]) => ({ path, text: texts.join('\n\n') })),
      ],
    };
  }

  async #history(since: string, maxDecisions: number) {
    const cases: ReplayCase[] = [];
    const where = new Map<string, HistoryEvent>();
    const seen = new Set<string>();
    const unreplayable = {
      count: 0,
      byType: {} as Record<string, number>,
      oldest: null as string | null,
      newest: null as string | null,
    };
    let events = 0;
    let decisions = 0;
    let redacted = 0;
    let after: number | undefined;
    for (;;) {
      const rows = await this.#c.store.queryAudit({
        since,
        order: 'asc',
        limit: PAGE,
        ...(after === undefined ? {} : { after }),
      });
      for (const row of rows) {
        events++;
        const event = JSON.parse(row.event) as HistoryEvent;
        const extract = replayCaseOf(event);
        if (extract.kind === 'none') continue;
        decisions++;
        if (extract.kind === 'unreplayable') {
          unreplayable.count++;
          unreplayable.byType[event.type] = (unreplayable.byType[event.type] ?? 0) + 1;
          unreplayable.oldest ??= event.time;
          unreplayable.newest = event.time;
          continue;
        }
        if (seen.has(extract.id)) continue; // one decision recorded by two events
        seen.add(extract.id);
        if (extract.redacted) redacted++;
        cases.push(extract.case);
        where.set(event.id, {
          id: event.id,
          type: event.type,
          time: event.time,
          ...(event.sessionId ? { sessionId: event.sessionId } : {}),
        });
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.seq;
    }
    const truncated = cases.length > maxDecisions;
    return {
      cases: truncated ? cases.slice(cases.length - maxDecisions) : cases,
      where,
      events,
      decisions,
      redacted,
      unreplayable,
      truncated,
    };
  }
}

function summary(tests: TestReport): PlanReport['tests'] {
  return { ok: tests.ok, passed: tests.passed, failed: tests.failed, errors: tests.errors.slice(0, 20) };
}
