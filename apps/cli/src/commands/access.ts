import type { Command } from 'commander';
import type { z } from 'zod';
import type { AccessRequestView, targetSchema } from '@glovebox/protocol';
import {
  DEBUG_ACTIONS,
  MAX_REASON_LENGTH,
  MIN_BREAK_GLASS_REASON_LENGTH,
  MIN_REASON_LENGTH,
} from '@glovebox/protocol/constants';
import { parseDuration } from '@glovebox/core';
import type { ApiClient } from '../client.js';
import { currentSession, rememberCurrentSession } from '../home.js';
import { table, when, type Output } from '../output.js';
import { neutraliseDeep } from '../terminal-text.js';
import { context, isSessionId, usage } from './common.js';
import { describeRequest, firstUseOf, requestRows, statusExit, waitingLine } from './requests-view.js';

/** A duration option checked before anything is sent: a unit is required. */
export function durationOption(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    return usage(`${flag}: ${error instanceof Error ? error.message : 'invalid duration'}`);
  }
}

interface RequestOptions {
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

const repeat = (value: string, previous: string[]) => [...previous, value];

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
function requestBody(target: string, o: RequestOptions): Record<string, unknown> {
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
  if (reason.length < minimum)
    usage(
      `--reason must be at least ${minimum} characters${o.breakGlass ? ' for --break-glass' : ''} ` +
        `(got ${reason.length}): say why you need access, e.g. an incident ticket and symptom`,
    );
  if (reason.length > MAX_REASON_LENGTH) usage(`--reason must be at most ${MAX_REASON_LENGTH} characters`);
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

/** Polls a pending request, telling the person who still has to approve, until it is decided. */
async function waitForApproval(
  api: ApiClient,
  first: AccessRequestView,
  wait: string | boolean,
): Promise<AccessRequestView> {
  // Progress goes to stderr, also with --json: stdout still carries exactly one document.
  const note = (text: string) => process.stderr.write(`${text}\n`);
  const deadline = Date.now() + parseDuration(typeof wait === 'string' ? wait : '15m');
  let current = first;
  let shown = '';
  while (current.status === 'pending' && Date.now() < deadline) {
    const line = waitingLine(neutraliseDeep(current));
    if (line !== shown) note(line);
    shown = line;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    current = await api.call<AccessRequestView>('GET', `/requests/${encodeURIComponent(current.id)}`);
  }
  if (current.status !== 'pending') note(`request ${current.id} is ${current.status}`);
  return current;
}

/** What a requester should run next, by the state their request is in. */
function adviseRequester(out: Output, r: AccessRequestView): void {
  if (r.status === 'active')
    out.next(firstUseOf(r), `session ${r.id} is active and now your current session`);
  else if (r.status === 'pending') {
    out.note(`waiting for approval: an approver runs \`glovebox approve ${r.id}\``);
    out.next(`glovebox request show ${r.id}`, 'see who still has to approve; or add --wait next time');
  } else out.next(`glovebox request show ${r.id}`, 'see which policies decided');
}

async function fileRequest(target: string, o: RequestOptions, command: Command): Promise<void> {
  const { api, out } = context(command);
  const body = requestBody(target, o);
  const r = await api.call<AccessRequestView>('POST', '/requests', body);
  if (r.status === 'active' || r.status === 'pending') rememberCurrentSession(api.url, r.id, r.target);
  const final = r.status === 'pending' && o.wait ? await waitForApproval(api, r, o.wait) : r;
  out.result(final, describeRequest);
  adviseRequester(out, final);
  process.exitCode = statusExit(final.status);
}

/**
 * The pending request a reviewer means: an id as given; else, among the pending requests the
 * gateway says the caller may `verb` now (`allowed`), the only one — on the named target, if any.
 */
async function resolvePending(
  api: ApiClient,
  given: string | undefined,
  verb: 'approve' | 'deny',
): Promise<string> {
  if (given !== undefined && isSessionId(given)) return given;
  const { requests } = await api.call<{ requests: AccessRequestView[] }>('GET', '/requests?pending=true');
  const open = requests.filter((r) => r.allowed[verb] && (given === undefined || r.target === given));
  const where = given === undefined ? '' : ` on ${given}`;
  if (open.length === 1) return open[0]!.id;
  if (open.length === 0)
    return usage(`no pending request${where} that you may ${verb}: see glovebox requests --pending`);
  return usage(
    `${open.length} pending requests${where} you may ${verb} (${open.map((r) => r.id).join(', ')}): name one`,
  );
}

export function registerAccessCommands(program: Command): void {
  program
    .command('targets')
    .description('targets you may request access to')
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<{ targets: z.infer<typeof targetSchema>[] }>('GET', '/targets');
      out.result(res.targets, (targets) => {
        const summary = table(
          ['NAME', 'ENV', 'OWNER', 'INSTANCES', 'ACTIONS'],
          targets.map((t) => [t.name, t.env, t.owner, t.instances.length, t.actions.join(',')]),
        );
        const instances = targets.flatMap((t) => t.instances.map((i) => ({ target: t.name, ...i })));
        if (instances.length === 0) return summary;
        return `${summary}\n\n${table(
          ['TARGET', 'INSTANCE', 'HOST', 'PID', 'VERSION', 'STARTED', 'CONNECTED'],
          instances.map((i) => [
            i.target,
            i.id,
            i.host,
            i.pid,
            i.version,
            when(i.startedAt),
            when(i.connectedAt),
          ]),
        )}`;
      });
    });

