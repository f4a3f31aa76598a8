import type { AccessRequestView, AuditEventView } from '@glovebox/protocol';
import { api, watch } from './api.js';
import { announce, facts, h, mount, table, when, type Child } from './dom.js';
import { link, main, poll, state } from './state.js';
import { confirmButton, envBadge, errorBox, errorText, statusBadge } from './ui.js';

function sessionRows(list: AccessRequestView[]): Child[][] {
  return list.map((s) => [
    link(`/console/sessions/${s.id}`, s.id),
    s.requester,
    [s.target, ' ', envBadge(s.targetEnv)],
    s.actions.join(', '),
    statusBadge(s.status),
    when(s.status === 'active' ? s.expiresAt : s.endedAt),
  ]);
}

export async function sessionsView(): Promise<Child[]> {
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
/**
 * The session's audited activity, refreshed while it is active; asked only when the gateway says
 * the caller may read it, and stopped for good if refused anyway.
 */
async function activityFeed(s: AccessRequestView): Promise<HTMLElement> {
  const activity = h('div', { id: 'activity', 'aria-live': 'polite' });
  if (!s.allowed.activity) {
    mount(activity, h('p', { class: 'muted' }, 'Activity is not available to you: auditors read it.'));
    return activity;
  }
  await poll(
    async () => {
      const { events } = await api<{ events: AuditEventView[] }>(
        'GET',
        `/audit?session=${encodeURIComponent(s.id)}&limit=200`,
      );
      const lines = events
        .filter((e) => e.type.startsWith('action.') || e.type.startsWith('session.'))
        .map(
          (e) =>
            `${when(Date.parse(e.time))}  ${e.type}${e.action ? ` ${e.action}` : ''}  ${e.outcome}${summary(e.event)}`,
        );
      mount(activity, h('pre', { class: 'output' }, lines.join('\n') || 'No activity yet.'));
    },
    {
      everyMs: 3000,
      repeat: s.status === 'active',
      onError: (error, refused) =>
        mount(
          activity,
          h(
            'p',
            { class: 'muted' },
            refused
              ? `Activity is not available to you: ${errorText(error)}`
              : `Activity could not be loaded (${errorText(error)}); trying again shortly.`,
          ),
        ),
    },
  );
  return activity;
}

/** Redacted output pieces as the engineer sees them, followed while the caller may watch. */
function liveFeed(s: AccessRequestView): HTMLElement {
  const liveOutput = h('pre', { class: 'output', id: 'live-output', 'aria-live': 'polite' }, '');
  if (s.status !== 'active') return liveOutput;
  if (!s.allowed.watch) {
    liveOutput.textContent = 'Live output is not available to you.';
    return liveOutput;
  }
  const controller = new AbortController();
  state.streams.push(controller);
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
  ).catch((error: unknown) => {
    if (!controller.signal.aborted)
      liveOutput.textContent = `Live output is not available: ${errorText(error)}`;
  });
  return liveOutput;
}

export async function sessionView(id: string): Promise<Child[]> {
  const s = await api<AccessRequestView>('GET', `/requests/${encodeURIComponent(id)}`);
  const result = h('div', {});
  const activity = await activityFeed(s);
  const end = () => {
    api('POST', `/sessions/${encodeURIComponent(s.id)}/end`, {})
      .then(async () => {
        announce('Session ended');
        mount(main, ...(await sessionView(s.id)));
      })
      .catch((e: unknown) => mount(result, errorBox(e)));
  };
  return [
    h('h1', {}, `Session ${s.id}`),
    h('p', { class: 'badges' }, envBadge(s.targetEnv), statusBadge(s.status)),
    facts([
      ['Status', statusBadge(s.status)],
      ['Who', s.requester],
      ['Target', [s.target, ' ', envBadge(s.targetEnv)]],
      ['Actions', s.actions.join(', ')],
      ['Reason', s.reason],
      ['Started', when(s.activatedAt)],
      [
        s.status === 'active' ? 'Ends' : 'Ended',
        s.status === 'active' ? when(s.expiresAt) : `${when(s.endedAt)} ${s.endReason ?? ''}`,
      ],
    ]),
    s.allowed.end
      ? h(
          'div',
          { class: 'actions' },
          confirmButton({
            id: 'end-session',
            label: 'End session now',
            question: `End ${s.requester}'s session on ${s.target} now? Running actions stop.`,
            confirm: 'Yes, end it',
            onConfirm: end,
          }),
        )
      : null,
    result,
    h('h2', {}, 'Live output'),
    h(
      'p',
      { class: 'muted' },
      'Logpoint lines and command output as the engineer sees them, already redacted.',
    ),
    liveFeed(s),
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
