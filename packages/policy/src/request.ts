import { z } from 'zod';
import { POLICY_ACTIONS, type PolicyAction } from '@glovebox/protocol';
import type { Context, EntityJson } from './cedar.js';
import { MFA_NEVER_SEC, NAMESPACE } from './schema.js';

/**
 * The context of a decision, mirroring `Glovebox::RequestContext` in the schema. The gateway
 * computes every field; nothing here is taken from what a client or agent claims.
 */
export interface PolicyContext {
  /** Justification text; `""` when none was given. */
  reason: string;
  ticket?: string;
  /** Seconds since the principal's last MFA check; {@link MFA_NEVER_SEC} when never. */
  mfaAgeSec: number;
  breakGlass: boolean;
  /** Hour 0–23 in the target's time zone. */
  localHour: number;
  /** Day of week 0–6 (0 = Sunday) in the target's time zone. */
  weekday: number;
  /** User id of the access request's requester or the session's owner; the principal otherwise. */
  requester: string;
  /** Class of the command for `exec`, e.g. `read` or `mutating`. */
  commandClass?: string;
  /** The command's program name for `exec`. */
  command?: string;
  /** Class of the SQL statement for `query`: `read`, `write`, `ddl` or `admin`. */
  sqlClass?: string;
  /** Tables the statement touches, lower-case, schema-qualified (`public.users`). */
  sqlTables?: string[];
  /** Schemas the statement touches, lower-case (`public`, `payments`). */
  sqlSchemas?: string[];
  /** Functions the statement calls, lower-case, unqualified. */
  sqlFunctions?: string[];
  sqlDeleteWithoutWhere?: boolean;
  /** Session duration asked for, in seconds. */
  requestedDurationSec?: number;
  /**
   * User ids of those whose approval counted for the access request or session a decision is
   * about (`approve`, `watch`, `end`); absent for decisions about no session.
   */
  approvers?: string[];
}

/** The resource of a decision: a registered target, or the gateway for administrative actions. */
export type AuthzResource =
  | {
      kind: 'target';
      /** Registered target name; the entity id. */
      name: string;
      env: string;
      /** Owning group from the registration; `""` when no team owns it. */
      owner: string;
      tags: Record<string, string>;
    }
  | { kind: 'gateway' };

/** One authorization question. */
export interface AuthzRequest {
  principal: { id: string; groups: string[] };
  action: PolicyAction;
  resource: AuthzResource;
  context: PolicyContext;
}

// eslint-disable-next-line no-control-regex
const noControl = (s: string): boolean => !/[\u0000-\u001f\u007f]/.test(s);
const entityId = z.string().min(1).max(256).refine(noControl, 'must not contain control characters');
const shortText = z.string().max(256);
const stringSet = z.array(z.string().max(256)).max(256);
const long = z.number().int().min(0).max(MFA_NEVER_SEC);

const contextSchema = z.strictObject({
  reason: z.string().max(4096),
  ticket: shortText.optional(),
  mfaAgeSec: long,
  breakGlass: z.boolean(),
  localHour: z.number().int().min(0).max(23),
  weekday: z.number().int().min(0).max(6),
  requester: entityId,
  commandClass: shortText.optional(),
  command: z.string().max(4096).optional(),
  sqlClass: shortText.optional(),
  sqlTables: stringSet.optional(),
  sqlSchemas: stringSet.optional(),
  sqlFunctions: stringSet.optional(),
  sqlDeleteWithoutWhere: z.boolean().optional(),
  requestedDurationSec: long.optional(),
  approvers: z.array(entityId).max(64).optional(),
});

/** zod schema of {@link AuthzRequest}; the engine checks every request against it. */
export const authzRequestSchema = z.strictObject({
  principal: z.strictObject({ id: entityId, groups: z.array(entityId).max(256) }),
  action: z.enum(POLICY_ACTIONS),
  resource: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('target'),
      name: entityId,
      env: shortText,
      owner: shortText.refine(noControl, 'must not contain control characters'),
      tags: z
        .record(z.string().min(1).max(128), z.string().max(1024))
        .refine((t) => Object.keys(t).length <= 64, 'at most 64 tags'),
    }),
    z.strictObject({ kind: z.literal('gateway') }),
  ]),
  context: contextSchema,
});

/** Actions whose resource is the gateway rather than a target. */
export const GATEWAY_ACTIONS: ReadonlySet<PolicyAction> = new Set([
  'administer',
  'readAudit',
  'deployPolicy',
  'approvePolicy',
  'planPolicy',
  'exchangeToken',
  'readMetrics',
  'readPolicy',
  'createToken',
]);

