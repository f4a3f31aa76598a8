import type { Command } from 'commander';
import { TerminalStream } from '../terminal-text.js';
import { table } from '../output.js';
import { printRedactions, runAction } from './actions.js';
import { context, isSessionId, resolveSession, usage } from './common.js';
import { execStoppedMessage, rowLimitMessage, type ExecLimits } from './limits.js';

/**
 * `exec [SESSION] -- CMD [ARGS...]`: the operands before `--` name the session. Without `--`, the
 * first operand is the session only when it is a session id.
 */
export function splitExecOperands(
  operands: string[],
  rawArgs: readonly string[],
): { session: string | undefined; argv: string[] } {
  const dash = rawArgs.indexOf('--');
  const before =
    dash < 0
      ? operands[0] !== undefined && isSessionId(operands[0])
        ? 1
        : 0
      : operands.length - (rawArgs.length - dash - 1);
  if (before > 1) usage('expected `glovebox exec [SESSION] -- CMD [ARGS...]`: one session at most before --');
  const argv = operands.slice(before);
  if (argv.length === 0) usage('no command: `glovebox exec [SESSION] -- CMD [ARGS...]`');
  return { session: before === 1 ? operands[0] : undefined, argv };
}

function registerExec(program: Command): void {
  program
    .command('exec')
    .description('run an allow-listed command on the target host; mirrors its exit code')
    .usage('[SESSION] -- CMD [ARGS...] [options]')
    .argument(
      '<operands...>',
      'SESSION (id or target name; default: the current session), then -- and the command',
    )
    .option(
      '--raw',
      "print the command's output byte for byte, escape sequences included (by default control characters are shown, not obeyed)",
    )
    .action(async (operands: string[], o: { raw?: boolean }, command: Command) => {
      const { api, out } = context(command);
      const { session, argv } = splitExecOperands(operands, process.argv);
      const { id } = await resolveSession(api, session);
      const captured = { stdout: '', stderr: '' };
      const streams = { stdout: new TerminalStream(), stderr: new TerminalStream() };
      const write = (stream: 'stdout' | 'stderr', text: string) =>
        (stream === 'stderr' ? process.stderr : process.stdout).write(text);
      const r = await runAction(api, id, 'exec', { argv }, (data) => {
        const d = data as { stream?: string; data?: string };
        const stream = d.stream === 'stderr' ? 'stderr' : 'stdout';
        const text = d.data ?? '';
        captured[stream] += text;
        if (!out.machine) write(stream, o.raw ? text : streams[stream].push(text));
      });
      if (!out.machine && !o.raw) for (const s of ['stdout', 'stderr'] as const) write(s, streams[s].end());
      const result = r.result as ExecLimits & { exitCode?: number | null };
      if (out.machine)
        out.result({ ...(r.result as object), ...captured, auditEventId: r.auditEventId }, () => '');
      const stopped = execStoppedMessage(result);
      if (stopped) out.note(stopped);
      printRedactions(out, r);
      process.exitCode = typeof result.exitCode === 'number' ? result.exitCode : 1;
    });
}

function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run SQL on the target database through the agent (credentials never leave it)')
    .usage('[SESSION] "SQL" [options]')
    .argument('<operands...>', 'SESSION (id or target name; default: the current session), then the SQL')
    .action(async (operands: string[], _o: unknown, command: Command) => {
      const { api, out } = context(command);
      if (operands.length > 2) usage('expected `glovebox query [SESSION] "SQL"`: quote the statement');
      // a lone session id is a session with its SQL forgotten, never SQL for the current session
      if (operands.length === 1 && isSessionId(operands[0]!))
        usage(`no SQL: \`glovebox query ${operands[0]!} "SQL"\``);
      const [given, sql] = operands.length === 2 ? operands : [undefined, operands[0]];
      const { id } = await resolveSession(api, given);
      const r = await runAction(api, id, 'query', { sql });
      const res = r.result as { columns: { name: string }[]; rows: unknown[][]; truncated?: boolean };
      out.result(res, (safe) =>
        table(
          safe.columns.map((c) => c.name),
          safe.rows.map((row) =>
            row.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? v : JSON.stringify(v))),
          ),
        ),
      );
      if (res.truncated) out.note(rowLimitMessage(res.rows.length));
      printRedactions(out, r);
    });
}

export function registerExecQueryCommands(program: Command): void {
  registerExec(program);
  registerQuery(program);
}
