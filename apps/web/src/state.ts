import type { ConsoleSession } from '@glovebox/protocol';
import { ApiError } from './api.js';
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

/**
 * Runs `load` now and, while `repeat` holds and the view is shown, again every `everyMs`. A refusal
 * (401, 403, 404) stops it for good: asking again would only be refused again, each time a denial
 * in the audit trail. Any other failure is retried after twice the previous wait, up to a minute.
 */
export async function poll(
  load: () => Promise<void>,
  opts: { everyMs: number; repeat: boolean; onError: (error: unknown, refused: boolean) => void },
): Promise<void> {
  const controller = new AbortController();
  state.streams.push(controller);
  let delay = opts.everyMs;
  const tick = async (): Promise<void> => {
    try {
      await load();
      delay = opts.everyMs;
    } catch (error) {
      const refused = error instanceof ApiError && [401, 403, 404].includes(error.status);
      opts.onError(error, refused);
      if (refused) return;
      delay = Math.min(delay * 2, 60_000);
    }
    if (opts.repeat && !controller.signal.aborted)
      state.timers.push(window.setTimeout(() => void tick(), delay));
  };
  await tick();
}
