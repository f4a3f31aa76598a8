import type { Command } from 'commander';
import type { AccessRequestView } from '@glovebox/protocol';
import type { ApiClient } from '../../client.js';
import { neutraliseDeep } from '../../terminal-text.js';
import { context, isSessionId, usage } from '../common.js';
import { describeRequest, waitingLine } from '../requests-view.js';

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

/** `glovebox approve [REQUEST]`: approves exactly the request the approver was shown. */
export function registerApproveCommand(program: Command): void {
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
}

/** `glovebox deny [REQUEST]`: denies a pending request, or withdraws one's own. */
export function registerDenyCommand(program: Command): void {
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
      out.result(r, (safe) =>
        safe.endReason === 'withdrawn by requester'
          ? `withdrew your request ${safe.id} on ${safe.target}`
          : `denied ${safe.id} (${safe.requester} on ${safe.target})`,
      );
      out.next('glovebox requests --pending', 'anything else waiting for you');
    });
}
