import type { FastifyRequest } from 'fastify';
import { GloveboxError, isGloveboxError } from '@glovebox/core';
import type { Decision } from '@glovebox/policy';
import type { GatewayApp, GatewayServices } from '../server.js';
import { deniedError, targetResource } from '../services/authorizer.js';
import type { Actor } from '../services/identity.js';
import type {
  AccessRequestRecord,
  AgentRecord,
  RecordingRecord,
  TokenRecord,
  UserRecord,
} from '../store/index.js';
import { authenticateConsoleRequest } from '../web/index.js';
import type { SessionPermissions } from '@glovebox/protocol';
import {
  ROUTE_TABLE,
  SESSION_PERMISSIONS,
  SHOWN_BY,
  routeKey,
  type Grant,
  type ResourceKind,
  type RouteAccess,
  type RouteDeclaration,
} from './table.js';

/** What a handler receives once its route's declaration is satisfied. */
export interface AuthorizedContext {
  actor: Actor;
  /** The policy decision that allowed the call, when a policy decision did. */
  decision?: Decision | undefined;
  /** The loaded session (`session` routes) and its target's registration, if still registered. */
  session?: AccessRequestRecord;
  agent?: AgentRecord | null;
  token?: TokenRecord;
  recording?: RecordingRecord;
  user?: UserRecord;
  /**
   * `self` routes with `everyone`: whether the caller may see every user's records; `list`
   * routes: whether a gateway grant lets the caller see every session.
   */
  everyone: boolean;
  /** `list` routes: whether the caller may see one listed session (decided like a route on it). */
  lists?: (session: AccessRequestRecord) => Promise<boolean>;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    authz: AuthorizedContext | null;
  }
}

/** The one ownership rule: a resource is the caller's when it belongs to the caller's user id. */
export function isOwner(actor: Actor, ownerUserId: string | null | undefined): boolean {
  return ownerUserId !== null && ownerUserId !== undefined && ownerUserId === actor.userId;
}

/** The authorized context of a request; only routes that are not public have one. */
export function authzOf(request: FastifyRequest): AuthorizedContext {
  if (!request.authz) throw new GloveboxError('GBX_INTERNAL', 'route reached without authorization');
  return request.authz;
}

interface Loaded {
  kind: ResourceKind;
  id: string;
  ownerId: string | null;
  found: boolean;
  fields: Partial<AuthorizedContext>;
}

/** Resource kinds whose existence is hidden from callers who may not see them (404, not 403). */
const HIDDEN: ReadonlySet<ResourceKind> = new Set(['session', 'token', 'recording']);

async function bearerOrConsole(request: FastifyRequest, s: GatewayServices): Promise<Actor> {
  try {
    return await credentialOf(request, s);
  } catch (error) {
    // A good token refused because the user's groups from SSO are too old: worth a line in the trail.
    if (isGloveboxError(error, 'GBX_AUTH_SSO_STALE'))
      await s.audit.record({
        type: 'auth.sso_stale',
        actor: { kind: 'user', id: String(error.details?.user) },
        outcome: 'denied',
        details: { ...error.details },
      });
    throw error;
  }
}

async function credentialOf(request: FastifyRequest, s: GatewayServices): Promise<Actor> {
  const header = request.headers.authorization;
  if (!header) {
    // The web console authenticates with its HttpOnly cookie plus an anti-forgery header instead.
    const consoleActor = await authenticateConsoleRequest(request, s);
    if (consoleActor) return consoleActor;
  }
  // the scheme is case-insensitive (RFC 9110 §11.1): `bearer` is the same credential
  const match = header ? /^Bearer\s+(\S{1,512})$/i.exec(header) : null;
  if (!match)
    throw new GloveboxError('GBX_AUTH_REQUIRED', 'authentication required: log in or set GLOVEBOX_TOKEN');
  return s.identity.authenticate(match[1]!, request.ip);
}

