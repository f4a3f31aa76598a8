import type { ConsoleSession } from '@glovebox/protocol';
import { h, type Child } from './dom.js';

/** The element every view renders into. */
export const main = document.getElementById('main')!;

/** What the console knows about the current page: the login, and what the shown view keeps running. */
export const state: {
  session: ConsoleSession;
  /** Timers of the current view (live refresh); cleared when the view changes. */
  timers: number[];
  /** Live streams of the current view, stopped when the view changes. */
  streams: AbortController[];
} = {
  session: { authenticated: false, methods: { sso: false, password: true } },
  timers: [],
  streams: [],
};

let renderer: () => Promise<void> = async () => undefined;

/** Sets the function that renders the current location (the router, in main.ts). */
export function setRenderer(render: () => Promise<void>): void {
  renderer = render;
}

/** Navigates within the console without a reload. */
export function go(path: string): void {
  history.pushState(null, '', path);
  void renderer();
}

/** A same-page link: keyboard and screen readers see a normal link; a click routes without reload. */
export function link(path: string, ...children: Child[]): HTMLAnchorElement {
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
