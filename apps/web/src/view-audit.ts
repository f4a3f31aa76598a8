import { api } from './api.js';
import { h, table, type Child } from './dom.js';
import { go } from './state.js';
import { errorBox } from './ui.js';

export interface AuditEvent {
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
