import type { AccessRequestView, ConsoleSession } from '@glovebox/protocol';
import { ApiError, api, loadSession, logout, passwordLogin, watch } from './api.js';
import { announce, facts, h, mount, table, when, type Child } from './dom.js';
import { registerKey, verifyKey } from './webauthn.js';

interface Target {
  name: string;
  env: string;
  owner: string;
  connected: boolean;
  actions: string[];
}
interface Agent extends Target {
  lastSeen: number | null;
  tags: Record<string, string>;
}
interface AuditEvent {
  seq: number;
  time: string;
  type: string;
  actor: string;
  sessionId: string | null;
  action: string | null;
  target: string | null;
  outcome: string;
  event: Record<string, unknown>;
}
interface Verify {
  ok: boolean;
  events: number;
  checkpoints: number;
  unsignedTail: number;
  message: string;
}
interface Policy {
  version: string;
  policies: { id: string; effect: string; annotations: Record<string, string> }[];
}

const main = document.getElementById('main')!;
let session: ConsoleSession = { authenticated: false, methods: { sso: false, password: true } };
/** Timers of the current view (live refresh); cleared when the view changes. */
let timers: number[] = [];
/** Live streams of the current view, stopped when the view changes. */
let streams: AbortController[] = [];

const NAV: [string, string][] = [
  ['/console/', 'Approvals'],
  ['/console/sessions', 'Sessions'],
  ['/console/audit', 'Audit'],
  ['/console/targets', 'Targets'],
  ['/console/policy', 'Policy'],
  ['/console/security', 'Security keys'],
];

function go(path: string): void {
  history.pushState(null, '', path);
  void render();
}

/** A same-page link: keyboard and screen readers see a normal link; a click routes without reload. */
function link(path: string, ...children: Child[]): HTMLAnchorElement {
  return h(
    'a',
    {
      href: path,
      onClick: ((event: MouseEvent) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        go(path);
      }) as EventListener,
    },
    ...children,
  );
}

function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : 'something went wrong';
}

function errorBox(error: unknown): HTMLElement {
  return h('p', { class: 'error', role: 'alert' }, errorText(error));
}

function statusBadge(status: string): HTMLElement {
  const cls = status === 'active' ? 'ok' : status === 'denied' || status === 'expired' ? 'bad' : '';
  return h('span', { class: `badge ${cls}` }, status);
}

function header(): void {
  const path = location.pathname;
  const nav = document.getElementById('nav')!;
  const who = document.getElementById('who')!;
  if (!session.authenticated) {
    mount(nav);
    mount(who);
    return;
  }
  mount(
    nav,
    h(
      'ul',
      {},
      ...NAV.map(([href, label]) => {
        const current =
          href === '/console/'
            ? path === href || path.startsWith('/console/requests')
            : path.startsWith(href);
        const a = link(href, label);
        if (current) a.setAttribute('aria-current', 'page');
        return h('li', {}, a);
      }),
    ),
  );
  mount(
    who,
    h('span', {}, `${session.user ?? ''}${session.groups?.length ? ` (${session.groups.join(', ')})` : ''}`),
    h(
      'button',
      {
        class: 'secondary',
        type: 'button',
        onClick: () => {
          void logout().finally(() => {
            session = { authenticated: false, methods: session.methods };
            go('/console/login');
          });
        },
      },
      'Log out',
    ),
  );
}

// ---- views ------------------------------------------------------------------------------------

