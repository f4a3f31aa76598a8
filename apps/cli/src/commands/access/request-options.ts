import {
  DEBUG_ACTIONS,
  MAX_REASON_LENGTH,
  FIELD_LIMITS,
  MIN_BREAK_GLASS_REASON_LENGTH,
  MIN_REASON_LENGTH,
  visibleReasonLength,
} from '@glovebox/protocol/constants';
import { durationOption, usage } from '../common.js';

export interface RequestOptions {
  actions?: string;
  reason?: string;
  ticket?: string;
  duration?: string;
  breakGlass?: boolean;
  wait?: string | boolean;
  sql: string[];
  command: string[];
  class?: string;
}

/** The statements, commands or class an approval will cover (`--sql`, `--command`, `--class`). */
function scopeOf(o: RequestOptions, actions: string[]): Record<string, unknown> | undefined {
  const sql = o.sql.map((s) => s.trim());
  if (sql.some((s) => s === '')) usage('--sql needs a statement');
  if (sql.length > 0 && !actions.includes('query')) usage('--sql needs the query action in --actions');
  const commands = o.command.map((c) => c.trim().split(/\s+/));
  if (commands.some((c) => c[0] === '')) usage('--command needs a command line');
  if (commands.length > 0 && !actions.includes('exec')) usage('--command needs the exec action in --actions');
  if (o.class !== undefined && o.class !== 'read') usage('--class can only be read');
  if (sql.length === 0 && commands.length === 0 && o.class === undefined) return undefined;
  return {
    ...(sql.length ? { sql } : {}),
    ...(commands.length ? { commands } : {}),
    ...(o.class ? { class: o.class } : {}),
  };
}

/** Checks a request's options locally, so a person hears about a mistake before anything is filed. */
export function requestBody(target: string, o: RequestOptions): Record<string, unknown> {
  if (o.actions === undefined) usage(`--actions is required: some of ${DEBUG_ACTIONS.join(', ')}`);
  if (o.reason === undefined)
    usage(`--reason is required: why you need access, at least ${MIN_REASON_LENGTH} characters`);
  const actions = o.actions
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (actions.length === 0) usage(`--actions needs at least one of: ${DEBUG_ACTIONS.join(', ')}`);
  for (const a of actions)
    if (!(DEBUG_ACTIONS as readonly string[]).includes(a))
      usage(`unknown action "${a}" in --actions (known: ${DEBUG_ACTIONS.join(', ')})`);
  const reason = o.reason.trim();
  const minimum = o.breakGlass ? MIN_BREAK_GLASS_REASON_LENGTH : MIN_REASON_LENGTH;
  const visible = visibleReasonLength(reason);
  if (visible < minimum)
    usage(
      `--reason must be at least ${minimum} visible characters${o.breakGlass ? ' for --break-glass' : ''} ` +
        `(got ${visible}): say why you need access, e.g. an incident ticket and symptom`,
    );
  if (reason.length > MAX_REASON_LENGTH) usage(`--reason must be at most ${MAX_REASON_LENGTH} characters`);
  if (o.ticket !== undefined && o.ticket.length > FIELD_LIMITS.maxTicket)
    usage(`--ticket must be at most ${FIELD_LIMITS.maxTicket} characters: a reference, not a description`);
  if (o.duration !== undefined) durationOption('--duration', o.duration);
  if (typeof o.wait === 'string') durationOption('--wait', o.wait);
  const scope = scopeOf(o, actions);
  return {
    ...(scope ? { scope } : {}),
    target,
    actions,
    reason,
    breakGlass: o.breakGlass === true,
    ...(o.ticket ? { ticket: o.ticket } : {}),
    ...(o.duration ? { duration: o.duration.trim() } : {}),
  };
}
