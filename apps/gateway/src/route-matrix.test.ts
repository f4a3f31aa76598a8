import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { ROUTE_TABLE, routeKey, type RouteDeclaration } from './routes/table.js';
import { ROLES, startRouteTestGateway, type Role, type RouteTestGateway } from './routes/test-gateway.js';
import { TEST_STORES, type TestStore } from './store/test-stores.js';
import type { AccessRequestRecord } from './store/index.js';

/**
 * Generated from the route table: every declared route × every role × every session state gets
 * exactly the status written here, and every refusal leaves a deny event. A route added to the
 * table without its expected statuses here fails this test.
 */
type State = 'pending' | 'active' | 'ended';
const STATES: State[] = ['pending', 'active', 'ended'];
/** A status, or one the handler gave after authorization allowed (no deny event is due). */
type Answer = number | { status: number; handled: true };
type Cell = (role: Role, state: State) => Answer;
const handled = (status: number): Answer => ({ status, handled: true });

/** The statuses of a route that names no session: one per role. */
const byRole =
  (allowed: Answer, roles: Partial<Record<Role, Answer>>, otherwise = 403): Cell =>
  (role) =>
    role === 'anonymous' ? 401 : (roles[role] ?? (Object.keys(roles).length ? otherwise : allowed));
const anyone = (status: Answer): Cell => byRole(status, {});
const only = (status: Answer, ...roles: Role[]): Cell =>
  byRole(status, Object.fromEntries(roles.map((r) => [r, status])));
/** Who may see the sessions (GET /requests/:id): the owner, the approver (an eligible reviewer), admins and auditors. */
const SEES_SESSIONS: Role[] = ['owner', 'approver', 'admin', 'auditor'];
/**
 * A session route: roles the table lets through get `pass(state)`; those who may see the session
 * are refused with 403 (the policy's answer); everyone else gets the 404 of a missing session.
 */
const onSession =
  (roles: Role[], pass: (state: State, role: Role) => Answer): Cell =>
  (role, state) =>
    role === 'anonymous'
      ? 401
      : roles.includes(role)
        ? pass(state, role)
        : SEES_SESSIONS.includes(role)
          ? 403
          : 404;
// GBX_SESSION_NOT_ACTIVE is 403, GBX_REQUEST_NOT_PENDING 409: the session's state, not the caller.
const whileActive = (ok: number) => (state: State) => (state === 'active' ? ok : 403);
const whilePending = (ok: number) => (state: State) => (state === 'pending' ? ok : 409);
/** The approver's approval opened the active and ended sessions (not the pending one): policy lets them watch and end those. */
const approverOnceApproved = (ok: number) => (state: State, role: Role) =>
  role === 'approver' && state === 'pending' ? 403 : whileActive(ok)(state);
/** Error codes that say the session's state refused, not authorization: no deny event is due. */
const STATE_CODES = new Set(['GBX_SESSION_NOT_ACTIVE', 'GBX_REQUEST_NOT_PENDING']);

