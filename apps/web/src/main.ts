import { ApiError, loadSession } from './api.js';
import { h, mount, type Child } from './dom.js';
import { header } from './header.js';
import { go, main, setRenderer, state } from './state.js';
import { errorBox } from './ui.js';
import { auditView } from './view-audit.js';
import { loginView } from './view-login.js';
import { policyView } from './view-policy.js';
import { inboxView, requestView } from './view-requests.js';
import { securityView } from './view-security.js';
import { sessionView, sessionsView } from './view-sessions.js';
import { targetsView } from './view-targets.js';

/** Answers that mean this login is over: the page goes back to the login form. */
const LOGIN_AGAIN = new Set(['GBX_AUTH_FAILED', 'GBX_AUTH_REQUIRED', 'GBX_AUTH_SSO_STALE']);

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
  for (const t of state.timers) clearTimeout(t);
  state.timers = [];
  for (const s of state.streams) s.abort();
  state.streams = [];
  const path = location.pathname;
  if (!state.session.authenticated && path !== '/console/login') {
    history.replaceState(null, '', `/console/login?returnTo=${encodeURIComponent(path)}`);
  }
  header();
  try {
    const children = location.pathname === '/console/login' ? loginView() : await view(location.pathname);
    mount(main, ...children);
  } catch (error) {
    if (error instanceof ApiError && LOGIN_AGAIN.has(error.code)) {
      state.session = { authenticated: false, methods: state.session.methods };
      go(`/console/login?returnTo=${encodeURIComponent(location.pathname)}`);
      return;
    }
    mount(main, h('h1', {}, 'Could not load this view'), errorBox(error));
  }
  const title = main.querySelector('h1')?.textContent;
  document.title = title ? `${title} · Glovebox` : 'Glovebox';
  main.focus({ preventScroll: true });
}

setRenderer(render);
window.addEventListener('popstate', () => void render());
void loadSession()
  .then((s) => {
    state.session = s;
  })
  .catch(() => undefined)
  .finally(() => void render());
