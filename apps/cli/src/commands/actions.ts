import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { GloveboxError } from '@glovebox/core';
import { errorFromBody, type ApiClient } from '../client.js';
import type { InstanceResult, InstanceSelector } from '@glovebox/protocol';
import type { Output } from '../output.js';
import { neutraliseLine } from '../terminal-text.js';
import {
  context,
  durationOption,
  outFileOption,
  resolveSession,
  splitSessionOperands,
  usage,
} from './common.js';
import {
  breakpointCostMessage,
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
  /** The instances reached; with several, `result` is `{ instances: InstanceResult[] }`. */
  instances: string[];
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
  instances?: InstanceSelector,
): Promise<ActionResponse> {
  const path = `/sessions/${encodeURIComponent(session)}/actions/${action}`;
  const body = { params, ...(instances ? { instances } : {}) };
  if (!onStream) return api.call<ActionResponse>('POST', path, body);
  let final: ActionResponse | undefined;
  await api.stream('POST', path, body, (message) => {
    if (message.type === 'stream') onStream(message.data);
    else if (message.type === 'result') final = message as unknown as ActionResponse;
    else if (message.type === 'error') throw errorFromBody(message, 500);
  });
  if (!final) throw new GloveboxError('GBX_AGENT_REFUSED', 'the stream ended without a result');
  return final;
}

/** `--instance ID` or `--sample N` on a command that reaches a target's instances. */
export function withInstanceOptions(command: Command): Command {
  return command
    .option('--instance <id>', 'reach only this instance (id or unambiguous prefix; see glovebox targets)')
    .option('--sample <n>', 'reach N instances chosen at random (default: all, within policy)');
}

/** The instance selector the options ask for; none means every instance. */
export function instanceSelector(o: { instance?: string; sample?: string }): InstanceSelector | undefined {
  if (o.instance !== undefined && o.sample !== undefined) usage('--instance and --sample exclude each other');
  if (o.instance !== undefined) return { instance: o.instance };
  if (o.sample !== undefined) return { sample: wholeNumber('--sample', o.sample, 1, 1000) };
  return undefined;
}

/** With several instances reached, each one's part of the answer, labelled; else null. */
export function perInstance(r: ActionResponse): InstanceResult[] | null {
  return r.instances.length > 1 ? (r.result as { instances: InstanceResult[] }).instances : null;
}

/** Prints a result reached on several instances as one section per instance. */
export function renderPerInstance(parts: InstanceResult[]): string {
  return parts
    .map((p) => {
      const head = `── ${p.instance} (${p.host}, pid ${p.pid})`;
      const body = p.ok
        ? JSON.stringify(p.result, null, 2)
        : `refused: ${p.error?.code ?? 'unknown'}: ${p.error?.message ?? ''}`;
      return `${head}\n${body}`;
    })
    .join('\n');
}

