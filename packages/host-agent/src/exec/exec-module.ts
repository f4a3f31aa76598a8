import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { z } from 'zod';
import { GloveboxError, newId } from '@glovebox/core';
import type { ActionContext, ActionModule, ActionOutcome } from '@glovebox/agent';
import type { CommandSpec, ExecTargetConfig, SandboxMode } from '../config.js';
import type { ProgramRuleExtensions } from './option-guard.js';
import { checkArgumentPaths } from './path-guard.js';
import { RecordingWriter, type RecordingRef } from '../recording.js';
import {
  addCounts,
  defaultRedactorFactory,
  type HostRedactor,
  type RedactionCounts,
  type RedactorFactory,
} from '../redactor.js';
import { classifyCommand, type CommandClassification } from './command-classifier.js';
import { buildLaunch, detectHostTools, type HostTools } from './launcher.js';
import { OutputDecoder } from './output-decoder.js';
import { idleFlush } from '@glovebox/redact';

/** Why a command was stopped by the agent rather than exiting on its own. */
export type KillReason = 'timeout' | 'cpu' | 'output-limit' | 'aborted';

/** The result of the `exec` action. Output itself was streamed (redacted) through `ctx.emit`. */
export interface ExecResult {
  command: string;
  class: 'read' | 'mutating';
  exitCode: number | null;
  signal: string | null;
  killedBy: KillReason | null;
  durationMs: number;
  /** Raw output bytes read from the command (both streams), at most its maxOutputBytes. */
  bytes: number;
  truncated: boolean;
  /** True when the output held bytes that are not UTF-8 text; they were replaced or escaped. */
  binary: boolean;
  sandbox: 'bwrap' | 'none';
  recording: RecordingRef;
}

/** One piece of streamed output, as passed to `ctx.emit`. */
export interface ExecOutputEvent {
  stream: 'stdout' | 'stderr';
  data: string;
}

/** Options for {@link createExecModule}. */
export interface ExecModuleOptions {
  /** Directory the asciicast recordings are written to (created 0700). */
  recordingsDir: string;
  /** Default `auto`: bubblewrap when installed. `required` refuses to run commands without it. */
  sandbox?: SandboxMode;
  /** Most commands running at once over all sessions. Default 8. */
  maxConcurrent?: number;
  redactorFor?: RedactorFactory;
  /** Overrides tool detection (tests, or hosts with tools outside the system directories). */
  tools?: HostTools;
  /** Default `refuse`: read-class commands run only in the sandbox. */
  readsWithoutSandbox?: 'refuse' | 'allow';
  /** Additions to the shipped dangerous-option table (the configuration's `programs`). */
  programs?: ProgramRuleExtensions;
}

/** An exec module plus what it found on the host, for the agent's start-up log and hello. */
export interface ExecModule extends ActionModule {
  /** `bwrap` when commands run sandboxed, `none` when bubblewrap is absent or disabled. */
  readonly sandbox: 'bwrap' | 'none';
}

const execParamsSchema = z.strictObject({ argv: z.array(z.string().max(4096)).min(1).max(257) });

// After the command exits, give descendants that kept the pipes open this long before cutting them off.
const PIPE_DRAIN_MS = 2000;

interface Running {
  sessionId: string;
  kill(reason: KillReason): void;
  done: Promise<unknown>;
}

/** What every call of one exec module shares. */
interface ExecHost {
  byName: ReadonlyMap<string, ExecTargetConfig>;
  tools: HostTools;
  mode: SandboxMode;
  sandboxed: boolean;
  redactorFor: RedactorFactory;
  maxConcurrent: number;
  running: Set<Running>;
  options: ExecModuleOptions;
}

type Allowed = Extract<CommandClassification, { allowed: true }>;

/** The allow-listed command a call names, or the refusal: nothing has run yet. */
async function admit(
  h: ExecHost,
  params: unknown,
  ctx: ActionContext,
): Promise<{ target: ExecTargetConfig; verdict: Allowed }> {
  const parsed = execParamsSchema.safeParse(params);
  if (!parsed.success) throw new GloveboxError('GBX_REQUEST_INVALID', 'exec expects { argv: string[] }');
  const target = h.byName.get(ctx.target);
  if (!target) throw new GloveboxError('GBX_NOT_FOUND', 'no exec target of that name on this agent');
  const verdict = classifyCommand(target, parsed.data.argv, h.options.programs);
  if (!verdict.allowed) throw new GloveboxError(verdict.code, verdict.reason);
  if (h.mode === 'required' && !h.sandboxed)
    throw new GloveboxError(
      'GBX_EXEC_SANDBOX_UNAVAILABLE',
      'this agent requires a sandbox for commands but bubblewrap is not installed',
    );
  if (verdict.class === 'read' && !h.sandboxed && h.options.readsWithoutSandbox !== 'allow')
    throw new GloveboxError(
      'GBX_EXEC_SANDBOX_UNAVAILABLE',
      'read-class commands run only in the read-only sandbox, which is unavailable here (bubblewrap missing or sandbox: off); readsWithoutSandbox: allow would run them without it',
    );
  const pathProblem = await checkArgumentPaths(verdict.spec, verdict.patternArgs);
  if (pathProblem !== null) throw new GloveboxError('GBX_EXEC_OPERAND_REFUSED', pathProblem);
  if (ctx.signal.aborted)
    throw new GloveboxError('GBX_EXEC_CANCELLED', 'the call was cancelled before it started');
  if (h.running.size >= h.maxConcurrent)
    throw new GloveboxError('GBX_RATE_LIMITED', 'too many commands are running on this agent; retry shortly');
  return { target, verdict };
}