async function load(
  kind: ResourceKind,
  request: FastifyRequest,
  actor: Actor,
  s: GatewayServices,
): Promise<Loaded> {
  const id = (request.params as { id?: string }).id ?? '';
  if (kind === 'session') {
    const { session, agent } = await s.access.readSession(id);
    return sessionFound(id, session, agent);
  }
  if (kind === 'token') {
    const token = await s.store.getTokenById(id);
    return {
      kind,
      id,
      ownerId: token?.userId ?? null,
      found: token !== null,
      fields: token ? { token } : {},
    };
  }
  if (kind === 'recording') {
    const recording = await s.store.getRecording(id);
    const session = recording ? await s.store.getRequest(recording.sessionId) : null;
    const fields = recording ? { recording, ...(session ? { session } : {}) } : {};
    return { kind, id, ownerId: session?.requesterId ?? null, found: recording !== null, fields };
  }
  // Read before validation: a user that is not a string is the caller's own (validation refuses it).
  const named = (request.body as { user?: unknown } | undefined)?.user;
  const name = typeof named === 'string' ? named : actor.name;
  const user = await s.store.getUserByName(name);
  return { kind, id: name, ownerId: user?.id ?? null, found: user !== null, fields: user ? { user } : {} };
}

/** A session (or its absence) as a loaded resource, with its target's registration if still registered. */
async function sessionLoaded(
  id: string,
  session: AccessRequestRecord | null,
  s: GatewayServices,
): Promise<Loaded> {
  return sessionFound(id, session, session ? await s.access.registeredTarget(session.target) : null);
}

function sessionFound(id: string, session: AccessRequestRecord | null, agent: AgentRecord | null): Loaded {
  const fields = session ? { session, agent } : {};
  return { kind: 'session', id, ownerId: session?.requesterId ?? null, found: session !== null, fields };
}

/** Whether one grant holds; the decision is returned when policy was asked. */
async function grantHolds(
  grant: Grant,
  actor: Actor,
  loaded: Loaded,
  s: GatewayServices,
): Promise<{ allowed: boolean; decision?: Decision }> {
  if (grant === 'owner') return { allowed: isOwner(actor, loaded.ownerId) };
  if (typeof grant === 'object') {
    const decision =
      'gateway' in grant
        ? s.authorizer.decide(actor, grant.gateway, { kind: 'gateway' })
        : s.authorizer.decide(actor, grant.forUser, { kind: 'gateway' }, { requester: loaded.id });
    return { allowed: decision.allowed, decision };
  }
  const { session, agent } = loaded.fields;
  if (!session || !agent) return { allowed: false };
  if (grant === 'approver') {
    if (isOwner(actor, session.requesterId)) return { allowed: false };
    if (!session.obligations.approverGroups.some((g) => actor.groups.includes(g))) return { allowed: false };
  }
  const action = grant === 'approver' ? 'approve' : grant;
  const context = await s.access.sessionContext(session);
  const decision = s.authorizer.decide(actor, action, targetResource(agent), context);
  return { allowed: decision.allowed, decision };
}

/** The first grant that holds, or the last policy decision that refused. */
async function firstGrant(
  grants: readonly Grant[],
  actor: Actor,
  loaded: Loaded,
  s: GatewayServices,
): Promise<{ allowed: boolean; decision?: Decision | undefined }> {
  let last: Decision | undefined;
  for (const grant of grants) {
    const held = await grantHolds(grant, actor, loaded, s);
    if (held.allowed) return held;
    if (held.decision) last = held.decision;
  }
  return { allowed: false, decision: last };
}

/** A refusal: the error the caller gets, and what the audit trail records about it. */
interface Refusal {
  error: GloveboxError;
  refused: 'authentication' | 'policy' | 'not-owner' | 'not-found';
  decision?: Decision | undefined;
  loaded?: Loaded;
}

/**
 * Decides whether `actor` may call the route as declared. Returns the handler's context, or the
 * refusal. Also used to re-check long-lived streams (a watcher whose rights changed is cut off).
 */