/** The id of the single gateway entity. */
export const GATEWAY_ENTITY_ID = 'gateway';

const type = (t: string): string => `${NAMESPACE}::${t}`;
const uid = (t: string, id: string): { type: string; id: string } => ({ type: type(t), id });

/** The Cedar call parts (minus the policy set) of a request, with only the entities it needs. */
export interface CedarRequestParts {
  principal: { type: string; id: string };
  action: { type: string; id: string };
  resource: { type: string; id: string };
  context: Context;
  entities: EntityJson[];
}

/**
 * Builds the Cedar request and its entity slice: the principal and its groups, the target and
 * its owning group, and the requester. Cedar parses every entity it is given on every call, so
 * the slice is what keeps a decision well under a millisecond.
 */
export function toCedarRequest(request: AuthzRequest): CedarRequestParts {
  const entities = new Map<string, EntityJson>();
  const add = (entity: EntityJson & { uid: { type: string; id: string } }): void => {
    const key = `${entity.uid.type}\u0000${entity.uid.id}`;
    if (!entities.has(key)) entities.set(key, entity);
  };
  const groups = [...new Set(request.principal.groups)];
  add({
    uid: uid('User', request.principal.id),
    attrs: {},
    parents: groups.map((g) => uid('Group', g)),
  });
  for (const g of groups) add({ uid: uid('Group', g), attrs: {}, parents: [] });
  if (request.context.requester !== request.principal.id)
    add({ uid: uid('User', request.context.requester), attrs: {}, parents: [] });

  let resource: { type: string; id: string };
  if (request.resource.kind === 'target') {
    const target = request.resource;
    resource = uid('Target', target.name);
    const attrs: EntityJson['attrs'] = { env: target.env };
    if (target.owner !== '') {
      attrs['owner'] = { __entity: uid('Group', target.owner) };
      add({ uid: uid('Group', target.owner), attrs: {}, parents: [] });
    }
    add({ uid: resource, attrs, parents: [], tags: { ...target.tags } });
  } else {
    resource = uid('Gateway', GATEWAY_ENTITY_ID);
    add({ uid: resource, attrs: {}, parents: [] });
  }

  const c = request.context;
  const context: Context = {
    reason: c.reason,
    mfaAgeSec: c.mfaAgeSec,
    breakGlass: c.breakGlass,
    localHour: c.localHour,
    weekday: c.weekday,
    requester: { __entity: uid('User', c.requester) },
  };
  const optional = [
    'ticket',
    'commandClass',
    'command',
    'sqlClass',
    'sqlTables',
    'sqlSchemas',
    'sqlFunctions',
    'sqlDeleteWithoutWhere',
    'requestedDurationSec',
  ] as const;
  for (const key of optional) if (c[key] !== undefined) context[key] = c[key];
  if (c.approvers !== undefined)
    context['approvers'] = c.approvers.map((id) => ({ __entity: uid('User', id) }));

  return {
    principal: uid('User', request.principal.id),
    action: uid('Action', request.action),
    resource,
    context,
    entities: [...entities.values()],
  };
}

/** A request for every action, with every optional context field set; used to probe a schema. */
export function probeRequests(): AuthzRequest[] {
  const full: PolicyContext = {
    reason: 'probe',
    ticket: 'T-1',
    mfaAgeSec: 0,
    breakGlass: false,
    localHour: 12,
    weekday: 3,
    requester: 'probe-requester',
    commandClass: 'read',
    command: 'uptime',
    sqlClass: 'read',
    sqlTables: ['public.t'],
    sqlSchemas: ['public'],
    sqlFunctions: ['now'],
    sqlDeleteWithoutWhere: false,
    requestedDurationSec: 60,
    approvers: ['probe-approver'],
  };
  const minimal: PolicyContext = {
    reason: '',
    mfaAgeSec: MFA_NEVER_SEC,
    breakGlass: true,
    localHour: 0,
    weekday: 0,
    requester: 'probe-user',
  };
  return POLICY_ACTIONS.flatMap((action) =>
    [full, minimal].map((context): AuthzRequest => ({
      principal: { id: 'probe-user', groups: ['probe-group'] },
      action,
      resource: GATEWAY_ACTIONS.has(action)
        ? { kind: 'gateway' }
        : context === full
          ? { kind: 'target', name: 'probe-target', env: 'probe', owner: 'probe-owner', tags: { k: 'v' } }
          : { kind: 'target', name: 'probe-target', env: '', owner: '', tags: {} },
      context,
    })),
  );
}
