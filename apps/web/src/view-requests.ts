import type { AccessRequestView } from '@glovebox/protocol';
import { ApiError, api } from './api.js';
import { ago, announce, facts, h, mount, table, when, type Child } from './dom.js';
import { go, link, main, state } from './state.js';
import { confirmButton, envBadge, errorBox, statusBadge } from './ui.js';
import { verifyKey } from './webauthn.js';

/** What a request asks, at a glance: badges and age first, so a phone shows them on top. */
function badges(r: AccessRequestView): HTMLElement {
  return h(
    'p',
    { class: 'badges' },
    envBadge(r.targetEnv),
    statusBadge(r.status),
    r.breakGlass ? h('span', { class: 'badge bad' }, 'break-glass') : null,
    h('span', { class: 'age' }, `requested ${ago(r.createdAt)}`),
  );
}

/** A request in a list; tapping anywhere on the card opens it (the title stays a real link). */
function requestCard(r: AccessRequestView): HTMLElement {
  const got = r.approvals.filter((a) => a.verdict === 'approve').length;
  const path = `/console/requests/${r.id}`;
  const card = h(
    'article',
    { class: 'card tappable' },
    badges(r),
    h('h3', {}, link(path, `${r.requester} → ${r.target}`)),
    h('p', {}, `${r.actions.join(', ')} · ${Math.round(r.durationSec / 60)} min`),
    h('p', {}, r.reason),
    r.status === 'pending'
      ? h(
          'p',
          { class: 'muted' },
          `${got}/${r.obligations.approvals} approvals from ${r.obligations.approverGroups.join(' or ') || '-'} · lapses ${when(r.pendingExpiresAt)}`,
        )
      : null,
  );
  card.addEventListener('click', (event) => {
    if ((event.target as Element).closest('a, button') || getSelection()?.toString()) return;
    go(path);
  });
  return card;
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

/** Where the request stands, in words: what the reviewer needs to see after acting. */
function outcome(r: AccessRequestView): HTMLElement | null {
  const mine = r.approvals.find((a) => a.approver === state.session.user);
  const yours = mine
    ? ` You ${mine.verdict === 'approve' ? 'approved' : 'denied'} it ${ago(mine.createdAt)}.`
    : '';
  const text: Record<AccessRequestView['status'], string> = {
    pending: mine ? `Waiting for more approvals.${yours}` : '',
    active: `Approved: the session is active until ${when(r.expiresAt)}.${yours}`,
    denied: `Denied.${yours}`,
    expired: 'Lapsed without enough approvals.',
    ended: `Ended ${when(r.endedAt)}${r.endReason ? ` (${r.endReason})` : ''}.${yours}`,
  };
  if (!text[r.status]) return null;
  const cls = r.status === 'active' ? 'okay' : r.status === 'pending' ? '' : 'error';
  return h('p', { class: `card outcome ${cls}`, id: 'outcome', role: 'status' }, text[r.status]);
}

function details(r: AccessRequestView): Child[] {
  const got = r.approvals.filter((a) => a.verdict === 'approve').length;
  return [
    facts([
      ['Status', [statusBadge(r.status), r.endReason ? ` (${r.endReason})` : '']],
      ['Requested by', r.requester],
      ['Target', [r.target, ' ', envBadge(r.targetEnv)]],
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
  ];
}

/** The comment box and Approve / Deny, placed right under the summary (sticky on a phone). */
function reviewPanel(r: AccessRequestView, result: HTMLElement): HTMLElement {
  const comment = h('textarea', { id: 'comment', name: 'comment', rows: 2, maxlength: 1000 });
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
  const withdraw = r.requester === state.session.user;
  return h(
    'section',
    { 'aria-labelledby': 'review-title', class: 'stack review' },
    h('h2', { id: 'review-title', class: 'sr-only' }, withdraw ? 'Your request' : 'Your review'),
    h('label', { for: 'comment' }, 'Comment (optional, audited)'),
    comment,
    h(
      'div',
      { class: 'actions' },
      r.allowed.approve
        ? h('button', { type: 'button', id: 'approve', onClick: () => void review('approve')() }, 'Approve')
        : null,
      r.allowed.deny
        ? confirmButton({
            id: 'deny',
            label: withdraw ? 'Withdraw' : 'Deny',
            question: withdraw
              ? `Withdraw your request for ${r.target}? This cannot be undone.`
              : `Deny ${r.requester}'s access to ${r.target}? This cannot be undone.`,
            confirm: withdraw ? 'Yes, withdraw' : 'Yes, deny',
            onConfirm: () => void review('deny')(),
          })
        : null,
    ),
  );
}

export async function requestView(id: string): Promise<Child[]> {
  const r = await api<AccessRequestView>('GET', `/requests/${encodeURIComponent(id)}`);
  const result = h('div', { 'aria-live': 'polite' });
  // Offered only when the gateway would accept: `allowed` is its own decision for this caller.
  const canReview = r.allowed.approve || r.allowed.deny;
  return [
    h('h1', {}, `Request ${r.id}`),
    badges(r),
    h('p', { class: 'lead' }, h('strong', {}, `${r.requester} → ${r.target}`), ` · ${r.actions.join(', ')}`),
    h('p', {}, r.reason),
    r.breakGlass
      ? h('p', { class: 'banner', role: 'note' }, 'Break-glass: emergency access, reviewed afterwards.')
      : null,
    outcome(r),
    canReview ? reviewPanel(r, result) : null,
    result,
    r.status === 'active' && r.allowed.watch
      ? h('p', {}, link(`/console/sessions/${r.id}`, 'Watch the session'))
      : null,
    h('h2', {}, 'Details'),
    ...details(r),
  ];
}