/** A fixed PATH and only the environment variables the command's spec names. */
function commandEnv(spec: CommandSpec): Record<string, string> {
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin',
  };
  for (const name of spec.env) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Kills the command's whole process group; `killedBy` keeps the first reason. */
interface GroupKiller {
  killedBy: KillReason | null;
  killGroup: () => void;
  kill: (reason: KillReason) => void;
}

function groupKiller(child: ChildProcess): GroupKiller {
  const killer: GroupKiller = {
    killedBy: null,
    killGroup: () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already gone.
      }
    },
    kill: (reason) => {
      killer.killedBy ??= reason;
      killer.killGroup();
    },
  };
  return killer;
}

/** The command's output as it was read, redacted, streamed and recorded. */
interface OutputPump {
  readonly bytes: number;
  readonly truncated: boolean;
  readonly binary: boolean;
  /** Flushes the decoders and the redaction stream; returns the redaction counts. */
  finish(): Readonly<RedactionCounts>;
}

/**
 * Streams stdout and stderr through `ctx.emit` and into the recording, redacted as one text in
 * arrival order (a secret split between the two streams is still whole), up to maxOutputBytes.
 */
function pumpOutput(
  child: ChildProcess,
  spec: CommandSpec,
  redactor: HostRedactor,
  ctx: ActionContext,
  recording: RecordingWriter,
  killer: GroupKiller,
): OutputPump {
  let bytes = 0;
  let truncated = false;
  const decoders = { stdout: new OutputDecoder(), stderr: new OutputDecoder() };
  const merged = redactor.createMergedStream();
  // a line held for a possible fold reaches the engineer once the command pauses
  const idle = idleFlush(() => send(merged.flush()));
  const send = (pieces: ReadonlyArray<{ source: 'stdout' | 'stderr'; text: string }>): void => {
    for (const { source, text } of pieces) {
      if (text.length === 0) continue;
      const event: ExecOutputEvent = { stream: source, data: text };
      ctx.emit(event);
      recording.output(text);
    }
  };
  const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    if (truncated) return;
    let piece = chunk;
    if (bytes + piece.length > spec.maxOutputBytes) {
      piece = piece.subarray(0, spec.maxOutputBytes - bytes);
      truncated = true;
      killer.kill('output-limit');
    }
    bytes += piece.length;
    send(merged.push(stream, decoders[stream].push(piece)));
    idle.touch();
  };
  child.stdout?.on('data', onData('stdout'));
  child.stderr?.on('data', onData('stderr'));
  return {
    get bytes() {
      return bytes;
    },
    get truncated() {
      return truncated;
    },
    get binary() {
      return decoders.stdout.binary || decoders.stderr.binary;
    },
    finish() {
      idle.cancel();
      for (const stream of ['stdout', 'stderr'] as const) send(merged.push(stream, decoders[stream].end()));
      send(merged.end());
      return merged.counts;
    },
  };
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: unknown;
}

/**
 * Waits for the command to end under its wall-clock limit and the call's abort signal, listed in
 * `running` meanwhile; kills what is left of its group once it has exited.
 */
async function awaitExit(
  h: ExecHost,
  child: ChildProcess,
  spec: CommandSpec,
  ctx: ActionContext,
  killer: GroupKiller,
): Promise<Exit> {
  let exited = false;
  const timer = setTimeout(() => killer.kill('timeout'), spec.timeoutMs);
  const onAbort = (): void => killer.kill('aborted');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let drainTimer: NodeJS.Timeout | undefined;
  const finished = new Promise<Exit>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, spawnError: error }));
    child.once('exit', () => {
      exited = true;
      // Descendants left in the group would outlive the command and hold the pipes open.
      killer.killGroup();
      drainTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, PIPE_DRAIN_MS);
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const entry: Running = { sessionId: ctx.sessionId, kill: killer.kill, done: finished };
  h.running.add(entry);
  try {
    return await finished;
  } finally {
    clearTimeout(timer);
    clearTimeout(drainTimer);
    ctx.signal.removeEventListener('abort', onAbort);
    h.running.delete(entry);
    if (!exited) killer.killGroup();
  }
}

