import type { AuditEventView, AuditList, AuditVerify } from '@glovebox/protocol';
import { api } from './api.js';
import { h, table, type Child } from './dom.js';
import { go, link } from './state.js';
import { errorBox } from './ui.js';

function auditTable(events: AuditEventView[]): HTMLElement {
  return table(
    'Audit events',
    ['#', 'Time', 'Type', 'Actor', 'Target', 'Action', 'Outcome', 'Decision'],
    events.map((e) => [
      e.intact ? String(e.seq) : `${e.seq}!`,
      e.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      e.type,
      e.actor,
      e.target ?? '',
      e.action ?? '',
      e.outcome,
      e.decision ?? '',
    ]),
  );
}
const FILTERS = ['actor', 'session', 'target', 'action', 'type', 'outcome', 'decision', 'since', 'until'];
const TIME_HINT = '1h, 2d, yesterday, 2026-12-01 or 2026-12-01T09:00+01:00';

function choice(name: string, label: string, values: string[], params: URLSearchParams): HTMLElement {
  return h(
    'label',
    {},
    label,
    h(
      'select',
      { name },
      ...['', ...values].map((v) =>
        h('option', { value: v, selected: (params.get(name) ?? '') === v }, v || 'any'),
      ),
    ),
  );
}

/** The page's banner: which events are listed, in which order, searched how. It says what the list shows. */
const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

function banner(page: AuditList, applied: string[]): string {
  const first = page.events[0]?.seq;
  const last = page.events.at(-1)?.seq;
  const range = first === undefined ? 'No event' : `${page.events.length} event(s), #${first} to #${last}`;
  const window =
    page.since !== null || page.until !== null
      ? `, from ${page.since ?? 'the start'} to ${page.until ?? 'now'} (UTC)`
      : '';
  return `${range}${applied.length ? ` where ${applied.join(', ')}` : ''}${window}, newest first`;
}

export async function auditView(): Promise<Child[]> {
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
    field('type', 'Event type', { placeholder: 'request.approved' }),
    choice('outcome', 'Outcome', ['success', 'denied', 'failure', 'pending'], params),
    choice('decision', 'Decision', ['allow', 'deny'], params),
    field('since', 'Since', { placeholder: TIME_HINT }),
    field('until', 'Until', { placeholder: TIME_HINT }),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v.trim()) q.set(k, v.trim());
    go(`/console/audit${q.size ? `?${q.toString()}` : ''}`);
  });
  const filters = new URLSearchParams();
  for (const k of FILTERS) {
    const v = params.get(k);
    if (v) filters.set(k, v);
  }
  const query = new URLSearchParams(filters);
  for (const k of ['before', 'after']) {
    const v = params.get(k);
    if (v && /^\d+$/.test(v)) query.set(k, v);
  }
  // `today`, `yesterday` and dates are the reader's days.
  query.set('tz', String(-new Date().getTimezoneOffset()));
  query.set('limit', '100');
  const [verify, page] = await Promise.all([
    api<AuditVerify>('GET', '/audit/verify').catch(asError),
    api<AuditList>('GET', `/audit?${query.toString()}`).catch(asError),
  ]);
  const verifyBox =
    verify instanceof Error
      ? errorBox(verify)
      : h(
          'p',
          { class: verify.ok ? 'card okay' : 'card error', id: 'verify-status', role: 'status' },
          verify.ok ? 'Chain verified: ' : 'Chain verification FAILED: ',
          `${verify.message} (${verify.events} events, ${verify.checkpoints} signed checkpoints)`,
        );
  if (page instanceof Error) return [h('h1', {}, 'Audit trail'), verifyBox, form, errorBox(page)];
  const applied = [...filters].map(([k, v]) => `${k} ${v}`);
  const to = (cursor: 'before' | 'after', seq: number) => {
    const q = new URLSearchParams(filters);
    q.set(cursor, String(seq));
    return `/console/audit?${q.toString()}`;
  };
  const warnings = [
    page.inconsistent.length > 0
      ? `${page.inconsistent.length} stored row(s) matched by edited columns were left out (#${page.inconsistent.slice(0, 10).join(', #')}).`
      : '',
    page.events.some((e) => !e.intact) ? 'Rows marked ! do not match their hash or stored columns.' : '',
  ].filter(Boolean);
  return [
    h('h1', {}, 'Audit trail'),
    verifyBox,
    form,
    warnings.length ? h('p', { class: 'card error', role: 'alert' }, warnings.join(' ')) : null,
    h('p', { class: 'muted', id: 'audit-count', role: 'status' }, banner(page, applied)),
    auditTable(page.events),
    h(
      'nav',
      { class: 'actions', 'aria-label': 'Pages of the audit trail' },
      page.newer !== null ? link(to('after', page.newer), '← Newer events') : null,
      page.older !== null ? link(to('before', page.older), 'Older events →') : null,
    ),
  ];
}