const EXPECTED: Record<string, Cell | 'public'> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': only(200, 'admin'),
  'GET /api/v1/openapi.json': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': anyone(200),
  'GET /api/v1/whoami': anyone(200),
  'POST /api/v1/users': only(201, 'admin'),
  'GET /api/v1/users': only(200, 'admin'),
  'POST /api/v1/users/:name/reset-mfa': only(200, 'admin'),
  'POST /api/v1/users/:name/disable': only(200, 'admin'),
  'POST /api/v1/users/:name/enable': only(200, 'admin'),
  // Minting is the createToken decision: for oneself (users-mint-own-tokens) or, by admins, for others.
  'POST /api/v1/tokens': only(201, 'owner', 'admin'),
  'GET /api/v1/tokens': anyone(200),
  'DELETE /api/v1/tokens/:id': byRole(200, { owner: 200, admin: 200 }, 404),
  'POST /api/v1/mfa/enroll': anyone(200),
  'POST /api/v1/mfa/verify': anyone(400),
  'GET /api/v1/mfa/webauthn': anyone(200),
  'POST /api/v1/mfa/webauthn/register/options': anyone(200),
  'POST /api/v1/mfa/webauthn/register/verify': anyone(400),
  'POST /api/v1/mfa/webauthn/assert/options': anyone(409),
  'POST /api/v1/mfa/webauthn/assert/verify': anyone(400),
  'POST /api/v1/auth/sso/device': 'public',
  'POST /api/v1/auth/sso/device/token': 'public',
  'POST /api/v1/agents': only(201, 'admin'),
  'GET /api/v1/agents': only(200, 'admin'),
  'POST /api/v1/agents/:name/revoke': only(200, 'admin'),
  'POST /api/v1/agents/:name/rotate': only(200, 'admin'),
  'GET /api/v1/gateway/keys': only(200, 'admin'),
  'POST /api/v1/gateway/keys/rotate': only(200, 'admin'),
  'GET /api/v1/targets': anyone(200),
  // Filing is decided by the access service: a request policy denies is stored as denied (201) when
  // the caller may ask for the target at all (engineers); anyone else is told no such target (404).
  'POST /api/v1/requests': byRole(201, { engineer: 201, owner: 201 }, 404),
  'GET /api/v1/requests': anyone(200),
  'GET /api/v1/requests/:id': onSession(['owner', 'approver', 'admin', 'auditor'], () => 200),
  'POST /api/v1/requests/:id/approve': onSession(['owner', 'approver'], (state, role) =>
    state !== 'pending' ? 409 : role === 'owner' ? 403 : 200,
  ),
  'POST /api/v1/requests/:id/deny': onSession(['owner', 'approver', 'admin'], whilePending(200)),
  'GET /api/v1/sessions': anyone(200),
  'POST /api/v1/sessions/:id/end': onSession(['owner', 'admin', 'approver'], approverOnceApproved(200)),
  'GET /api/v1/sessions/:id/live': onSession(
    ['owner', 'auditor', 'admin', 'approver'],
    approverOnceApproved(200),
  ),
  // The owner's action then meets the access service: no agent is connected to the target.
  'POST /api/v1/sessions/:id/actions/:action': onSession(['owner'], whileActive(503)),
  'GET /api/v1/sessions/:id/artifacts/:artifact': onSession(['owner', 'auditor', 'admin'], () => 200),
  'GET /api/v1/audit': only(200, 'auditor', 'admin'),
  'GET /api/v1/recordings': anyone(200),
  // A recording is hidden from whoever may not open it, even from those who may see its session.
  'GET /api/v1/recordings/:id': (role) =>
    role === 'anonymous' ? 401 : ['owner', 'auditor', 'admin'].includes(role) ? 200 : 404,
  'GET /api/v1/audit/sinks': only(200, 'auditor', 'admin'),
  'POST /api/v1/audit/keys/rotate': only(200, 'admin'),
  'GET /api/v1/audit/verify': only(200, 'auditor', 'admin'),
  'GET /api/v1/audit/export': only(200, 'auditor', 'admin'),
  'GET /api/v1/policy': byRole(200, { 'non-owner': 403 }, 200),
  // Bodies and queries are left empty: whoever is allowed meets validation (400), after authorization.
  'POST /api/v1/policy/bundles': only(400, 'admin'),
  'GET /api/v1/policy/bundles': only(200, 'admin', 'auditor'),
  'GET /api/v1/policy/bundles/:version': only(handled(404), 'admin', 'auditor'),
  // approvePolicy belongs to policy-approvers, a group none of the roles is in.
  'POST /api/v1/policy/bundles/:version/approve': anyone(403),
  'POST /api/v1/policy/rollback': only(400, 'admin'),
  'GET /api/v1/policy/diff': only(400, 'admin', 'auditor'),
  'POST /api/v1/policy/plan': only(400, 'admin'),
  'POST /api/v1/auth/ci/token': 'public',
  'POST /api/v1/config/plan': only(400, 'admin'),
  'POST /api/v1/config/apply': only(400, 'admin'),
  'POST /internal/v1/relay': 'public',
  'GET /': 'public',
  'GET /console': 'public',
  'GET /console/': 'public',
  'GET /console/assets/:name': 'public',
  'GET /console/*': 'public',
  'GET /auth/console/session': 'public',
  'POST /auth/console/login': 'public',
  'POST /auth/console/logout': anyone(200),
  'GET /auth/oidc/login': 'public',
  'GET /auth/oidc/callback': 'public',
};

