import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { GloveboxError, parseDuration } from '@glovebox/core';
import { API_PREFIX } from '@glovebox/protocol';
import type { ApiClient } from '../client.js';
import { table, type Output } from '../output.js';
import { context, usage } from './common.js';

interface ActionResponse {
  sessionId: string;
  action: string;
  result: unknown;
  redactions: Record<string, number>;
  auditEventId: string;
}

/** Runs an action, streaming NDJSON pieces to `onStream` when given. */
export async function runAction(
  api: ApiClient,
  session: string,
  action: string,
  params: Record<string, unknown>,
  onStream?: (data: unknown) => void,
): Promise<ActionResponse> {
  if (!onStream) {
    return api.call<ActionResponse>('POST', `/sessions/${encodeURIComponent(session)}/actions/${action}`, {
      params,
    });
  }
  const bearer = api.bearer;
  let response: Response;
  try {
    response = await fetch(
      `${api.url}${API_PREFIX}/sessions/${encodeURIComponent(session)}/actions/${action}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/x-ndjson',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        body: JSON.stringify({ params }),
      },
    );
  } catch {
    throw new GloveboxError('GBX_GATEWAY_UNREACHABLE', `cannot reach the gateway at ${api.url}`);
  }
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw new GloveboxError(
      (body.error?.code ?? 'GBX_INTERNAL') as 'GBX_INTERNAL',
      body.error?.message ?? `HTTP ${response.status}`,
    );
  }
  let buffer = '';
  let final: ActionResponse | undefined;
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.trim()) continue;
      const msg = JSON.parse(line) as {
        type: string;
        data?: unknown;
        error?: { code: string; message: string };
      } & ActionResponse;
      if (msg.type === 'stream') onStream(msg.data);
      else if (msg.type === 'result') final = msg;
      else if (msg.type === 'error' && msg.error)
        throw new GloveboxError(msg.error.code as 'GBX_INTERNAL', msg.error.message);
    }
  }
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

function location(text: string): string {
  if (!/^.+:\d+$/.test(text)) usage('location must be FILE:LINE');
  return text;
}

export function registerActionCommands(program: Command): void {
  program
    .command('facts')
    .description('runtime versions, uptime, memory, heap, event loop of the target process')
    .argument('<session>')
    .action(async (session: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const r = await runAction(api, session, 'facts', {});
      out.result(r.result, () => JSON.stringify(r.result, null, 2));
    });

  program
    .command('snapshot')
    .description('capture call stack and locals when FILE:LINE runs, without stopping the process')
    .argument('<session>')
    .argument('<location>', 'FILE:LINE (TypeScript source locations work through source maps)')
    .option('--condition <expr>', 'capture only when this side-effect-free expression is true')
    .option('--wait <d>', 'how long to wait for the line to run', '30s')
    .option('--hits <n>', 'how many captures', '1')
    .action(
      async (
        session: string,
        loc: string,
        o: { condition?: string; wait: string; hits: string },
        command: Command,
      ) => {
        const { api, out } = context(command);
        const waitMs = parseDuration(o.wait);
        out.note(`waiting up to ${o.wait} for ${loc} to run…`);
        const r = await runAction(api, session, 'snapshot', {
          location: location(loc),
          waitMs,
          hits: Number(o.hits),
          ...(o.condition ? { condition: o.condition } : {}),
        });
        out.result(r.result, () => JSON.stringify(r.result, null, 2));
        printRedactions(out, r);
      },
    );

  program
    .command('logpoint')
    .description('log a message template each time FILE:LINE runs, rate-limited and redacted')
    .argument('<session>')
    .argument('<location>', 'FILE:LINE')
    .argument('<template>', 'text with {expressions}')
    .option('--follow', 'keep streaming until interrupted or the duration ends')
    .option('--duration <d>', 'how long the logpoint stays', '60s')
    .option('--rate <n>', 'maximum lines per second', '10')
    .option('--every-hit', "log every hit while the agent's CPU budget allows (sampled otherwise)")
    .action(
      async (
        session: string,
        loc: string,
        template: string,
        o: { follow?: boolean; duration: string; rate: string; everyHit?: boolean },
        command: Command,
      ) => {
        const { api, out } = context(command);
        const lines: unknown[] = [];
        const r = await runAction(
          api,
          session,
          'logpoint',
          {
            location: location(loc),
            template,
            durationMs: parseDuration(o.follow ? o.duration : '10s'),
            ...(o.everyHit ? { everyHit: true } : { maxPerSecond: Number(o.rate) }),
          },
          (data) => {
            lines.push(data);
            if (!out.json) {
              const d = data as { line?: string; time?: number; dropped?: number };
              process.stdout.write(
                `${d.time ? new Date(d.time).toISOString() : ''} ${d.line ?? JSON.stringify(data)}${d.dropped ? ` (+${d.dropped} dropped)` : ''}\n`,
              );
            }
          },
        );
        if (out.json) out.result({ lines, result: r.result }, () => '');
        printRedactions(out, r);
      },
    );

  program
    .command('eval')
    .description('evaluate a side-effect-free expression in the target process')
    .argument('<session>')
    .argument('<expr>')
    .option('--timeout <d>', 'evaluation timeout', '1s')
    .action(async (session: string, expr: string, o: { timeout: string }, command: Command) => {
      const { api, out } = context(command);
      const r = await runAction(api, session, 'eval', {
        expression: expr,
        timeoutMs: parseDuration(o.timeout),
      });
      out.result(r.result, () => JSON.stringify(r.result, null, 2));
      printRedactions(out, r);
    });

  program
    .command('profile')
    .description('take a CPU profile; saves a .cpuprofile that Chrome DevTools opens')
    .argument('<session>')
    .requiredOption('--seconds <n>', 'how long to profile')
    .option('--out <file>', 'where to save it')
    .action(async (session: string, o: { seconds: string; out?: string }, command: Command) => {
      const { api, out } = context(command);
      const seconds = Number(o.seconds);
      if (!Number.isInteger(seconds) || seconds < 1) usage('--seconds must be a whole number ≥ 1');
      out.note(`profiling for ${seconds}s…`);
      const r = await runAction(api, session, 'profile', { seconds });
      const file = o.out ?? `glovebox-${session}-${Date.now()}.cpuprofile`;
      writeFileSync(file, JSON.stringify((r.result as { profile?: unknown }).profile ?? r.result));
      out.result(
        { file, auditEventId: r.auditEventId },
        () => `saved ${file} (open it in Chrome DevTools › Performance)`,
      );
    });

  program
    .command('exec')
    .description('run an allow-listed command on the target host; mirrors its exit code')
    .argument('<session>')
    .argument('<argv...>', 'the command and its arguments (after --)')
    .action(async (session: string, argv: string[], _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const r = await runAction(api, session, 'exec', { argv }, (data) => {
        if (out.json) return;
        const d = data as { stream?: string; data?: string };
        (d.stream === 'stderr' ? process.stderr : process.stdout).write(d.data ?? '');
      });
      const result = r.result as { exitCode?: number | null };
      if (out.json) out.result(r.result, () => '');
      printRedactions(out, r);
      process.exitCode = typeof result.exitCode === 'number' ? result.exitCode : 1;
    });

  program
    .command('query')
    .description('run SQL on the target database through the agent (credentials never leave it)')
    .argument('<session>')
    .argument('<sql>')
    .action(async (session: string, sql: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const r = await runAction(api, session, 'query', { sql });
      const res = r.result as { columns: { name: string }[]; rows: unknown[][]; truncated?: boolean };
      out.result(res, () => {
        return table(
          res.columns.map((c) => c.name),
          res.rows.map((row) =>
            row.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? v : JSON.stringify(v))),
          ),
        );
      });
      printRedactions(out, r);
    });
}