function loginView(): Child[] {
  const params = new URLSearchParams(location.search);
  const returnTo = params.get('returnTo') ?? '/console/';
  const error = params.get('error');
  const out = h('div', {});
  const form = h(
    'form',
    { class: 'stack', 'aria-labelledby': 'pw-title' },
    h('h2', { id: 'pw-title' }, 'Local account'),
    h('label', {}, 'User name', h('input', { name: 'user', autocomplete: 'username', required: true })),
    h(
      'label',
      {},
      'Password',
      h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    ),
    h(
      'label',
      {},
      'One-time code (if enrolled)',
      h('input', { name: 'otp', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}' }),
    ),
    h('button', { type: 'submit' }, 'Log in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const text = (name: string) => {
      const v = data.get(name);
      return typeof v === 'string' ? v : '';
    };
    passwordLogin(text('user'), text('password'), text('otp'))
      .then(async () => {
        session = await loadSession();
        go(returnTo.startsWith('/console') ? returnTo : '/console/');
      })
      .catch((e: unknown) => mount(out, errorBox(e)));
  });
  return [
    h('h1', {}, 'Log in to Glovebox'),
    error ? h('p', { class: 'error', role: 'alert' }, `Single sign-on failed (${error}). Try again.`) : null,
    session.methods.sso
      ? h(
          'p',
          {},
          h(
            'a',
            {
              class: 'button',
              href: `/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`,
              id: 'sso-login',
            },
            'Log in with single sign-on',
          ),
        )
      : null,
    form,
    out,
  ];
}

function requestCard(r: AccessRequestView): HTMLElement {
  const got = r.approvals.filter((a) => a.verdict === 'approve').length;
  return h(
    'article',
    { class: 'card' },
    h('h3', {}, link(`/console/requests/${r.id}`, `${r.requester} → ${r.target}`)),
    h(
      'p',
      {},
      statusBadge(r.status),
      ' ',
      r.breakGlass ? h('span', { class: 'badge bad' }, 'break-glass') : null,
      ` ${r.actions.join(', ')} · ${Math.round(r.durationSec / 60)} min`,
    ),
    h('p', {}, r.reason),
    r.status === 'pending'
      ? h(
          'p',
          { class: 'muted' },
          `${got}/${r.obligations.approvals} approvals from ${r.obligations.approverGroups.join(' or ') || '-'} · lapses ${when(r.pendingExpiresAt)}`,
        )
      : null,
  );
}

async function inboxView(): Promise<Child[]> {
  const { requests } = await api<{ requests: AccessRequestView[] }>('GET', '/requests');
  const mine = (r: AccessRequestView) => r.requester === session.user;
  const toReview = requests.filter((r) => r.status === 'pending' && !mine(r));
  const own = requests.filter(mine).slice(0, 20);
  return [
    h('h1', {}, 'Approvals inbox'),
    toReview.length === 0
      ? h('p', { class: 'muted' }, 'Nothing is waiting for your approval.')
      : h('section', { 'aria-label': 'Waiting for you' }, ...toReview.map(requestCard)),
    h('h2', {}, 'Your requests'),
    own.length === 0
      ? h('p', { class: 'muted' }, 'You have no recent requests.')
      : h('section', {}, ...own.map(requestCard)),
  ];
}