interface Fixtures {
  sessions: Record<State, AccessRequestRecord>;
  evidence: Record<State, { artifact: string; recording: string }>;
}

const MUTATES_SESSION = new Set(['approve', 'deny', 'end']);
let unique = 0;

/** The concrete request for one cell: the route's URL with real ids, and a valid body. */
async function requestFor(
  g: RouteTestGateway,
  d: RouteDeclaration,
  state: State,
  f: Fixtures,
): Promise<{ url: string; payload?: Record<string, unknown>; session?: AccessRequestRecord }> {
  const fresh = MUTATES_SESSION.has(d.url.split('/').at(-1)!);
  const n = ++unique;
  // Disabling a user or revoking an agent acts on one made for this cell, never on a fixture.
  if (/\/users\/:name\/(disable|enable)$/.test(d.url)) {
    const user = await g.gw.services.identity.createUser(`doomed-${n}`, [], null);
    return { url: d.url.replace(':name', user.name), payload: {} };
  }
  if (/\/agents\/:name\/(revoke|rotate)$/.test(d.url)) {
    const name = `doomed-agent-${n}`;
    await g.gw.services.store.createAgent({
      id: `agt_${name}`,
      name,
      env: 'staging',
      owner: '',
      tags: {},
      credentialHash: `unused-${n}`,
      createdAt: 0,
      revokedAt: null,
    });
    return { url: d.url.replace(':name', name), payload: {} };
  }
  const session = fresh ? await g.session(state) : f.sessions[state];
  const evidence = f.evidence[state];
  let url = d.url
    .replace(':artifact', evidence.artifact)
    .replace(':action', 'facts')
    .replace(':version', '1')
    .replace('/users/:name/', '/users/olive/')
    .replace('*', 'x');
  if (d.url.startsWith('/api/v1/tokens/')) {
    const { tokenId } = await g.actor('owner');
    url = url.replace(':id', tokenId);
  } else if (d.url.startsWith('/api/v1/recordings/')) url = url.replace(':id', evidence.recording);
  else url = url.replace(':id', session.id).replace(':name', 'missing.js');
  const bodies: Record<string, Record<string, unknown>> = {
    'POST /api/v1/users': { name: `user-${n}`, groups: [] },
    'POST /api/v1/tokens': { user: 'olive', ttl: '1h' },
    'POST /api/v1/mfa/verify': { code: '000000' },
    'POST /api/v1/mfa/webauthn/register/verify': { challengeToken: 'x', response: {} },
    'POST /api/v1/mfa/webauthn/assert/verify': { challengeToken: 'x', response: {} },
    'POST /api/v1/agents': { name: `agent-${n}`, env: 'staging' },
    'POST /api/v1/requests': { target: 'payments', actions: ['facts'], reason: 'matrix: filing a request' },
    'POST /api/v1/requests/:id/approve': { digest: session.digest },
    'POST /api/v1/requests/:id/deny': { comment: 'no' },
    'POST /api/v1/sessions/:id/actions/:action': { params: {} },
  };
  const payload = bodies[routeKey(d.method, d.url)] ?? (d.method === 'GET' ? undefined : {});
  return { url, ...(payload ? { payload } : {}), session };
}

/** Calls a route; a live stream that was let through is ended so that its answer completes. */
async function call(
  g: RouteTestGateway,
  d: RouteDeclaration,
  token: string | null,
  r: Awaited<ReturnType<typeof requestFor>>,
) {
  const pending = g.gw.app.inject({
    method: d.method,
    url: r.url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(r.payload ? { payload: r.payload } : {}),
  });
  if (d.url.endsWith('/live') && r.session) {
    const live = g.gw.services.live;
    let settled = false;
    void pending.finally(() => (settled = true));
    while (!settled && live.watchers(r.session.id) === 0) await tick();
    if (!settled) live.end(r.session.id);
  }
  return pending;
}