async function exec(h: ExecHost, params: unknown, ctx: ActionContext): Promise<ActionOutcome> {
  const { target, verdict } = await admit(h, params, ctx);
  const { spec, args } = verdict;
  const redactor = h.redactorFor(ctx.masking);
  const commandLine = redactor.redactText([spec.name, ...args].join(' '));
  const redactions: RedactionCounts = addCounts({}, commandLine.counts);
  const recording = await RecordingWriter.create(h.options.recordingsDir, newId('rec'), {
    sessionId: ctx.sessionId,
    callId: ctx.callId,
    target: target.name,
    command: commandLine.text,
  });
  const launch = buildLaunch(spec, args, h.tools, h.sandboxed);
  const started = performance.now();
  let child: ChildProcess;
  try {
    child = spawn(launch.file, launch.args, {
      shell: false,
      detached: true,
      cwd: spec.cwd,
      env: commandEnv(spec),
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
  } catch (error) {
    await recording.discard(h.options.recordingsDir);
    throw new GloveboxError('GBX_EXEC_FAILED', `could not start ${spec.name}`, { cause: error });
  }
  const killer = groupKiller(child);
  const output = pumpOutput(child, spec, redactor, ctx, recording, killer);
  const outcome = await awaitExit(h, child, spec, ctx, killer);
  if (outcome.spawnError !== undefined) {
    await recording.discard(h.options.recordingsDir);
    throw new GloveboxError('GBX_EXEC_FAILED', `could not start ${spec.name}`, {
      cause: outcome.spawnError,
    });
  }
  addCounts(redactions, output.finish());
  // Under bubblewrap the command is bwrap's child, and bwrap reports its death by signal as 128 + signal.
  if (outcome.signal === 'SIGXCPU' || (launch.sandboxed && outcome.code === 128 + constants.signals.SIGXCPU))
    killer.killedBy ??= 'cpu';
  const { killedBy } = killer;
  const { bytes, truncated } = output;
  const ref = await recording.finish();
  const result: ExecResult = {
    command: spec.name,
    class: spec.class,
    exitCode: outcome.code,
    signal: outcome.signal,
    killedBy,
    durationMs: Math.round(performance.now() - started),
    bytes,
    truncated,
    binary: output.binary,
    sandbox: launch.sandboxed ? 'bwrap' : 'none',
    recording: ref,
  };
  return {
    result,
    accessed: {
      command: spec.name,
      class: spec.class,
      commandLine: commandLine.text,
      bytes,
      truncated,
      exitCode: outcome.code,
      killedBy,
      recording: ref,
    },
    redactions,
  };
}

/**
 * Creates the `exec` action: runs allow-listed commands of the call's exec target as an argv (never a
 * shell), in their own process group, under CPU, wall-clock and output limits, sandboxed with bubblewrap
 * when available. stdout and stderr are streamed through `ctx.emit({ stream, data })`, redacted together
 * in arrival order so secrets split across chunks or between the two streams are still caught, and
 * recorded in asciicast v2.
 * Aborting `ctx.signal` (cancel, session end, lease lapse) kills the whole process group.
 *
 * @example
 * const exec = createExecModule(config.targets.filter((t) => t.type === 'exec'), { recordingsDir });
 * await exec.actions.exec({ argv: ['df', '-h'] }, ctx); // { result: { exitCode: 0, ... }, accessed, redactions }
 */
export function createExecModule(
  targets: readonly ExecTargetConfig[],
  options: ExecModuleOptions,
): ExecModule {
  const tools = options.tools ?? detectHostTools();
  const mode = options.sandbox ?? 'auto';
  const h: ExecHost = {
    byName: new Map(targets.map((t) => [t.name, t])),
    tools,
    mode,
    sandboxed: mode !== 'off' && tools.bwrap !== null,
    redactorFor: options.redactorFor ?? defaultRedactorFactory(),
    maxConcurrent: options.maxConcurrent ?? 8,
    running: new Set<Running>(),
    options,
  };

  async function stopAll(filter: (entry: Running) => boolean): Promise<void> {
    const victims = [...h.running].filter(filter);
    for (const entry of victims) entry.kill('aborted');
    await Promise.allSettled(victims.map((entry) => entry.done));
  }

  return {
    sandbox: h.sandboxed ? 'bwrap' : 'none',
    actions: { exec: (params, ctx) => exec(h, params, ctx) },
    endSession: (sessionId) => stopAll((entry) => entry.sessionId === sessionId),
    close: () => stopAll(() => true),
  };
}
