import { ApiError } from './api.js';
import { h, mount } from './dom.js';

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : 'something went wrong';
}

export function errorBox(error: unknown): HTMLElement {
  return h('p', { class: 'error', role: 'alert' }, errorText(error));
}

export function statusBadge(status: string): HTMLElement {
  const cls = status === 'active' ? 'ok' : status === 'denied' || status === 'expired' ? 'bad' : '';
  return h('span', { class: `badge ${cls}` }, status);
}

/** The target's environment, loud for production (`.badge.env-prod`); unregistered targets say so. */
export function envBadge(env: string | null): HTMLElement {
  if (env === null) return h('span', { class: 'badge' }, 'target unregistered');
  return h('span', { class: `badge env env-${env.toLowerCase()}`, title: 'environment' }, env.toUpperCase());
}

/**
 * A button that asks before it acts: the first press swaps it for the question and two buttons,
 * "Cancel" (focused, so a second tap or Enter does not confirm by accident) and the confirming one.
 */
export function confirmButton(opts: {
  id: string;
  label: string;
  question: string;
  confirm: string;
  onConfirm: () => void;
}): HTMLElement {
  const box = h('div', { class: 'confirm' });
  const ask = () => {
    const cancel = h('button', { type: 'button', class: 'secondary', onClick: reset }, 'Cancel');
    mount(
      box,
      h('p', { role: 'alert', class: 'confirm-question' }, opts.question),
      h('div', { class: 'actions' }, [
        cancel,
        h(
          'button',
          { type: 'button', id: `${opts.id}-confirm`, class: 'danger', onClick: opts.onConfirm },
          opts.confirm,
        ),
      ]),
    );
    cancel.focus();
  };
  function reset(): void {
    mount(box, h('button', { type: 'button', id: opts.id, class: 'danger', onClick: ask }, opts.label));
  }
  reset();
  return box;
}
