import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { GloveboxError } from '@glovebox/core';
import { errorFromBody, type ApiClient } from '../client.js';
import type { Output } from '../output.js';
import { neutraliseLine } from '../terminal-text.js';
import { durationOption } from './access.js';
import { context, resolveSession, splitSessionOperands, usage } from './common.js';
import {
  droppedLinesMessage,
  probeDisabledMessage,
  samplingMessage,
  snapshotTimeoutMessage,
  truncatedMessage,
  type DisabledProbe,
  type Sampling,
} from './limits.js';

/** The gateway's answer to an action. */
export interface ActionResponse {
  sessionId: string;
  action: string;
  result: unknown;
  redactions: Record<string, number>;
  auditEventId: string;
}

/** Runs an action; with `onStream`, reads the streamed (NDJSON) answer piece by piece. */
export async function runAction(
  api: ApiClient,
  session: string,
  action: string,
  params: Record<string, unknown>,
  onStream?: (data: unknown) => void,
): Promise<ActionResponse> {
  const path = `/sessions/${encodeURIComponent(session)}/actions/${action}`;
  if (!onStream) return api.call<ActionResponse>('POST', path, { params });
  let final: ActionResponse | undefined;
  await api.stream('POST', path, { params }, (message) => {
    if (message.type === 'stream') onStream(message.data);
    else if (message.type === 'result') final = message as unknown as ActionResponse;
    else if (message.type === 'error') throw errorFromBody(message, 500);
  });
  if (!final) throw new GloveboxError('GBX_AGENT_REFUSED', 'the stream ended without a result');
  return final;
}

export function printRedactions(out: Output, r: ActionResponse): void {
  const total = Object.values(r.redactions).reduce((a, b) => a + b, 0);
  if (total > 0)
    out.note(
      `(${total} value(s) redacted: ${Object.entries(r.redactions)
        .map(([k, v]) => `${k}×${v}`)
        .join(', ')})`,
    );
}

/** FILE:LINE with a line number from 1, checked before anything is sent. */
function location(text: string): string {
  const match = /^(.+):(\d+)$/.exec(text);
  if (!match || Number(match[2]) < 1)
    usage(`the location must be FILE:LINE with a line number from 1, e.g. src/server.ts:84 (got "${text}")`);
  return text;
}

/** A whole number within bounds, checked before anything is sent. */
export function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    usage(`${flag} must be a whole number from ${min} to ${max}`);
  return n;
}

/** Says "waiting…" only when the answer takes a while, so a quick refusal is not preceded by it. */
async function withDelayedNote<T>(out: Output, text: string, work: Promise<T>): Promise<T> {
  const timer = setTimeout(() => out.note(text), 2000);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
  }
}

const SESSION_HELP = 'SESSION is a session id or a target name; without it the current session is used';

function registerSnapshot(program: Command): void {
  program
    .command('snapshot')
    .description('capture call stack and locals when FILE:LINE runs, without stopping the process')
    .usage('[SESSION] FILE:LINE [options]')
    .argument(
      '<operands...>',
      `[SESSION] FILE:LINE (TypeScript locations work through source maps). ${SESSION_HELP}`,
    )
    .option('--condition <expr>', 'capture only when this side-effect-free expression is true')
    .option('--wait <d>', 'how long to wait for the line to run', '30s')
    .option('--hits <n>', 'how many captures', '1')
    .action(
      async (operands: string[], o: { condition?: string; wait: string; hits: string }, command: Command) => {
        const { api, out } = context(command);
        const { session, rest } = splitSessionOperands(operands, 1, '[SESSION] FILE:LINE');
        const loc = location(rest[0] ?? '');
        const waitMs = durationOption('--wait', o.wait);
        const hits = wholeNumber('--hits', o.hits, 1, 1000);
        const { id } = await resolveSession(api, session);
        const r = await withDelayedNote(
          out,
          `waiting up to ${o.wait} for ${loc} to run…`,
          runAction(api, id, 'snapshot', {
            location: loc,
            waitMs,
            hits,
            ...(o.condition ? { condition: o.condition } : {}),
          }),
        );
        const result = r.result as {
          status?: string;
          disabled?: DisabledProbe;
          truncated?: Record<string, number>;
        };
        out.result(r.result, (safe) => JSON.stringify(safe, null, 2));
        if (result.status === 'timeout') out.note(snapshotTimeoutMessage(loc, o.wait));
        if (result.disabled) out.note(probeDisabledMessage('snapshot', result.disabled));
        const cut = truncatedMessage(result.truncated ?? {});
        if (cut) out.note(cut);
        printRedactions(out, r);
      },
    );
}

