import { API_PREFIX, type PolicyAction } from '@glovebox/protocol';

/** Cedar actions whose resource is the gateway itself. */
export type GatewayAction = Extract<
  PolicyAction,
  'administer' | 'readAudit' | 'readMetrics' | 'readPolicy' | 'deployPolicy' | 'approvePolicy' | 'planPolicy'
>;

/** Cedar actions on the gateway made for a loaded user, who is the decision's `context.requester`. */
export type UserAction = Extract<PolicyAction, 'createToken'>;

/**
 * What a route acts on, loaded by the authorization hook before the handler runs:
 * - `session`: the access request or session named by `:id`, with its target's registration;
 * - `token`: the API token named by `:id`;
 * - `recording`: the recording named by `:id`, with the session it belongs to;
 * - `user`: the user named by the body's `user` field (the caller when absent).
 */
export type ResourceKind = 'session' | 'token' | 'recording' | 'user';

/**
 * One way to be allowed on a loaded resource; any one suffices.
 * - `owner`: the resource belongs to the caller, by user id (`isOwner`, the one ownership rule);
 * - `approver`: the caller is an eligible approver of the session: not its requester, in one of
 *   its approver groups, and allowed `approve` on its target by policy;
 * - `end`, `watch`: policy allows the caller that action on the session's target (its requester
 *   and the users whose approval counted in context);
 * - a gateway action: policy allows the caller that action on the gateway;
 * - a user action: policy allows the caller that action on the gateway for the loaded user (as
 *   `context.requester`); its obligations reach the handler with the decision.
 */
export type Grant =
  'owner' | 'approver' | 'end' | 'watch' | { gateway: GatewayAction } | { forUser: UserAction };

/** How one route is authorized. */
export type RouteAccess =
  /** Answers without credentials; the string says why that is safe. */
  | { public: string }
  /**
   * Any authenticated caller, acting on their own records only (the handler scopes every query to
   * the caller's user id). `everyone`: the gateway action that widens a listing to every user's.
   */
  | { self: true; everyone?: GatewayAction }
  /** A policy decision on the gateway; with several actions, any one of them allows. */
  | { gateway: GatewayAction | readonly GatewayAction[] }
  /** A loaded resource and the grants that allow it. */
  | { resource: ResourceKind; anyOf: readonly Grant[] }
  /**
   * A listing of sessions: any authenticated caller; the handler keeps only the sessions the
   * grants allow, each decided as a `resource` route on it would be (`AuthorizedContext.lists`).
   */
  | { list: 'session'; anyOf: readonly Grant[] };

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDeclaration {
  method: RouteMethod;
  /** The route's URL pattern exactly as registered (prefix included), e.g. `/api/v1/sessions/:id/end`. */
  url: string;
  access: RouteAccess;
}

const A = API_PREFIX;
const SELF = { self: true } as const;
const admin = { gateway: 'administer' } as const;
const auditor = { gateway: 'readAudit' } as const;
/** Who reads policy versions, bundles and diffs: whoever takes part in deploying policy, and auditors. */
const POLICY_READERS = ['planPolicy', 'deployPolicy', 'approvePolicy', 'readAudit'] as const;

/**
 * Every route the gateway serves, and the one place what each needs is decided. A route that is
 * registered without a declaration here stops the gateway at start-up (routes/registrar.ts).
 */
