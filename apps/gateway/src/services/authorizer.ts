import { GloveboxError, type Clock } from '@glovebox/core';
import type { PolicyAction } from '@glovebox/protocol';
import {
  MFA_NEVER_SEC,
  type AuthzRequest,
  type Decision,
  type PolicyContext,
  type PolicyEngine,
} from '@glovebox/policy';
import type { AgentRecord } from '../store/index.js';
import type { Actor } from './identity.js';

export interface AuthorizerConfig {
  engine: PolicyEngine;
  clock: Clock;
  /** IANA time zone used for `localHour` and `weekday` in policy context. */
  timeZone: string;
}

/** What a caller adds to the standard context for one decision. */
export type ContextExtras = Partial<Omit<PolicyContext, 'mfaAgeSec' | 'localHour' | 'weekday'>>;

/**
 * The one place every policy decision goes through (Teleport's ServerWithRoles idea): it builds
 * the context from the actor and the clock, asks the engine, and turns any failure into a deny.
 */
export class Authorizer {
  readonly #c: AuthorizerConfig;
  readonly #hourFormat: Intl.DateTimeFormat;
  #localTime: { minute: number; localHour: number; weekday: number } | undefined;

  constructor(config: AuthorizerConfig) {
    this.#c = config;
    this.#hourFormat = new Intl.DateTimeFormat('en-US', {
      timeZone: config.timeZone,
      hour: 'numeric',
      hourCycle: 'h23',
      weekday: 'short',
    });
  }

  get policyVersion(): string {
    return this.#c.engine.version ?? 'none';
  }

  /**
   * Local hour (0–23) and weekday (0 = Sunday) in the configured time zone. Both are constant
   * within a minute of UTC in every zone (offsets and their changes fall on whole minutes), so the
   * answer is kept for the minute.
   */
  localTime(at: number): { localHour: number; weekday: number } {
    const minute = Math.floor(at / 60_000);
    if (this.#localTime?.minute !== minute) {
      const parts = this.#hourFormat.formatToParts(new Date(at));
      const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
      const day = parts.find((p) => p.type === 'weekday')?.value ?? 'Sun';
      const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(day);
      this.#localTime = { minute, localHour: hour, weekday };
    }
    return { localHour: this.#localTime.localHour, weekday: this.#localTime.weekday };
  }

  /** The context every decision starts from. */
  baseContext(actor: Actor, extras: ContextExtras): PolicyContext {
    const now = this.#c.clock.now();
    const mfaAgeSec =
      actor.mfaAt === null
        ? MFA_NEVER_SEC
        : Math.min(MFA_NEVER_SEC, Math.max(0, Math.floor((now - actor.mfaAt) / 1000)));
    return {
      reason: '',
      breakGlass: false,
      requester: actor.name,
      ...extras,
      mfaAgeSec,
      ...this.localTime(now),
    };
  }

  /** Decides; never throws for policy reasons, and any engine failure is a deny. */
  decide(
    actor: Actor,
    action: PolicyAction,
    resource: AuthzRequest['resource'],
    extras: ContextExtras = {},
  ): Decision {
    const request: AuthzRequest = {
      principal: { id: actor.name, groups: actor.groups },
      action,
      resource,
      context: this.baseContext(actor, extras),
    };
    try {
      return this.#c.engine.authorize(request);
    } catch {
      return {
        allowed: false,
        determiningPolicies: [],
        policyVersion: this.#c.engine.version ?? 'none',
        reasons: ['policy evaluation failed'],
        errors: ['policy evaluation failed'],
      };
    }
  }

  /** Decides and throws GBX_POLICY_DENIED (or GBX_STEP_UP_REQUIRED) on a deny. */
  require(
    actor: Actor,
    action: PolicyAction,
    resource: AuthzRequest['resource'],
    extras: ContextExtras = {},
  ): Decision {
    const decision = this.decide(actor, action, resource, extras);
    if (!decision.allowed) throw deniedError(decision);
    return decision;
  }

  /** Administrative actions on the gateway itself. */
  requireGateway(actor: Actor, action: 'administer' | 'readAudit'): Decision {
    return this.require(actor, action, { kind: 'gateway' });
  }
}

/** The policy resource for a registered agent's target. Attributes come from the registration only. */
/**
 * Whether a `request` decision lets its caller know the target: allowed, or allowed after a fresh
 * MFA check. `glovebox targets` lists these; a request on any other answers as an unknown name.
 */
export function mayAskFor(decision: { allowed: boolean; stepUp?: 'mfa' }): boolean {
  return decision.allowed || decision.stepUp === 'mfa';
}

export function targetResource(agent: AgentRecord): AuthzRequest['resource'] {
  return { kind: 'target', name: agent.name, env: agent.env, owner: agent.owner, tags: agent.tags };
}

/** The error a denied decision becomes: step-up when only a fresh MFA is missing. */
export function deniedError(decision: Decision): GloveboxError {
  if (decision.stepUp === 'mfa') {
    return new GloveboxError(
      'GBX_STEP_UP_REQUIRED',
      'policy requires a fresh MFA check: run `glovebox mfa verify CODE`',
      {
        details: { reasons: decision.reasons, policies: decision.determiningPolicies },
      },
    );
  }
  const why = decision.reasons.length ? `: ${decision.reasons.join('; ')}` : '';
  return new GloveboxError('GBX_POLICY_DENIED', `denied by policy${why}`, {
    details: { policies: decision.determiningPolicies, policyVersion: decision.policyVersion },
  });
}
