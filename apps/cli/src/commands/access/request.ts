import type { Command } from 'commander';
import type { AccessRequestView } from '@glovebox/protocol';
import {
  DEBUG_ACTIONS,
  MIN_BREAK_GLASS_REASON_LENGTH,
  MIN_REASON_LENGTH,
} from '@glovebox/protocol/constants';
import { formatDuration, parseDuration } from '@glovebox/core';
import type { ApiClient } from '../../client.js';
import { currentSession, rememberCurrentSession } from '../../home.js';
import type { Output } from '../../output.js';
import { neutraliseDeep } from '../../terminal-text.js';
import { context, usage } from '../common.js';
import { EXIT } from '../../client.js';
import { describeRequest, firstUseOf, requestRows, statusExit, waitingLine } from '../requests-view.js';
import { requestBody, type RequestOptions } from './request-options.js';

const repeat = (value: string, previous: string[]) => [...previous, value];

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
function adviseRequester(out: Output, r: AccessRequestView, waited: boolean): void {
  if (r.status === 'active')
    out.next(firstUseOf(r), `session ${r.id} is active and now your current session`);
  else if (r.status === 'pending') {
    out.note(`waiting for approval: an approver runs \`glovebox approve ${r.id}\``);
    out.next(
      `glovebox request show ${r.id}`,
      waited ? 'see who still has to approve' : 'see who still has to approve; or add --wait next time',
    );
  } else out.next(`glovebox request show ${r.id}`, 'see which policies decided');
}

async function fileRequest(target: string, o: RequestOptions, command: Command): Promise<void> {
  const { api, out } = context(command);
  const body = requestBody(target, o);
  const r = await api.call<AccessRequestView>('POST', '/requests', body);
  if (r.status === 'active' || r.status === 'pending') rememberCurrentSession(api.url, r.id, r.target);
  const final = r.status === 'pending' && o.wait ? await waitForApproval(api, r, o.wait) : r;
  // with --json a failure's document carries error.code (README): a denied request exits 3
  const failed = statusExit(final.status) === EXIT.denied;
  out.result(
    failed
      ? {
          ...final,
          error:
            final.status === 'denied'
              ? { code: 'GBX_POLICY_DENIED', message: 'the request was denied by policy' }
              : { code: 'GBX_REQUEST_NOT_PENDING', message: `the request is ${final.status}` },
        }
      : final,
    describeRequest,
  );
  const asked = o.duration === undefined ? undefined : parseDuration(o.duration) / 1000;
  if (asked !== undefined && final.durationSec < asked && ['active', 'pending'].includes(final.status))
    out.note(
      `--duration ${o.duration!.trim()} is more than policy allows: the session lasts ${formatDuration(final.durationSec * 1000)}`,
    );
  adviseRequester(out, final, o.wait !== undefined && o.wait !== false);
  process.exitCode = statusExit(final.status);
}

/** `glovebox request TARGET …` and `glovebox request show [ID]`: file a request, look at one. */
export function registerRequestCommand(program: Command): void {
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
    .option('--duration <d>', 'how long, with a unit: 30m, 2h (capped by policy; never more than 7d)')
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
}

/** `glovebox requests`: the caller's requests and those they may approve. */
export function registerRequestsCommand(program: Command): void {
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
}