export const ROUTE_TABLE: readonly RouteDeclaration[] = [
  // ---- system ---------------------------------------------------------------------------------
  { method: 'GET', url: '/healthz', access: { public: 'liveness probe: says nothing but "ok"' } },
  { method: 'GET', url: '/readyz', access: { public: 'readiness probe: a fixed status line' } },
  { method: 'GET', url: '/metrics', access: { gateway: 'readMetrics' } },
  { method: 'GET', url: `${A}/openapi.json`, access: { public: 'the API description is public' } },

  // ---- identity -------------------------------------------------------------------------------
  { method: 'POST', url: `${A}/auth/login`, access: { public: 'password login' } },
  { method: 'POST', url: `${A}/auth/logout`, access: SELF },
  { method: 'GET', url: `${A}/whoami`, access: SELF },
  { method: 'POST', url: `${A}/users`, access: admin },
  { method: 'GET', url: `${A}/users`, access: admin },
  { method: 'POST', url: `${A}/users/:name/reset-mfa`, access: admin },
  { method: 'POST', url: `${A}/users/:name/disable`, access: admin },
  { method: 'POST', url: `${A}/users/:name/enable`, access: admin },
  // Minting is the policy's decision, for the token's user; its obligations bound the token.
  { method: 'POST', url: `${A}/tokens`, access: { resource: 'user', anyOf: [{ forUser: 'createToken' }] } },
  { method: 'GET', url: `${A}/tokens`, access: SELF },
  { method: 'DELETE', url: `${A}/tokens/:id`, access: { resource: 'token', anyOf: ['owner', admin] } },
  { method: 'POST', url: `${A}/mfa/enroll`, access: SELF },
  { method: 'POST', url: `${A}/mfa/verify`, access: SELF },
  { method: 'GET', url: `${A}/mfa/webauthn`, access: SELF },
  { method: 'POST', url: `${A}/mfa/webauthn/register/options`, access: SELF },
  { method: 'POST', url: `${A}/mfa/webauthn/register/verify`, access: SELF },
  { method: 'POST', url: `${A}/mfa/webauthn/assert/options`, access: SELF },
  { method: 'POST', url: `${A}/mfa/webauthn/assert/verify`, access: SELF },
  { method: 'POST', url: `${A}/auth/sso/device`, access: { public: 'starts an SSO device login' } },
  { method: 'POST', url: `${A}/auth/sso/device/token`, access: { public: 'polls an SSO device login' } },

  // ---- agents and targets ---------------------------------------------------------------------
  { method: 'POST', url: `${A}/agents`, access: admin },
  { method: 'GET', url: `${A}/agents`, access: admin },
  { method: 'POST', url: `${A}/agents/:name/revoke`, access: admin },
  { method: 'POST', url: `${A}/agents/:name/rotate`, access: admin },
  { method: 'GET', url: `${A}/gateway/keys`, access: admin },
  { method: 'POST', url: `${A}/gateway/keys/rotate`, access: admin },
  // Each target is listed only when policy lets the caller request it (a decision per target).
  { method: 'GET', url: `${A}/targets`, access: SELF },

  // ---- requests, approvals, sessions ----------------------------------------------------------
  // Filing a request is the `request` decision on its target, made by the access service.
  { method: 'POST', url: `${A}/requests`, access: SELF },
  { method: 'GET', url: `${A}/requests`, access: { self: true, everyone: 'administer' } },
  {
    method: 'GET',
    url: `${A}/requests/:id`,
    access: { resource: 'session', anyOf: ['owner', 'approver', admin, auditor] },
  },
  // The requester reaches the service to be told GBX_SELF_APPROVAL; nobody else but approvers does.
  {
    method: 'POST',
    url: `${A}/requests/:id/approve`,
    access: { resource: 'session', anyOf: ['approver', 'owner'] },
  },
  {
    method: 'POST',
    url: `${A}/requests/:id/deny`,
    access: { resource: 'session', anyOf: ['owner', 'approver', admin] },
  },
  // The sessions the caller may watch: their own, those policy lets them watch (e.g. approved
  // ones), and every session for auditors.
  { method: 'GET', url: `${A}/sessions`, access: { list: 'session', anyOf: [auditor, 'owner', 'watch'] } },
  { method: 'POST', url: `${A}/sessions/:id/end`, access: { resource: 'session', anyOf: ['end'] } },
  {
    method: 'GET',
    url: `${A}/sessions/:id/live`,
    access: { resource: 'session', anyOf: ['owner', 'watch', auditor] },
  },
  // Each action is then decided by policy with its classified parameters (services/access.ts).
  {
    method: 'POST',
    url: `${A}/sessions/:id/actions/:action`,
    access: { resource: 'session', anyOf: ['owner'] },
  },
  {
    method: 'GET',
    url: `${A}/sessions/:id/artifacts/:artifact`,
    access: { resource: 'session', anyOf: ['owner', auditor] },
  },

  // ---- audit ----------------------------------------------------------------------------------
  { method: 'GET', url: `${A}/audit`, access: auditor },
  { method: 'GET', url: `${A}/recordings`, access: { self: true, everyone: 'readAudit' } },
  {
    method: 'GET',
    url: `${A}/recordings/:id`,
    access: { resource: 'recording', anyOf: ['owner', auditor] },
  },
  { method: 'GET', url: `${A}/audit/sinks`, access: auditor },
  { method: 'POST', url: `${A}/audit/keys/rotate`, access: admin },
  { method: 'GET', url: `${A}/audit/verify`, access: auditor },
  { method: 'GET', url: `${A}/audit/export`, access: auditor },

  // ---- policy (routes/policy.ts, routes/policy-deploy.ts) --------------------------------------
  { method: 'GET', url: `${A}/policy`, access: { gateway: 'readPolicy' } },
  { method: 'POST', url: `${A}/policy/bundles`, access: { gateway: 'deployPolicy' } },
  { method: 'GET', url: `${A}/policy/bundles`, access: { gateway: POLICY_READERS } },
  { method: 'GET', url: `${A}/policy/bundles/:version`, access: { gateway: POLICY_READERS } },
  { method: 'POST', url: `${A}/policy/bundles/:version/approve`, access: { gateway: 'approvePolicy' } },
  { method: 'POST', url: `${A}/policy/rollback`, access: { gateway: 'deployPolicy' } },
  { method: 'GET', url: `${A}/policy/diff`, access: { gateway: POLICY_READERS } },
  { method: 'POST', url: `${A}/policy/plan`, access: { gateway: 'planPolicy' } },

  // ---- CI and declarative configuration (routes/ci-config.ts) ---------------------------------
  {
    method: 'POST',
    url: `${A}/auth/ci/token`,
    access: { public: "the CI provider's token is the credential; exchangeToken is decided by the service" },
  },
  { method: 'POST', url: `${A}/config/plan`, access: admin },
  { method: 'POST', url: `${A}/config/apply`, access: admin },

  // ---- replicas (cluster/relay.ts) -----------------------------------------------------------
  {
    method: 'POST',
    url: '/internal/v1/relay',
    access: { public: "replica to replica: the relay checks the replicas' shared HMAC itself" },
  },

  // ---- web console (apps/gateway/src/web) -----------------------------------------------------
  { method: 'GET', url: '/', access: { public: 'redirects to the console' } },
  { method: 'GET', url: '/console', access: { public: 'redirects to the console' } },
  { method: 'GET', url: '/console/', access: { public: "the console's page; it holds no data" } },
  { method: 'GET', url: '/console/assets/:name', access: { public: "the console's scripts and styles" } },
  { method: 'GET', url: '/console/*', access: { public: 'deep links load the same page' } },
  { method: 'GET', url: '/auth/console/session', access: { public: 'says whether the cookie is valid' } },
  { method: 'POST', url: '/auth/console/login', access: { public: 'console password login' } },
  { method: 'POST', url: '/auth/console/logout', access: SELF },
  { method: 'GET', url: '/auth/oidc/login', access: { public: 'starts an SSO login' } },
  { method: 'GET', url: '/auth/oidc/callback', access: { public: 'completes an SSO login' } },
];

