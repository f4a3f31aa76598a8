import { GloveboxError, isGloveboxError, type Clock } from '@glovebox/core';
import {
  type AgentHello,
  type AgentResult,
  type DebugAction,
  type InstanceResult,
  type InstanceSelector,
} from '@glovebox/protocol';
import { mergeCounts, type RedactionCounts, type Redactor } from '@glovebox/redact';
import { redactSqlLiterals } from '@glovebox/sql';
import type { AccessRequestRecord, Store } from '../store/index.js';
import { prepareAction, type PreparedAction } from './action-context.js';
import type { LiveFeed } from './live-feed.js';
import type { AccessService, SessionRead } from './access.js';
import type { CallOptions } from './agent-hub.js';
import type { AuditService } from './audit-service.js';
import type { Actor } from './identity.js';
import type { ArtifactReceiver, HeapArtifacts } from './heap-artifacts.js';
import { selectInstances, type InstanceRef } from './instances.js';
import { ActionStream } from './action-stream.js';
import { joinable, joinLateInstances, type Part } from './action-join.js';

export interface ActionServiceConfig {
  clock: Clock;
  store: Store;
  /** Where released stream pieces are published for live watchers. */
  live: LiveFeed;
  access: AccessService;
  /** Reaches the agents: on this replica's connection or through the replica holding it. */
  hub: {
    call(options: CallOptions): Promise<AgentResult>;
    /** Every connected instance of a target, on any replica. */
    instances(agent: string): Promise<InstanceRef[]>;
  };
  audit: AuditService;
  /** Where heap snapshots are received, checked and held for download. */
  artifacts: HeapArtifacts;
  /** Gateway-side redactors by masking level: the second pass over everything an agent returns. */
  redactors: { standard: Redactor; strict: Redactor };
}

export interface ActionOutput {
  /** The instances reached; with several, `result` is `{ instances: InstanceResult[] }`. */
  instances: string[];
  result: unknown;
  redactions: RedactionCounts;
  auditEventId: string;
}

export interface RunOptions {
  onStream?: (data: unknown) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Which instances of the target; default all of them (within the session's limit). */
  instances?: InstanceSelector;
}

interface RunContext {
  actor: Actor;
  session: AccessRequestRecord;
  action: DebugAction;
  params: Record<string, unknown>;
  base: { actor: { kind: 'user'; id: string }; sessionId: string; action: DebugAction; target: string };
  options: RunOptions;
}

/**
 * Runs one debug action: authorize with current context → durable intent event → signed call to
 * each instance reached → second-pass redaction → durable result event per instance → release
 * (several instances: merged, each labelled). If either audit write fails, nothing is forwarded
 * or nothing is released.
 */
export class ActionService {
  readonly #c: ActionServiceConfig;

  constructor(config: ActionServiceConfig) {
    this.#c = config;
  }

