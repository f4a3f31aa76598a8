import { loadSession, passwordLogin } from './api.js';
import { h, mount, type Child } from './dom.js';
import { go, state } from './state.js';
import { errorBox } from './ui.js';

export function loginView(): Child[] {
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
        state.session = await loadSession();
        go(returnTo.startsWith('/console') ? returnTo : '/console/');
      })
      .catch((e: unknown) => mount(out, errorBox(e)));
  });
  return [
    h('h1', {}, 'Log in to Glovebox'),
    error ? h('p', { class: 'error', role: 'alert' }, `Single sign-on failed (${error}). Try again.`) : null,
    state.session.methods.sso
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
