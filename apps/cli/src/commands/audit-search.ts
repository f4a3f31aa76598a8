import type { Command } from 'commander';
import type { z } from 'zod';
import { localOffsetAt, parseTimeSpec, type UtcOffsetAt } from '@glovebox/core';
import type { auditListSchema } from '@glovebox/protocol';
import type { ApiClient } from '../client.js';
import { table } from '../output.js';
import { context, usage } from './common.js';

type AuditPage = z.infer<typeof auditListSchema>;
type EventView = AuditPage['events'][number];

/** The options of `glovebox audit` as commander hands them over. */
export interface AuditSearchOptions {
  since?: string;
  until?: string;
  actor?: string;
  session?: string;
  target?: string;
  action?: string;
  type?: string;
  outcome?: string;
  decision?: string;
  limit?: string;
  before?: string;
  after?: string;
  all?: boolean;
}

const OUTCOMES = ['success', 'failure', 'denied', 'pending'];
const FILTERS = ['actor', 'session', 'target', 'action', 'type', 'outcome', 'decision'] as const;

function cursor(name: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text))
    usage(`--${name} takes a cursor (an event's seq), not "${text.slice(0, 40)}"`);
  return text;
}

/**
 * The query of a search: times read where the reader sits (`yesterday` is the local day) and sent
 * as UTC instants, so the gateway's clock and zone never change what was asked for.
 */
export function auditSearchQuery(
  o: AuditSearchOptions,
  now: number,
  offsetAt: UtcOffsetAt = localOffsetAt,
): URLSearchParams {
  const q = new URLSearchParams();
  for (const key of ['since', 'until'] as const) {
    const text = o[key];
    if (text === undefined) continue;
    let at: number;
    try {
      at = parseTimeSpec(text, now, offsetAt);
    } catch (error) {
      // read here, before anything is sent: a mistake on the command line (exit 2)
      return usage(`--${key}: ${error instanceof Error ? error.message : 'not a time'}`);
    }
    q.set(key, new Date(at).toISOString());
  }
  if (o.outcome !== undefined && !OUTCOMES.includes(o.outcome))
    usage(`--outcome is one of ${OUTCOMES.join(', ')} (refusals are "denied")`);
  if (o.decision !== undefined && o.decision !== 'allow' && o.decision !== 'deny')
    usage('--decision is allow or deny');
  for (const key of FILTERS) {
    const v = o[key];
    if (v) q.set(key, v);
  }
  const limit = o.limit ?? '100';
  if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1 || Number(limit) > 10_000)
    usage('--limit is a number of events from 1 to 10000');
  q.set('limit', limit);
  const before = cursor('before', o.before);
  const after = cursor('after', o.after);
  if (before !== undefined) q.set('before', before);
  if (after !== undefined) q.set('after', after);
  return q;
}

/**
 * Every page of a search, newest first: down the `older` cursors, or, from `--after` alone, up
 * the `newer` cursors (the pages then arrive oldest first and are put back in order).
 */
async function allPages(api: ApiClient, q: URLSearchParams): Promise<AuditPage> {
  const upward = q.has('after') && !q.has('before');
  const pages: AuditPage[] = [];
  const inconsistent: number[] = [];
  for (;;) {
    const page = await api.call<AuditPage>('GET', `/audit?${q.toString()}`);
    pages.push(page);
    inconsistent.push(...page.inconsistent);
    const next = upward ? page.newer : page.older;
    if (next === null) break;
    q.set(upward ? 'after' : 'before', String(next));
  }
  if (upward) pages.reverse();
  const first = pages[0]!;
  return {
    ...first,
    events: pages.flatMap((p) => p.events),
    older: upward ? first.older : null,
    newer: upward ? null : first.newer,
    inconsistent,
  };
}

function rows(events: EventView[]): string {
  return table(
    ['SEQ', 'TIME', 'TYPE', 'ACTOR', 'SESSION', 'ACTION', 'TARGET', 'OUTCOME', 'DECISION'],
    events.map((e) => [
      e.intact ? e.seq : `${e.seq}!`,
      e.time,
      e.type,
      e.actor,
      e.sessionId,
      e.action,
      e.target,
      e.outcome,
      e.decision,
    ]),
  );
}

/** The command for a neighbouring page: the same search, its times as resolved, the cursor. */
export function nextPage(q: URLSearchParams, direction: 'before' | 'after', cursorSeq: number): string {
  const args = ['glovebox', 'audit'];
  for (const [key, value] of q)
    if (key !== 'before' && key !== 'after')
      args.push(`--${key}`, /^[\w:.+-]+$/.test(value) ? value : `'${value}'`);
  args.push(`--${direction}`, String(cursorSeq));
  return args.join(' ');
}

export function registerAuditSearch(audit: Command): void {
  audit
    .option('--since <time>', 'from: 1h, 2d, today, yesterday, 2026-12-01 or RFC 3339 with offset')
    .option('--until <time>', 'up to (exclusive), same forms as --since')
    .option('--actor <name>', 'a user name, or kind:id (agent:shop)')
    .option('--session <id>')
    .option('--target <name>')
    .option('--action <name>')
    .option('--type <type>', 'an event type, e.g. request.approved')
    .option('--outcome <outcome>', 'success, failure, denied (refusals) or pending')
    .option('--decision <allow|deny>', 'what policy decided')
    .option('--limit <n>', 'events per page, newest first', '100')
    .option('--before <cursor>', 'the page older than this cursor (printed under a page)')
    .option('--after <cursor>', 'the page newer than this cursor')
    .option('--all', 'every page, newest first')
    .action(async (o: AuditSearchOptions, command: Command) => {
      const { api, out } = context(command);
      const q = auditSearchQuery(o, Date.now());
      const page = o.all
        ? await allPages(api, q)
        : await api.call<AuditPage>('GET', `/audit?${q.toString()}`);
      out.result(page.events, rows);
      if (page.since !== null || page.until !== null)
        out.note(`searched from ${page.since ?? 'the start'} to ${page.until ?? 'now'} (UTC)`);
      if (page.inconsistent.length > 0)
        out.note(
          `WARNING: ${page.inconsistent.length} stored row(s) matched by edited columns were left out (seq ${page.inconsistent.slice(0, 10).join(', ')}); run \`glovebox audit verify\``,
        );
      if (page.events.some((e) => !e.intact))
        out.note('WARNING: rows marked ! do not match their hash or columns; run `glovebox audit verify`');
      if (page.older !== null) out.next(nextPage(q, 'before', page.older), 'older events');
      if (page.newer !== null) out.next(nextPage(q, 'after', page.newer), 'newer events');
    });
}