  const request = program
    .command('request')
    .description(
      'request a time-boxed session on a target; it becomes your current session. Exit 0 active, 4 pending approval, 3 denied',
    )
    .usage('TARGET --actions LIST --reason TEXT [options]  |  request show [ID]')
    .argument('<target>')
    // Checked in requestBody rather than by commander, which would demand them of `request show` too.
    .option('--actions <list>', `comma-separated: ${DEBUG_ACTIONS.join(',')}`)
    .option(
      '--reason <text>',
      `why you need it, at least ${MIN_REASON_LENGTH} characters (${MIN_BREAK_GLASS_REASON_LENGTH} for --break-glass); shown to approvers and audited`,
    )
    .option('--ticket <id>', 'incident or change ticket')
    .option('--duration <d>', 'how long, with a unit: 30m, 2h (capped by policy)')
    .option('--break-glass', 'emergency access: short TTL, everyone notified, reviewed afterwards')
    .option('--wait [duration]', 'wait for approvals (default up to 15m), showing who must approve')
    .option(
      '--sql <statement>',
      'the exact statement approvers approve for query; repeatable (an approved request without it covers reads only)',
      repeat,
      [] as string[],
    )
    .option(
      '--command <line>',
      'the exact command line (split on spaces) approvers approve for exec; repeatable',
      repeat,
      [] as string[],
    )
    .option('--class <class>', 'approve a class instead of statements: read')
    .action(fileRequest);

  request
    .command('show')
    .description('show a request or session: status, approvals, what it grants (default: the current one)')
    .argument('[id]')
    .action(async (id: string | undefined, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const chosen = id ?? currentSession(api.url)?.session;
      if (!chosen) usage(`no current session for ${api.url}: give the request id`);
      const r = await api.call<AccessRequestView>('GET', `/requests/${encodeURIComponent(chosen)}`);
      out.result(r, describeRequest);
    });

  program
    .command('requests')
    .description('your requests and those you may approve')
    .option('--pending', 'only pending ones')
    .option('--all', 'everyone’s (admins)')
    .action(async (o: { pending?: boolean; all?: boolean }, command: Command) => {
      const { api, out } = context(command);
      const q = new URLSearchParams();
      if (o.pending) q.set('pending', 'true');
      if (o.all) q.set('all', 'true');
      const res = await api.call<{ requests: AccessRequestView[] }>('GET', `/requests?${q.toString()}`);
      out.result(res.requests, requestRows);
    });

  program
    .command('approve')
    .description('approve a pending request (bound to exactly what you were shown)')
    .argument('[request]', 'request id or target name (default: the only request waiting for you)')
    .option('--comment <text>')
    .action(async (given: string | undefined, o: { comment?: string }, command: Command) => {
      const { api, out } = context(command);
      const id = await resolvePending(api, given, 'approve');
      const seen = await api.call<AccessRequestView>('GET', `/requests/${encodeURIComponent(id)}`);
      out.note(describeRequest(neutraliseDeep(seen)));
      const r = await api.call<AccessRequestView>('POST', `/requests/${encodeURIComponent(id)}/approve`, {
        digest: seen.digest,
        ...(o.comment ? { comment: o.comment } : {}),
      });
      out.result(r, (safe) =>
        safe.status === 'active'
          ? `approved: session ${safe.id} is active; ${safe.requester} can use it now`
          : `approved: ${safe.status}; ${waitingLine(safe)}`,
      );
      out.next('glovebox requests --pending', 'anything else waiting for you');
    });

  program
    .command('deny')
    .description('deny a pending request (or withdraw your own)')
    .argument('[request]', 'request id or target name (default: the only request you may deny)')
    .option('--comment <text>')
    .action(async (given: string | undefined, o: { comment?: string }, command: Command) => {
      const { api, out } = context(command);
      const id = await resolvePending(api, given, 'deny');
      const r = await api.call<AccessRequestView>('POST', `/requests/${encodeURIComponent(id)}/deny`, {
        ...(o.comment ? { comment: o.comment } : {}),
      });
      out.result(r, (safe) => `denied ${safe.id} (${safe.requester} on ${safe.target})`);
      out.next('glovebox requests --pending', 'anything else waiting for you');
    });
}