async function requestView(id: string): Promise<Child[]> {
  const r = await api<AccessRequestView>('GET', `/requests/${encodeURIComponent(id)}`);
  const result = h('div', { 'aria-live': 'polite' });
  const got = r.approvals.filter((a) => a.verdict === 'approve').length;
  const comment = h('textarea', { id: 'comment', name: 'comment', rows: 3, maxlength: 1000 });
  const review = (verdict: 'approve' | 'deny') => async () => {
    const text = comment.value.trim();
    try {
      const next = await api<AccessRequestView>('POST', `/requests/${encodeURIComponent(r.id)}/${verdict}`, {
        ...(verdict === 'approve' ? { digest: r.digest } : {}),
        ...(text ? { comment: text } : {}),
      });
      announce(`Request ${verdict === 'approve' ? 'approved' : 'denied'}; status ${next.status}`);
      mount(main, ...(await requestView(r.id)));
    } catch (error) {
      const children: Child[] = [errorBox(error)];
      if (error instanceof ApiError && error.code === 'GBX_STEP_UP_REQUIRED')
        children.push(
          h(
            'button',
            {
              type: 'button',
              onClick: () => {
                verifyKey()
                  .then(() => review(verdict)())
                  .catch((e: unknown) => mount(result, errorBox(e)));
              },
            },
            'Verify with security key and retry',
          ),
        );
      mount(result, ...children);
    }
  };
  const canReview = r.status === 'pending' && r.requester !== session.user;
  return [
    h('h1', {}, `Request ${r.id}`),
    r.breakGlass
      ? h('p', { class: 'banner', role: 'note' }, 'Break-glass: emergency access, reviewed afterwards.')
      : null,
    facts([
      ['Status', [statusBadge(r.status), r.endReason ? ` (${r.endReason})` : '']],
      ['Requested by', r.requester],
      ['Target', r.target],
      ['Actions', r.actions.join(', ')],
      ['Reason', r.reason],
      ['Ticket', r.ticket ?? '-'],
      [
        'Duration',
        `${Math.round(r.durationSec / 60)} min (idle timeout ${Math.round(r.obligations.idleTimeoutSec / 60)} min)`,
      ],
      ['Masking', r.obligations.masking],
      [
        'Policy demands',
        `${r.obligations.approvals} approval(s) from ${r.obligations.approverGroups.join(' or ') || 'nobody'}`,
      ],
      ['Approvals so far', `${got} of ${r.obligations.approvals}`],
      ['Decided by policies', r.determiningPolicies.join(', ') || '-'],
      ['Policy version', h('code', {}, r.policyVersion.slice(0, 16))],
      ['Request digest', h('code', {}, r.digest)],
      ['Created', when(r.createdAt)],
      [
        r.status === 'pending' ? 'Lapses' : 'Ends',
        when(r.status === 'pending' ? r.pendingExpiresAt : r.expiresAt),
      ],
    ]),
    r.approvals.length
      ? [
          h('h2', {}, 'Reviews'),
          table(
            'Reviews',
            ['Reviewer', 'Verdict', 'Comment', 'When'],
            r.approvals.map((a) => [a.approver, a.verdict, a.comment ?? '', when(a.createdAt)]),
          ),
        ]
      : null,
    canReview
      ? h(
          'section',
          { 'aria-labelledby': 'review-title', class: 'stack' },
          h('h2', { id: 'review-title' }, 'Your review'),
          h('label', { for: 'comment' }, 'Comment (optional, audited)'),
          comment,
          h(
            'div',
            { class: 'actions' },
            h(
              'button',
              { type: 'button', id: 'approve', onClick: () => void review('approve')() },
              'Approve',
            ),
            h(
              'button',
              { type: 'button', id: 'deny', class: 'danger', onClick: () => void review('deny')() },
              'Deny',
            ),
          ),
        )
      : null,
    r.status === 'active' ? h('p', {}, link(`/console/sessions/${r.id}`, 'Open the session')) : null,
    result,
  ];
}

function sessionRows(list: AccessRequestView[]): Child[][] {
  return list.map((s) => [
    link(`/console/sessions/${s.id}`, s.id),
    s.requester,
    s.target,
    s.actions.join(', '),
    statusBadge(s.status),
    when(s.status === 'active' ? s.expiresAt : s.endedAt),
  ]);
}

async function sessionsView(): Promise<Child[]> {
  const { sessions } = await api<{ sessions: AccessRequestView[] }>('GET', '/sessions?all=true');
  const active = sessions.filter((s) => s.status === 'active');
  const past = sessions.filter((s) => s.status !== 'active').slice(0, 50);
  const head = ['Session', 'Who', 'Target', 'Actions', 'Status', 'Ends / ended'];
  return [
    h('h1', {}, 'Sessions'),
    h('h2', {}, 'Active'),
    active.length
      ? table('Active sessions', head, sessionRows(active))
      : h('p', { class: 'muted' }, 'No active session.'),
    h('h2', {}, 'Past'),
    past.length
      ? table('Past sessions', head, sessionRows(past))
      : h('p', { class: 'muted' }, 'No past session.'),
  ];
}