function registerLogpoint(program: Command): void {
  program
    .command('logpoint')
    .description('log a message template each time FILE:LINE runs, rate-limited and redacted')
    .usage('[SESSION] FILE:LINE "TEMPLATE {expr}" [options]')
    .argument('<operands...>', `[SESSION] FILE:LINE TEMPLATE (text with {expressions}). ${SESSION_HELP}`)
    .option('--follow', 'keep streaming until interrupted or the duration ends (otherwise 10s)')
    .option('--duration <d>', 'how long the logpoint stays with --follow', '60s')
    .option('--rate <n>', 'maximum lines per second', '10')
    .option('--every-hit', "log every hit while the agent's CPU budget allows (sampled otherwise)")
    .action(
      async (
        operands: string[],
        o: { follow?: boolean; duration: string; rate: string; everyHit?: boolean },
        command: Command,
      ) => {
        const { api, out } = context(command);
        const { session, rest } = splitSessionOperands(operands, 2, '[SESSION] FILE:LINE TEMPLATE');
        const loc = location(rest[0] ?? '');
        const durationMs = o.follow ? durationOption('--duration', o.duration) : 10_000;
        const rate = wholeNumber('--rate', o.rate, 1, 1000);
        const { id } = await resolveSession(api, session);
        const lines: unknown[] = [];
        const r = await runAction(
          api,
          id,
          'logpoint',
          {
            location: loc,
            template: rest[1],
            durationMs,
            ...(o.everyHit ? { everyHit: true } : { maxPerSecond: rate }),
          },
          (data) => {
            lines.push(data);
            if (out.machine) return;
            const d = data as { line?: string; time?: number | string; dropped?: number };
            const time = d.time ? new Date(d.time).toISOString() : '';
            process.stdout.write(
              `${neutraliseLine(`${time} ${d.line ?? JSON.stringify(data)}${d.dropped ? ` (+${d.dropped} dropped)` : ''}`)}\n`,
            );
          },
        );
        const result = r.result as { dropped?: number; disabled?: DisabledProbe; sampling?: Sampling };
        if (out.machine) out.result({ lines, result: r.result }, () => '');
        if (result.disabled) out.note(probeDisabledMessage('logpoint', result.disabled, rate));
        if (result.dropped) out.note(droppedLinesMessage(result.dropped, rate));
        const sampled = result.sampling && samplingMessage(result.sampling, o.everyHit === true);
        if (sampled) out.note(sampled);
        printRedactions(out, r);
      },
    );
}

function registerSmallActions(program: Command): void {
  program
    .command('facts')
    .description('runtime versions, uptime, memory, heap, event loop of the target process')
    .argument('[session]', SESSION_HELP)
    .action(async (given: string | undefined, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const { id } = await resolveSession(api, given);
      const r = await runAction(api, id, 'facts', {});
      out.result(r.result, (safe) => JSON.stringify(safe, null, 2));
    });

  program
    .command('eval')
    .description('evaluate a side-effect-free expression in the target process')
    .usage('[SESSION] EXPR [options]')
    .argument('<operands...>', `[SESSION] EXPR. ${SESSION_HELP}`)
    .option('--timeout <d>', 'evaluation timeout', '1s')
    .action(async (operands: string[], o: { timeout: string }, command: Command) => {
      const { api, out } = context(command);
      const { session, rest } = splitSessionOperands(operands, 1, '[SESSION] EXPR');
      const timeoutMs = durationOption('--timeout', o.timeout);
      const { id } = await resolveSession(api, session);
      const r = await runAction(api, id, 'eval', { expression: rest[0], timeoutMs });
      out.result(r.result, (safe) => JSON.stringify(safe, null, 2));
      printRedactions(out, r);
    });

  program
    .command('profile')
    .description('take a CPU profile; saves a .cpuprofile that Chrome DevTools opens')
    .argument('[session]', SESSION_HELP)
    .requiredOption('--seconds <n>', 'how long to profile')
    .option('--out <file>', 'where to save it')
    .action(async (given: string | undefined, o: { seconds: string; out?: string }, command: Command) => {
      const { api, out } = context(command);
      const seconds = wholeNumber('--seconds', o.seconds, 1, 3600);
      const { id } = await resolveSession(api, given);
      out.note(`profiling for ${seconds}s…`);
      const r = await runAction(api, id, 'profile', { seconds });
      const file = o.out ?? `glovebox-${id}-${Date.now()}.cpuprofile`;
      writeFileSync(file, JSON.stringify((r.result as { profile?: unknown }).profile ?? r.result));
      out.result(
        { file, auditEventId: r.auditEventId },
        (safe) => `saved ${safe.file} (open it in Chrome DevTools › Performance)`,
      );
    });
}

export function registerActionCommands(program: Command): void {
  registerSmallActions(program);
  registerSnapshot(program);
  registerLogpoint(program);
}