  /** Classifies the parameters; a refusal (an invalid call, a command not allow-listed) is audited. */
  async #prepare(
    actor: Actor,
    read: SessionRead,
    action: DebugAction,
    params: Record<string, unknown>,
    hello: AgentHello | null,
  ): Promise<PreparedAction> {
    try {
      return prepareAction(action, params, hello);
    } catch (error) {
      if (read.session && isGloveboxError(error))
        await this.#c.audit.record({
          type: 'action.denied',
          actor: { kind: 'user', id: actor.name },
          sessionId: read.session.id,
          action,
          target: read.session.target,
          outcome: 'denied',
          details: { refused: error.code, message: error.message },
        });
      throw error;
    }
  }

  async run(
    actor: Actor,
    read: SessionRead,
    action: DebugAction,
    params: Record<string, unknown>,
    options: RunOptions = {},
  ): Promise<ActionOutput> {
    await this.#c.access.admitAction(actor, read, action);
    const connected = read.session ? await this.#c.hub.instances(read.session.target) : [];
    const prepared = await this.#prepare(actor, read, action, params, connected[0]?.hello ?? null);
    const { session, decision } = await this.#c.access.authorizeAction(
      actor,
      read,
      action,
      prepared.policyContext,
      prepared.params,
    );
    params = prepared.params;
    const base = {
      actor: { kind: 'user' as const, id: actor.name },
      sessionId: session.id,
      action,
      target: session.target,
    };
    let chosen: InstanceRef[] | undefined;
    let refusal: unknown;
    const limit = session.obligations.maxInstances ?? 0;
    try {
      chosen = selectInstances(session.target, action, connected, options.instances ?? {}, limit);
    } catch (error) {
      refusal = error;
    }
    const intent = await this.#c.audit.record({
      ...base,
      type: 'action.intent',
      decision,
      outcome: 'pending',
      details: {
        params: action === 'query' ? { ...params, sql: redactSqlLiterals(String(params.sql)) } : params,
        policyContext: prepared.policyContext,
        instances: chosen?.map((i) => i.id) ?? [],
        ...(options.instances ? { selector: options.instances } : {}),
      },
    });
    if (!chosen) {
      const code = refusal instanceof GloveboxError ? refusal.code : 'GBX_INTERNAL';
      await this.#c.audit.record({
        ...base,
        type: 'action.result',
        outcome: 'failure',
        details: { error: code },
      });
      throw refusal;
    }
    const run = { actor, session, action, params, base, options };
    const everyInstance =
      options.instances?.instance === undefined && options.instances?.sample === undefined;
    const joins = joinable(action, everyInstance, params);
    if (chosen.length === 1 && !joins) {
      const one = chosen[0]!;
      return { ...(await this.#runOn(one, run, false)), instances: [one.id] };
    }
    const startedAt = this.#c.clock.now();
    const parts: Part<Omit<ActionOutput, 'instances'>>[] = chosen.map((ref) => ({
      ref,
      outcome: this.#runOn(ref, run, true),
    }));
    await joinLateInstances(
      {
        target: session.target,
        action,
        params,
        everyInstance,
        maxInstances: limit,
        startedAt,
        now: () => this.#c.clock.now(),
        ...(options.signal ? { signal: options.signal } : {}),
        instances: (target) => this.#c.hub.instances(target),
        join: (ref, joinParams) => this.#join(ref, run, prepared.policyContext, joinParams),
      },
      parts,
    );
    const settled = await Promise.allSettled(parts.map((p) => p.outcome));
    const only = settled[0];
    if (parts.length === 1 && only?.status === 'fulfilled')
      return { ...only.value, instances: [parts[0]!.ref.id] };
    const redactions: RedactionCounts = {};
    const results: InstanceResult[] = settled.map((outcome, n) => {
      const i = parts[n]!.ref;
      const label = { instance: i.id, host: i.hello.runtime.hostname, pid: i.hello.runtime.pid };
      if (outcome.status === 'fulfilled') {
        mergeCounts(redactions, outcome.value.redactions);
        return { ...label, ok: true, result: outcome.value.result };
      }
      const e: unknown = outcome.reason;
      const known = e instanceof GloveboxError;
      return {
        ...label,
        ok: false,
        error: { code: known ? e.code : 'GBX_INTERNAL', message: known ? e.message : 'internal error' },
      };
    });
    const failed = settled.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed && results.every((r) => !r.ok)) throw failed.reason;
    return {
      instances: parts.map((p) => p.ref.id),
      result: { instances: results },
      redactions,
      auditEventId: intent.id,
    };
  }

  /** An instance that connected while the action runs on every instance: authorized again, audited, run. */
  async #join(
    ref: InstanceRef,
    run: RunContext,
    policyContext: Record<string, unknown>,
    params: Record<string, unknown>,
  ): Promise<Omit<ActionOutput, 'instances'>> {
    const { session, decision } = await this.#c.access.authorizeAction(
      run.actor,
      await this.#c.access.readSession(run.session.id),
      run.action,
      policyContext,
      params,
    );
    await this.#c.audit.record({
      ...run.base,
      type: 'action.intent',
      decision,
      outcome: 'pending',
      details: { params, policyContext, instances: [ref.id], joined: true },
    });
    return this.#runOn(ref, { ...run, session, params }, true);
  }

  /** Runs the authorized action on one instance: signed call, second pass, durable result event. */
  async #runOn(
    instance: InstanceRef,
    run: RunContext,
    label: boolean,
  ): Promise<Omit<ActionOutput, 'instances'>> {
    const { actor, session, action, params, options } = run;
    const redactor = this.#c.redactors[session.obligations.masking];
    const { base } = run;
    const started = this.#c.clock.now();
    const stream = new ActionStream(this.#c, redactor, {
      actor: actor.name,
      session,
      action,
      onStream: options.onStream,
      label: label ? instance.id : undefined,
    });
    const { artifact, onStream } = stream;
    const streamCounts = stream.counts;
    let outcome: AgentResult;
    try {
      outcome = await this.#c.hub.call({
        session,
        instance: instance.id,
        action,
        params,
        masking: session.obligations.masking,
        ...(onStream ? { onStream } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
    } catch (error) {
      await stream.abandon();
      const code = error instanceof GloveboxError ? error.code : 'GBX_INTERNAL';
      await this.#c.audit.record({
        ...base,
        type: 'action.result',
        outcome: 'failure',
        details: { instance: instance.id, error: code, durationMs: this.#c.clock.now() - started },
      });
      throw error;
    }
    const recording = await stream.finish();
    const durationMs = this.#c.clock.now() - started;
    if (!outcome.ok) {
      artifact?.abort();
      const message = redactor.redactText(outcome.error?.message ?? 'the agent refused the action').text;
      await this.#c.audit.record({
        ...base,
        type: 'action.result',
        outcome: 'failure',
        details: { instance: instance.id, error: outcome.error?.code ?? 'unknown', message, durationMs },
      });
      throw new GloveboxError('GBX_AGENT_REFUSED', message, {
        details: { agentCode: outcome.error?.code ?? 'unknown' },
      });
    }
    const stored = artifact ? await this.#receive(artifact, outcome.result, base, started) : undefined;
    if (stored) mergeCounts(streamCounts, stored.counts);
    const second = redactor.redactValue(outcome.result ?? null);
    const redactions = mergeCounts(
      mergeCounts({ ...(outcome.redactions ?? {}) }, streamCounts),
      second.counts,
    );
    const event = await this.#c.audit.record({
      ...base,
      type: 'action.result',
      outcome: 'success',
      details: {
        instance: instance.id,
        durationMs,
        bytes: JSON.stringify(second.value ?? null).length + stream.bytes,
        accessed: outcome.accessed ?? {},
        redactions,
        gatewayRedactions: mergeCounts({ ...streamCounts }, second.counts),
        ...(recording ? { recording } : {}),
        ...(stored ? { artifact: stored.audit } : {}),
      },
    });
    if (!stored) return { result: second.value, redactions, auditEventId: event.id };
    const released = this.#c.artifacts.release(stored.audit.id);
    const result = {
      ...(second.value as Record<string, unknown>),
      artifact: {
        id: released.id,
        sha256: released.sha256,
        bytes: released.bytes,
        expiresAt: released.expiresAt,
      },
    };
    return { result, redactions, auditEventId: event.id };
  }

  /** Ends a heap snapshot's transfer; a bad one is audited as a failure and thrown. */
  async #receive(
    artifact: ArtifactReceiver,
    result: unknown,
    base: { actor: { kind: 'user'; id: string }; sessionId: string; action: DebugAction; target: string },
    started: number,
  ) {
    try {
      const agentSha256 = (result as { sha256?: unknown } | null)?.sha256;
      const done = await artifact.finish(agentSha256);
      const audit = {
        id: done.record.id,
        sha256: done.record.sha256,
        agentSha256: done.inputSha256,
        bytes: done.record.bytes,
        keepSec: done.record.keep ? done.record.expiresAt / 1000 : 0,
        gatewayChangedStrings: done.changed,
      };
      return { audit, counts: done.counts };
    } catch (error) {
      const code = error instanceof GloveboxError ? error.code : 'GBX_INTERNAL';
      await this.#c.audit.record({
        ...base,
        type: 'action.result',
        outcome: 'failure',
        details: { error: code, durationMs: this.#c.clock.now() - started },
      });
      throw error;
    }
  }
}
