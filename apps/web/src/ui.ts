import { ApiError } from './api.js';
import { h } from './dom.js';

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