/** Prints an action's result: as it is from one instance, in labelled sections from several. */
function printResult(out: Output, r: ActionResponse): void {
  const parts = perInstance(r);
  out.result(r.result, (safe) =>
    parts
      ? renderPerInstance((safe as { instances: InstanceResult[] }).instances)
      : JSON.stringify(safe, null, 2),
  );
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

/** What the Node.js agent accepts (packages/agent/src/debugger/schemas.ts): checked before sending. */
const AGENT_LIMITS = { waitMs: 3_600_000, logpointMs: 86_400_000, evalMs: 60_000, hits: 100 } as const;

const SESSION_HELP = 'SESSION is a session id or a target name; without it the current session is used';

function registerSnapshot(program: Command): void {
  const command = program
    .command('snapshot')
    .description('capture call stack and locals when FILE:LINE runs, without stopping the process')
    .usage('[SESSION] FILE:LINE [options]')
    .argument(
      '<operands...>',
      `[SESSION] FILE:LINE (TypeScript locations work through source maps). ${SESSION_HELP}`,
    )
    .option('--condition <expr>', 'capture only when this side-effect-free expression is true')
    .option('--wait <d>', 'how long to wait for the line to run', '30s')
    .option('--hits <n>', 'how many captures', '1');
  withInstanceOptions(command).action(async (operands: string[], o: SnapshotOptions, command: Command) => {
    const { api, out } = context(command);
    const { session, rest } = splitSessionOperands(operands, 1, '[SESSION] FILE:LINE');
    const loc = location(rest[0] ?? '');
    const waitMs = durationOption('--wait', o.wait, AGENT_LIMITS.waitMs);
    const hits = wholeNumber('--hits', o.hits, 1, AGENT_LIMITS.hits);
    const { id } = await resolveSession(api, session);
    const r = await withDelayedNote(
      out,
      `waiting up to ${o.wait} for ${loc} to run…`,
      runAction(
        api,
        id,
        'snapshot',
        { location: loc, waitMs, hits, ...(o.condition ? { condition: o.condition } : {}) },
        undefined,
        instanceSelector(o),
      ),
    );
    printResult(out, r);
    noteBreakpointCost(out, 'snapshot', r);
    if (!perInstance(r)) {
      const result = r.result as {
        status?: string;
        disabled?: DisabledProbe;
        truncated?: Record<string, number>;
      };
      if (result.status === 'timeout') out.note(snapshotTimeoutMessage(loc, o.wait, o.condition));
      if (result.disabled) out.note(probeDisabledMessage('snapshot', result.disabled));
      const cut = truncatedMessage(result.truncated ?? {});
      if (cut) out.note(cut);
    }
    printRedactions(out, r);
  });
}

/** Once per command, when any instance placed the probe by breakpoint (stderr, never in --json). */
function noteBreakpointCost(out: Output, kind: 'snapshot' | 'logpoint', r: ActionResponse): void {
  const results = (perInstance(r) ?? [{ ok: true, result: r.result }]).flatMap((p) =>
    p.ok ? [p.result as { technique?: string; breakpointCapMs?: number }] : [],
  );
  const placed = results.find((x) => x?.technique === 'breakpoint');
  if (placed !== undefined) out.note(breakpointCostMessage(kind, placed.breakpointCapMs));
}

interface SnapshotOptions {
  condition?: string;
  wait: string;
  hits: string;
  instance?: string;
  sample?: string;
}

function registerLogpoint(program: Command): void {
  const command = program
    .command('logpoint')
    .description('log a message template each time FILE:LINE runs, rate-limited and redacted')
    .usage('[SESSION] FILE:LINE "TEMPLATE {expr}" [options]')
    .argument('<operands...>', `[SESSION] FILE:LINE TEMPLATE (text with {expressions}). ${SESSION_HELP}`)
    .option('--follow', 'keep streaming until interrupted or the duration ends (otherwise 10s)')
    .option(
      '--duration <d>',
      'how long the logpoint stays with --follow (the agent removes one placed by breakpoint sooner: breakpointProbeMaxMs, 60s by default)',
      '60s',
    )
    .option('--rate <n>', 'maximum lines per second', '10')
    .option('--every-hit', "log every hit while the agent's CPU budget allows (sampled otherwise)");
  withInstanceOptions(command).action(
    async (
      operands: string[],
      o: {
        follow?: boolean;
        duration: string;
        rate: string;
        everyHit?: boolean;
        instance?: string;
        sample?: string;
      },
      command: Command,
    ) => {
      const { api, out } = context(command);
      const { session, rest } = splitSessionOperands(operands, 2, '[SESSION] FILE:LINE TEMPLATE');
      const loc = location(rest[0] ?? '');
      const durationMs = o.follow
        ? durationOption('--duration', o.duration, AGENT_LIMITS.logpointMs)
        : 10_000;
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
          const d = data as { line?: string; time?: number | string; dropped?: number; instance?: string };
          const time = d.time ? new Date(d.time).toISOString() : '';
          const from = d.instance ? ` [${d.instance}]` : '';
          process.stdout.write(
            `${neutraliseLine(`${time}${from} ${d.line ?? JSON.stringify(data)}${d.dropped ? ` (+${d.dropped} dropped)` : ''}`)}\n`,
          );
        },
        instanceSelector(o),
      );
      if (out.machine) out.result({ lines, result: r.result }, () => '');
      noteBreakpointCost(out, 'logpoint', r);
      const parts = perInstance(r);
      for (const part of parts ?? [{ instance: '', ok: true, result: r.result }]) {
        const at = part.instance ? `${part.instance}: ` : '';
        if (!part.ok) {
          out.note(`${at}refused: ${part.error?.code ?? 'unknown'}: ${part.error?.message ?? ''}`);
          continue;
        }
        const result = (part.result ?? {}) as {
          dropped?: number;
          disabled?: DisabledProbe;
          sampling?: Sampling;
        };
        if (result.disabled) out.note(at + probeDisabledMessage('logpoint', result.disabled, rate));
        if (result.dropped) out.note(at + droppedLinesMessage(result.dropped, rate));
        const sampled = result.sampling && samplingMessage(result.sampling, o.everyHit === true);
        if (sampled) out.note(at + sampled);
      }
      printRedactions(out, r);
    },
  );
}