export async function decideRoute(
  access: Exclude<RouteAccess, { public: string }>,
  request: FastifyRequest,
  actor: Actor,
  s: GatewayServices,
): Promise<AuthorizedContext | Refusal> {
  if ('self' in access) {
    const everyone =
      access.everyone !== undefined &&
      s.authorizer.decide(actor, access.everyone, { kind: 'gateway' }).allowed;
    return { actor, everyone };
  }
  if ('gateway' in access) {
    const actions = typeof access.gateway === 'string' ? [access.gateway] : access.gateway;
    let first: Decision | undefined;
    for (const action of actions) {
      const decision = s.authorizer.decide(actor, action, { kind: 'gateway' });
      if (decision.allowed) return { actor, decision, everyone: false };
      first ??= decision;
    }
    return { error: deniedError(first!), refused: 'policy', decision: first };
  }
  if ('list' in access) {
    const gateway = access.anyOf.filter((g) => typeof g === 'object');
    const everyone = (await firstGrant(gateway, actor, await sessionLoaded('', null, s), s)).allowed;
    const lists = async (session: AccessRequestRecord) =>
      everyone ||
      (await firstGrant(access.anyOf, actor, await sessionLoaded(session.id, session, s), s)).allowed;
    return { actor, everyone, lists };
  }
  const loaded = await load(access.resource, request, actor, s);
  const held = await firstGrant(access.anyOf, actor, loaded, s);
  if (held.allowed) {
    if (!loaded.found)
      return { error: notFound(loaded.kind), refused: 'not-found', decision: held.decision, loaded };
    return { actor, decision: held.decision, everyone: false, ...loaded.fields };
  }
  const last = held.decision;
  // A hidden resource looks the same whether it is missing or someone else's the caller may not
  // see; any other refusal is the policy's answer.
  if (HIDDEN.has(loaded.kind) && !(await maySee(actor, loaded, s)))
    return { error: notFound(loaded.kind), refused: loaded.found ? 'not-owner' : 'not-found', loaded };
  const error = last
    ? deniedError(last)
    : new GloveboxError('GBX_POLICY_DENIED', `you may not do this to that ${loaded.kind}`);
  return { error, refused: 'policy', decision: last, loaded };
}

const DECLARED = new Map(ROUTE_TABLE.map((d) => [routeKey(d.method, d.url), d.access]));

/** Whether the caller may see a loaded resource: its owner, or allowed by the route that shows it. */
async function maySee(actor: Actor, loaded: Loaded, s: GatewayServices): Promise<boolean> {
  if (!loaded.found) return false;
  if (isOwner(actor, loaded.ownerId)) return true;
  const route = SHOWN_BY[loaded.kind];
  const access = route === undefined ? undefined : DECLARED.get(route);
  if (!access || !('resource' in access)) return false;
  return (await firstGrant(access.anyOf, actor, loaded, s)).allowed;
}

/**
 * What `actor` may do to a session now (`allowed` in answers): for each permission, the grants of
 * the route that does it (SESSION_PERMISSIONS), and the status that route's service requires. A
 * reviewer who has reviewed the request may not approve it again.
 */
export async function sessionPermissions(
  actor: Actor,
  session: AccessRequestRecord,
  s: GatewayServices,
): Promise<SessionPermissions> {
  const loaded = await sessionLoaded(session.id, session, s);
  const reviewed = (await s.access.listApprovals(session.id)).some((a) => a.approverId === actor.userId);
  const may = async (permission: (typeof SESSION_PERMISSIONS)[keyof SessionPermissions]) => {
    const access = DECLARED.get(permission.route);
    if ('status' in permission) {
      const late = s.access.dueToEnd(session, s.config.clock.now()) !== null;
      if (session.status !== permission.status || late) return false;
    }
    let grants: readonly Grant[];
    if ('grants' in permission) grants = permission.grants;
    else if (access && 'resource' in access) grants = access.anyOf;
    else if (access && 'gateway' in access)
      grants = (typeof access.gateway === 'string' ? [access.gateway] : access.gateway).map((gateway) => ({
        gateway,
      }));
    else throw new Error(`${permission.route} is neither a session route nor a gateway route`);
    return (await firstGrant(grants, actor, loaded, s)).allowed;
  };
  return {
    watch: await may(SESSION_PERMISSIONS.watch),
    end: await may(SESSION_PERMISSIONS.end),
    approve: !reviewed && (await may(SESSION_PERMISSIONS.approve)),
    deny: await may(SESSION_PERMISSIONS.deny),
    activity: await may(SESSION_PERMISSIONS.activity),
  };
}