async function runMatrix(g: RouteTestGateway): Promise<string[]> {
  const f: Fixtures = { sessions: {} as Fixtures['sessions'], evidence: {} as Fixtures['evidence'] };
  for (const state of STATES) {
    f.sessions[state] = await g.session(state);
    f.evidence[state] = await g.evidence(f.sessions[state].id);
  }
  const problems: string[] = [];
  const store = g.gw.services.store;
  const tokens = new Map<Role, string | null>();
  for (const role of ROLES) tokens.set(role, await g.token(role));
  for (const d of ROUTE_TABLE) {
    const key = routeKey(d.method, d.url);
    const expected = EXPECTED[key];
    if (!expected) {
      problems.push(`${key}: declared in the route table but has no expected statuses here`);
      continue;
    }
    // A route that names no session cannot depend on a session's state: it runs once.
    for (const state of d.url.includes('/:id') ? STATES : (['active'] as const)) {
      const answers = new Set<number>();
      for (const role of ROLES) {
        // Logging out revokes the caller's token: those routes get a fresh one.
        const token = d.url.endsWith('/logout') ? await g.token(role) : tokens.get(role)!;
        const r = await requestFor(g, d, state, f);
        const before = (await store.queryAudit({ order: 'desc', limit: 1 }))[0]?.seq ?? 0;
        const res = await call(g, d, token, r);
        const events = (await store.queryAudit({ after: before, order: 'asc', limit: 1000 })).map(
          (row) =>
            JSON.parse(row.event) as { type: string; outcome: string; decision?: { allowed: boolean } },
        );
        const denied = events.some(
          (e) => e.type !== 'api.request' && (e.outcome === 'denied' || e.decision?.allowed === false),
        );
        const cell = `${key} as ${role}, session ${state}`;
        if (expected === 'public') {
          answers.add(res.statusCode);
          if (events.some((e) => e.type === 'authz.denied')) problems.push(`${cell}: public route refused`);
          continue;
        }
        const answer = expected(role, state);
        const want = typeof answer === 'number' ? answer : answer.status;
        if (res.statusCode !== want)
          problems.push(`${cell}: ${res.statusCode} (want ${want}) ${res.body.slice(0, 160)}`);
        const code =
          res.statusCode >= 400 ? res.json<{ error?: { code?: string } }>().error?.code : undefined;
        const refusal =
          typeof answer === 'number' &&
          (want === 401 || want === 403 || want === 404) &&
          !STATE_CODES.has(code ?? '');
        if (refusal && !denied) problems.push(`${cell}: refused without a deny event`);
        if (!refusal && events.some((e) => e.type === 'authz.denied'))
          problems.push(`${cell}: answered ${want} but recorded authz.denied`);
      }
      if (expected === 'public' && answers.size !== 1)
        problems.push(
          `${key} (public), session ${state}: the answer depends on the caller: ${[...answers].join(', ')}`,
        );
    }
  }
  for (const key of Object.keys(EXPECTED))
    if (!ROUTE_TABLE.some((d) => routeKey(d.method, d.url) === key))
      problems.push(`${key}: expected but not declared`);
  return problems;
}

/** SQLite on a memory file system when there is one: the matrix tests decisions, not fsync. */
async function openStore(backend: TestStore): Promise<{ url: string; dispose(): Promise<void> }> {
  if (backend.name !== 'sqlite') return backend.open();
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'gbx-matrix-'));
  return {
    url: `sqlite:${join(dir, 'glovebox.db')}`,
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

for (const backend of TEST_STORES) {
  test(`every route × role × session state gets exactly its status, every refusal a deny event (${backend.name})`, async (t) => {
    const opened = await openStore(backend);
    const g = await startRouteTestGateway(opened.url);
    t.after(async () => {
      await g.close();
      await opened.dispose();
    });
    const problems = await runMatrix(g);
    assert.deepEqual(problems, []);
  });
}