/**
 * The route that shows one resource of a kind. A caller refused on a resource they may see there
 * is told 403 (the policy's answer); one who may not see it gets the 404 of a missing one.
 */
export const SHOWN_BY: Partial<Record<ResourceKind, string>> = { session: `GET ${A}/requests/:id` };

/**
 * What answers about a session tell the caller they may do to it (`allowed`): each is the
 * decision of the route that does it (a session route's grants, or a gateway route's actions),
 * with the session's status that route's service needs.
 */
export const SESSION_PERMISSIONS = {
  watch: { route: `GET ${A}/sessions/:id/live`, status: 'active' },
  end: { route: `POST ${A}/sessions/:id/end`, status: 'active' },
  // The requester passes the approve route only to be told GBX_SELF_APPROVAL: only reviewers count.
  approve: { route: `POST ${A}/requests/:id/approve`, status: 'pending', grants: ['approver'] },
  deny: { route: `POST ${A}/requests/:id/deny`, status: 'pending' },
  // The session's audited activity (`GET /audit?session=…`), in any status.
  activity: { route: `GET ${A}/audit` },
} as const satisfies Record<string, { route: string; status?: string; grants?: readonly Grant[] }>;

/** The key a declaration is found by: method and registered URL pattern. */
export function routeKey(method: string, url: string): string {
  return `${method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase()} ${url}`;
}

/** The declarations by key; a duplicate declaration is a programming error. */
export function indexTable(table: readonly RouteDeclaration[]): Map<string, RouteDeclaration> {
  const byKey = new Map<string, RouteDeclaration>();
  for (const d of table) {
    const key = routeKey(d.method, d.url);
    if (byKey.has(key)) throw new Error(`route ${key} is declared twice in the route table`);
    byKey.set(key, d);
  }
  return byKey;
}
