import type { AccessRequestView } from '@glovebox/protocol';
import { ApiError, api } from './api.js';
import { announce, facts, h, mount, table, when, type Child } from './dom.js';
import { link, main, state } from './state.js';
import { errorBox, statusBadge } from './ui.js';
import { verifyKey } from './webauthn.js';

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

export async function inboxView(): Promise<Child[]> {
  const { requests } = await api<{ requests: AccessRequestView[] }>('GET', '/requests');
  const mine = (r: AccessRequestView) => r.requester === state.session.user;
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

export async function requestView(id: string): Promise<Child[]> {
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
  const canReview = r.status === 'pending' && r.requester !== state.session.user;
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