function registerSmallActions(program: Command): void {
  withInstanceOptions(
    program
      .command('facts')
      .description('runtime versions, uptime, memory, heap, event loop of each instance of the target')
      .argument('[session]', SESSION_HELP),
  ).action(async (given: string | undefined, o: InstanceOptions, command: Command) => {
    const { api, out } = context(command);
    const { id } = await resolveSession(api, given);
    printResult(out, await runAction(api, id, 'facts', {}, undefined, instanceSelector(o)));
  });

  const evaluate = program
    .command('eval')
    .description('evaluate a side-effect-free expression in the target process')
    .usage('[SESSION] EXPR [options]')
    .argument('<operands...>', `[SESSION] EXPR. ${SESSION_HELP}`)
    .option('--timeout <d>', 'evaluation timeout', '1s');
  withInstanceOptions(evaluate).action(
    async (operands: string[], o: InstanceOptions & { timeout: string }, command: Command) => {
      const { api, out } = context(command);
      const { session, rest } = splitSessionOperands(operands, 1, '[SESSION] EXPR');
      const timeoutMs = durationOption('--timeout', o.timeout, AGENT_LIMITS.evalMs);
      const { id } = await resolveSession(api, session);
      const r = await runAction(
        api,
        id,
        'eval',
        { expression: rest[0], timeoutMs },
        undefined,
        instanceSelector(o),
      );
      printResult(out, r);
      printRedactions(out, r);
    },
  );

  const profile = program
    .command('profile')
    .description('take a CPU profile; saves a .cpuprofile (one per instance) that Chrome DevTools opens')
    .argument('[session]', SESSION_HELP)
    .requiredOption('--seconds <n>', 'how long to profile')
    .option('--out <file>', 'where to save it (with several instances: FILE-INSTANCE.cpuprofile)');
  withInstanceOptions(profile).action(
    async (
      given: string | undefined,
      o: InstanceOptions & { seconds: string; out?: string },
      command: Command,
    ) => {
      const { api, out } = context(command);
      const seconds = wholeNumber('--seconds', o.seconds, 1, 3600);
      if (o.out !== undefined) outFileOption(o.out);
      const { id } = await resolveSession(api, given);
      out.note(`profiling for ${seconds}s…`);
      const r = await runAction(api, id, 'profile', { seconds }, undefined, instanceSelector(o));
      const base = o.out?.replace(/\.cpuprofile$/, '') ?? `glovebox-${id}-${Date.now()}`;
      const parts = perInstance(r);
      const files: string[] = [];
      for (const part of parts ?? [{ instance: '', ok: true, result: r.result }]) {
        if (!part.ok) {
          out.note(
            `${part.instance}: refused: ${part.error?.code ?? 'unknown'}: ${part.error?.message ?? ''}`,
          );
          continue;
        }
        const file = parts ? `${base}-${part.instance}.cpuprofile` : (o.out ?? `${base}.cpuprofile`);
        writeFileSync(file, JSON.stringify((part.result as { profile?: unknown }).profile ?? part.result));
        files.push(file);
      }
      const saved = parts ? { files } : { file: files[0] ?? '' };
      out.result(
        { ...saved, auditEventId: r.auditEventId },
        () => `saved ${files.join(', ')} (open in Chrome DevTools › Performance)`,
      );
    },
  );
}

interface InstanceOptions {
  instance?: string;
  sample?: string;
}

export function registerActionCommands(program: Command): void {
  registerSmallActions(program);
  registerSnapshot(program);
  registerLogpoint(program);
}