function auditTable(events: AuditEvent[]): HTMLElement {
  return table(
    'Audit events',
    ['#', 'Time', 'Type', 'Actor', 'Target', 'Action', 'Outcome'],
    events.map((e) => [
      String(e.seq),
      e.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      e.type,
      e.actor,
      e.target ?? '',
      e.action ?? '',
      e.outcome,
    ]),
  );
}

async function sessionView(id: string): Promise<Child[]> {
  const s = await api<AccessRequestView>('GET', `/requests/${encodeURIComponent(id)}`);
  const activity = h('div', { id: 'activity', 'aria-live': 'polite' });
  const result = h('div', {});
  const refresh = async () => {
    try {
      const { events } = await api<{ events: AuditEvent[] }>(
        'GET',
        `/audit?session=${encodeURIComponent(id)}&limit=200`,
      );
      const lines = events
        .filter((e) => e.type.startsWith('action.') || e.type.startsWith('session.'))
        .map((e) => `${e.time}  ${e.type}${e.action ? ` ${e.action}` : ''}  ${e.outcome}${summary(e.event)}`);
      mount(activity, h('pre', { class: 'output' }, lines.join('\n') || 'No activity yet.'));
    } catch (error) {
      mount(activity, h('p', { class: 'muted' }, `Activity is not available to you: ${errorText(error)}`));
    }
  };
  await refresh();
  const liveOutput = h('pre', { class: 'output', id: 'live-output', 'aria-live': 'polite' }, '');
  if (s.status === 'active') {
    timers.push(window.setInterval(() => void refresh(), 3000));
    const controller = new AbortController();
    streams.push(controller);
    const lines: string[] = [];
    watch(
      `/sessions/${encodeURIComponent(s.id)}/live`,
      (message) => {
        if (message.type !== 'stream' && message.type !== 'ended') return;
        const data = message.data as { line?: string; data?: string; stream?: string } | undefined;
        const text =
          message.type === 'ended'
            ? '— session ended —'
            : `${message.action as string}: ${data?.line ?? data?.data ?? JSON.stringify(message.data)}`;
        lines.push(text.replace(/\s+$/, ''));
        if (lines.length > 500) lines.shift();
        liveOutput.textContent = lines.join('\n');
      },
      controller.signal,
    ).catch(() => undefined);
  }
  return [
    h('h1', {}, `Session ${s.id}`),
    facts([
      ['Status', statusBadge(s.status)],
      ['Who', s.requester],
      ['Target', s.target],
      ['Actions', s.actions.join(', ')],
      ['Reason', s.reason],
      ['Started', when(s.activatedAt)],
      [
        s.status === 'active' ? 'Ends' : 'Ended',
        s.status === 'active' ? when(s.expiresAt) : `${when(s.endedAt)} ${s.endReason ?? ''}`,
      ],
    ]),
    s.status === 'active'
      ? h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              id: 'end-session',
              class: 'danger',
              onClick: () => {
                api('POST', `/sessions/${encodeURIComponent(s.id)}/end`, {})
                  .then(async () => {
                    announce('Session ended');
                    mount(main, ...(await sessionView(s.id)));
                  })
                  .catch((e: unknown) => mount(result, errorBox(e)));
              },
            },
            'End session now',
          ),
        )
      : null,
    result,
    h('h2', {}, 'Live output'),
    h(
      'p',
      { class: 'muted' },
      'Logpoint lines and command output as the engineer sees them, already redacted.',
    ),
    liveOutput,
    h('h2', {}, 'Live activity'),
    h(
      'p',
      { class: 'muted' },
      'Every action of the session as audited (results are redacted before they are recorded); refreshes every 3 s while active.',
    ),
    activity,
  ];
}

