import type { Command } from 'commander';
import type { AccessRequestView } from '@glovebox/protocol';
import { currentSession, forgetCurrentSession, rememberCurrentSession } from '../home.js';
import { context, resolveSession } from './common.js';
import { firstUseOf, requestRows } from './requests-view.js';

export function registerSessionCommands(program: Command): void {
  program
    .command('sessions')
    .description(
      'active sessions you may watch: yours, those you approved, every one for auditors; * marks the current one',
    )
    .option('--all', 'include ended ones')
    .action(async (o: { all?: boolean }, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<{ sessions: AccessRequestView[] }>(
        'GET',
        `/sessions${o.all ? '?all=true' : ''}`,
      );
      const current = currentSession(api.url)?.session;
      out.result(res.sessions, (sessions) =>
        requestRows(sessions.map((s) => (s.id === current ? { ...s, id: `${s.id} *` } : s))),
      );
    });

  program
    .command('use')
    .description(
      'make SESSION the current session (an id, or a target with exactly one active session of yours); without SESSION, show it',
    )
    .argument('[session]')
    .option('--clear', 'forget the current session')
    .action(async (given: string | undefined, o: { clear?: boolean }, command: Command) => {
      const { api, out } = context(command);
      if (o.clear) {
        forgetCurrentSession(api.url);
        out.result({ url: api.url, session: null }, () => `no current session for ${api.url}`);
        return;
      }
      if (given === undefined) {
        const current = currentSession(api.url);
        out.result(
          { url: api.url, session: current?.session ?? null, target: current?.target ?? null },
          (safe) =>
            safe.session
              ? `current session for ${safe.url}: ${safe.session} on ${safe.target ?? '?'}`
              : `no current session for ${safe.url}`,
        );
        return;
      }
      const { id } = await resolveSession(api, given);
      const r = await api.call<AccessRequestView>('GET', `/requests/${encodeURIComponent(id)}`);
      rememberCurrentSession(api.url, r.id, r.target);
      out.result(r, (safe) => `current session: ${safe.id} on ${safe.target} (${safe.status})`);
      out.next(firstUseOf(r), 'actions now default to this session');
    });

  program
    .command('end')
    .description(
      'end a session now (default: the current one); everything it created on the target is removed',
    )
    .argument('[session]', 'session id or target name')
    .action(async (given: string | undefined, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const { id } = await resolveSession(api, given);
      const r = await api.call<AccessRequestView>('POST', `/sessions/${encodeURIComponent(id)}/end`, {});
      if (currentSession(api.url)?.session === r.id) forgetCurrentSession(api.url);
      out.result(r, (safe) => `ended ${safe.id} on ${safe.target}`);
      out.next(`glovebox recordings --session ${r.id}`, 'what its streamed output recorded');
    });
}
