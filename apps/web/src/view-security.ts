import { api, loadSession } from './api.js';
import { announce, facts, h, mount, table, when, type Child } from './dom.js';
import { main, state } from './state.js';
import { errorBox } from './ui.js';
import { registerKey, verifyKey } from './webauthn.js';

export async function securityView(): Promise<Child[]> {
  const { credentials } = await api<{
    credentials: { id: string; createdAt: number; lastUsedAt: number | null }[];
  }>('GET', '/mfa/webauthn');
  const out = h('div', { 'aria-live': 'polite' });
  const ticket = h('input', {
    id: 'enrollment-ticket',
    name: 'ticket',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'gbx_e_…',
  });
  const run = (fn: () => Promise<void>, done: string) => () => {
    fn()
      .then(async () => {
        announce(done);
        state.session = await loadSession();
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
        state.session.mfaAgeSec === null || state.session.mfaAgeSec === undefined
          ? 'never in this login'
          : `${state.session.mfaAgeSec} s ago`,
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
    h('label', { for: 'enrollment-ticket' }, 'Enrollment ticket'),
    ticket,
    h(
      'p',
      { class: 'muted' },
      'Your first second factor needs the enrollment ticket an admin gave you (glovebox users add or users reset-mfa); another one needs a fresh check of one you have.',
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          id: 'register-key',
          onClick: run(() => registerKey(ticket.value.trim() || undefined), 'Security key registered'),
        },
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