function summary(event: Record<string, unknown>): string {
  const details = event.details as Record<string, unknown> | undefined;
  if (!details) return '';
  const text = JSON.stringify(details);
  return `  ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}

async function auditView(): Promise<Child[]> {
  const params = new URLSearchParams(location.search);
  const field = (name: string, label: string, attrs: Record<string, string> = {}) =>
    h('label', {}, label, h('input', { name, value: params.get(name) ?? '', ...attrs }));
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the audit trail' },
    field('actor', 'Actor'),
    field('session', 'Session'),
    field('target', 'Target'),
    field('action', 'Action'),
    h(
      'label',
      {},
      'Decision',
      h(
        'select',
        { name: 'decision' },
        ...['', 'allow', 'deny'].map((v) =>
          h('option', { value: v, selected: params.get('decision') === v }, v || 'any'),
        ),
      ),
    ),
    field('since', 'Since (ISO time)', { placeholder: '2025-01-01T00:00:00Z' }),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v.trim()) q.set(k, v.trim());
    go(`/console/audit${q.size ? `?${q.toString()}` : ''}`);
  });
  const query = new URLSearchParams();
  for (const k of ['actor', 'session', 'target', 'action', 'decision', 'since']) {
    const v = params.get(k);
    if (v) query.set(k, v);
  }
  query.set('limit', '500');
  const [verify, list] = await Promise.all([
    api<Verify>('GET', '/audit/verify').catch((e: unknown) => e),
    api<{ events: AuditEvent[] }>('GET', `/audit?${query.toString()}`),
  ]);
  const verifyBox =
    verify instanceof Error
      ? errorBox(verify)
      : h(
          'p',
          { class: (verify as Verify).ok ? 'card okay' : 'card error', id: 'verify-status', role: 'status' },
          (verify as Verify).ok ? 'Chain verified: ' : 'Chain verification FAILED: ',
          `${(verify as Verify).message} (${(verify as Verify).events} events, ${(verify as Verify).checkpoints} signed checkpoints)`,
        );
  // The API answers newest first; the banner names the filters the list was searched with.
  const events = list.events;
  const applied = [...query].filter(([k]) => k !== 'limit').map(([k, v]) => `${k} ${v}`);
  return [
    h('h1', {}, 'Audit trail'),
    verifyBox,
    form,
    h(
      'p',
      { class: 'muted', id: 'audit-count', role: 'status' },
      `${events.length} event(s)${applied.length ? ` where ${applied.join(', ')}` : ''}, newest first`,
    ),
    auditTable(events),
  ];
}

async function targetsView(): Promise<Child[]> {
  const { targets } = await api<{ targets: Target[] }>('GET', '/targets');
  const agents = await api<{ agents: Agent[] }>('GET', '/agents').catch(() => null);
  const yesNo = (b: boolean) =>
    h('span', { class: b ? 'badge ok' : 'badge bad' }, b ? 'connected' : 'offline');
  return [
    h('h1', {}, 'Targets'),
    targets.length
      ? table(
          'Targets you may request',
          ['Name', 'Environment', 'Owner', 'Agent', 'Actions'],
          targets.map((t) => [t.name, t.env, t.owner, yesNo(t.connected), t.actions.join(', ')]),
        )
      : h('p', { class: 'muted' }, 'No target is visible to you.'),
    agents
      ? [
          h('h2', {}, 'Agents'),
          table(
            'Registered agents',
            ['Name', 'Environment', 'Owner', 'Status', 'Last seen'],
            agents.agents.map((a) => [a.name, a.env, a.owner, yesNo(a.connected), when(a.lastSeen)]),
          ),
        ]
      : null,
  ];
}

async function policyView(): Promise<Child[]> {
  const p = await api<Policy>('GET', '/policy');
  return [
    h('h1', {}, 'Active policy set'),
    facts([
      ['Version', h('code', {}, p.version)],
      ['Policies', String(p.policies.length)],
    ]),
    table(
      'Policies',
      ['Policy', 'Effect', 'Obligations and notes'],
      p.policies.map((x) => [
        x.id,
        x.effect,
        Object.entries(x.annotations)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; '),
      ]),
    ),
  ];
}

async function securityView(): Promise<Child[]> {
  const { credentials } = await api<{
    credentials: { id: string; createdAt: number; lastUsedAt: number | null }[];
  }>('GET', '/mfa/webauthn');
  const out = h('div', { 'aria-live': 'polite' });
  const run = (fn: () => Promise<void>, done: string) => () => {
    fn()
      .then(async () => {
        announce(done);
        session = await loadSession();
        mount(main, ...(await securityView()), h('p', { class: 'okay', role: 'status' }, done));
      })
      .catch((e: unknown) => mount(out, errorBox(e)));
  };
  return [
    h('h1', {}, 'Security keys'),
    h(
      'p',
      {},
      'A security key or platform authenticator (WebAuthn) is a second factor: policy can demand a fresh check (step-up) before sensitive actions or approvals.',
    ),
    facts([
      [
        'Last second factor',
        session.mfaAgeSec === null || session.mfaAgeSec === undefined
          ? 'never in this login'
          : `${session.mfaAgeSec} s ago`,
      ],
    ]),
    credentials.length
      ? table(
          'Registered keys',
          ['Key', 'Added', 'Last used'],
          credentials.map((c) => [
            h('code', {}, `${c.id.slice(0, 12)}…`),
            when(c.createdAt),
            when(c.lastUsedAt),
          ]),
        )
      : h('p', { class: 'muted' }, 'No key registered.'),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', id: 'register-key', onClick: run(registerKey, 'Security key registered') },
        'Register a security key',
      ),
      credentials.length
        ? h(
            'button',
            {
              type: 'button',
              id: 'verify-key',
              class: 'secondary',
              onClick: run(verifyKey, 'Second factor verified'),
            },
            'Verify now (step-up)',
          )
        : null,
    ),
    out,
  ];
}

// ---- router -------------------------------------------------------------------------------------

async function view(path: string): Promise<Child[]> {
  let m: RegExpExecArray | null;
  if ((m = /^\/console\/requests\/([\w-]+)$/.exec(path))) return requestView(m[1]!);
  if ((m = /^\/console\/sessions\/([\w-]+)$/.exec(path))) return sessionView(m[1]!);
  if (path === '/console/sessions') return sessionsView();
  if (path === '/console/audit') return auditView();
  if (path === '/console/targets') return targetsView();
  if (path === '/console/policy') return policyView();
  if (path === '/console/security') return securityView();
  return inboxView();
}

async function render(): Promise<void> {
  for (const t of timers) clearInterval(t);
  timers = [];
  for (const s of streams) s.abort();
  streams = [];
  const path = location.pathname;
  if (!session.authenticated && path !== '/console/login') {
    history.replaceState(null, '', `/console/login?returnTo=${encodeURIComponent(path)}`);
  }
  header();
  try {
    const children = location.pathname === '/console/login' ? loginView() : await view(location.pathname);
    mount(main, ...children);
  } catch (error) {
    if (
      error instanceof ApiError &&
      (error.code === 'GBX_AUTH_FAILED' || error.code === 'GBX_AUTH_REQUIRED')
    ) {
      session = { authenticated: false, methods: session.methods };
      go(`/console/login?returnTo=${encodeURIComponent(location.pathname)}`);
      return;
    }
    mount(main, h('h1', {}, 'Could not load this view'), errorBox(error));
  }
  const title = main.querySelector('h1')?.textContent;
  document.title = title ? `${title} · Glovebox` : 'Glovebox';
  main.focus({ preventScroll: true });
}

window.addEventListener('popstate', () => void render());
void loadSession()
  .then((s) => {
    session = s;
  })
  .catch(() => undefined)
  .finally(() => void render());
