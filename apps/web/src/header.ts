import { logout } from './api.js';
import { h, mount } from './dom.js';
import { go, link, state } from './state.js';

const NAV: [string, string][] = [
  ['/console/', 'Approvals'],
  ['/console/sessions', 'Sessions'],
  ['/console/audit', 'Audit'],
  ['/console/targets', 'Targets'],
  ['/console/policy', 'Policy'],
  ['/console/security', 'Security keys'],
];

/** The navigation and the logged-in user, or nothing before login. */
export function header(): void {
  const path = location.pathname;
  const nav = document.getElementById('nav')!;
  const who = document.getElementById('who')!;
  const session = state.session;
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
            state.session = { authenticated: false, methods: state.session.methods };
            go('/console/login');
          });
        },
      },
      'Log out',
    ),
  );
}