function notFound(kind: ResourceKind): GloveboxError {
  return new GloveboxError('GBX_NOT_FOUND', `no such ${kind}`);
}

function isRefusal(x: AuthorizedContext | Refusal): x is Refusal {
  return 'refused' in x;
}

/** Records a refusal as `authz.denied` with a deny decision (a synthetic one when policy was not asked). */
async function recordRefusal(
  request: FastifyRequest,
  declaration: RouteDeclaration,
  refusal: Refusal,
  s: GatewayServices,
): Promise<void> {
  const actor = request.actor;
  const session = refusal.loaded?.fields.session;
  await s.audit.record({
    type: 'authz.denied',
    actor: actor ? { kind: 'user', id: actor.name } : { kind: 'anonymous', id: 'unauthenticated' },
    sessionId: session?.id,
    target: session?.target,
    decision: refusal.decision ?? {
      allowed: false,
      determiningPolicies: [],
      policyVersion: s.authorizer.policyVersion,
      reasons: [refusal.refused === 'authentication' ? 'not authenticated' : refusal.refused],
      errors: [],
    },
    outcome: 'denied',
    details: {
      method: request.method,
      route: declaration.url,
      refused: refusal.refused,
      code: refusal.error.code,
      ...(refusal.loaded ? { resource: { kind: refusal.loaded.kind, id: refusal.loaded.id } } : {}),
    },
  });
}

/**
 * The authorization choke point. Both hooks are keyed on the matched route's declaration (never
 * on the URL string): `onRequest` authenticates every route that is not public, before the body
 * is read; `preValidation` loads the declared resource and decides before the parameters are
 * validated or classified, so a refused caller learns nothing from them. Every refusal is recorded
 * as `authz.denied` before the caller gets it.
 */
export function installAuthorization(app: GatewayApp, s: GatewayServices): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('authz', null);
  app.addHook('onRequest', async (request) => {
    const declaration = request.routeOptions.config.declaration;
    if (!declaration || 'public' in declaration.access) return;
    try {
      request.actor = await bearerOrConsole(request, s);
    } catch (error) {
      const refusal: Refusal = {
        error: isGloveboxError(error) ? error : new GloveboxError('GBX_AUTH_FAILED', 'authentication failed'),
        refused: 'authentication',
      };
      await recordRefusal(request, declaration, refusal, s);
      throw refusal.error;
    }
  });
  app.addHook('preValidation', async (request) => {
    const declaration = request.routeOptions.config.declaration;
    if (!declaration || 'public' in declaration.access) return;
    const actor = request.actor;
    if (!actor) throw new GloveboxError('GBX_AUTH_REQUIRED', 'authentication required');
    const outcome = await decideRoute(declaration.access, request, actor, s);
    if (isRefusal(outcome)) {
      await recordRefusal(request, declaration, outcome, s);
      throw outcome.error;
    }
    request.authz = outcome;
  });
}

/**
 * Re-decides a request's route for a caller whose token or rights may have changed since it began
 * (a live stream): the token must still be valid and the declaration must still allow. Returns
 * the refusal's error, or null while the caller may go on.
 */
export async function recheckRoute(
  request: FastifyRequest,
  s: GatewayServices,
): Promise<GloveboxError | null> {
  const declaration = request.routeOptions.config.declaration;
  const before = request.actor;
  if (!declaration || 'public' in declaration.access || !before) return null;
  const token = await s.store.getTokenById(before.tokenId);
  const user = await s.store.getUserById(before.userId);
  const now = s.config.clock.now();
  let refusal: Refusal | null = null;
  if (!token || token.revokedAt !== null || token.expiresAt <= now || !user || user.disabled) {
    refusal = {
      error: new GloveboxError('GBX_AUTH_FAILED', 'invalid or expired credentials'),
      refused: 'authentication',
    };
  } else {
    const actor: Actor = { ...before, groups: user.groups, mfaAt: token.mfaAt };
    const outcome = await decideRoute(declaration.access, request, actor, s);
    if (isRefusal(outcome)) refusal = outcome;
  }
  if (!refusal) return null;
  await recordRefusal(request, declaration, refusal, s).catch(() => undefined);
  return refusal.error;
}
