import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatDuration, GloveboxError, parseDuration } from '@glovebox/core';
import type { AccessRequestView } from '@glovebox/protocol';
import { ApiClient, resolveUrl } from '../client.js';
import { currentSession } from '../home.js';
import { makeOutput, OUTPUT_FORMATS, readStdin, type Output, type OutputFormat } from '../output.js';

/** The output format a command's options ask for: `--output F`, `--json` as its alias, else table. */
export function formatOf(opts: { json?: unknown; output?: unknown }): OutputFormat {
  if (typeof opts.output === 'string' && (OUTPUT_FORMATS as readonly string[]).includes(opts.output))
    return opts.output as OutputFormat;
  return opts.json === true ? 'json' : 'table';
}

/** The output of a command that needs no gateway. */
export function localOutput(command: Command): Output {
  return makeOutput(formatOf(command.optsWithGlobals()));
}

/** The global options merged with a command's own. */
export function context(command: Command): { api: ApiClient; out: Output; opts: Record<string, unknown> } {
  const opts = command.optsWithGlobals<Record<string, unknown>>();
  return {
    api: new ApiClient(resolveUrl(opts.url as string | undefined)),
    out: makeOutput(formatOf(opts)),
    opts,
  };
}

/** Throws a usage error (exit 2). */
export function usage(message: string): never {
  throw new GloveboxError('GBX_USAGE', message);
}

/**
 * An --out file checked before the action runs (a heap snapshot or a profile pauses production, so
 * it is not taken to be lost): its directory exists, and it is not a directory itself.
 */
export function outFileOption(file: string): string {
  if (!statSync(dirname(file), { throwIfNoEntry: false })?.isDirectory())
    usage(`--out ${file}: there is no directory ${dirname(file)}`);
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory())
    usage(`--out ${file} is a directory: name a file in it`);
  return file;
}

/** A one-time code as typed: six digits, checked before it is sent (a typo would spend a guess). */
export function otpCode(code: string, flag?: string): string {
  return /^\d{6}$/.test(code) ? code : usage(`${flag ? `${flag}: ` : ''}the code is 6 digits`);
}

/** A password given with --password-stdin: one line, without its line end; an empty one is a mistake. */
export async function stdinPassword(): Promise<string> {
  const password = (await readStdin()).replace(/\r?\n$/, '');
  return password === '' ? usage('the password on stdin is empty') : password;
}

/**
 * A duration option checked before anything is sent: a unit is required, zero is refused, and
 * `maxMs` (what the receiving end accepts) bounds it.
 */
export function durationOption(flag: string, value: string, maxMs?: number): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (error) {
    return usage(`${flag}: ${error instanceof Error ? error.message : 'invalid duration'}`);
  }
  if (maxMs !== undefined && ms > maxMs) usage(`${flag} must be at most ${formatDuration(maxMs)}`);
  return ms;
}

const SESSION_ID = /^ses_[0-9a-z]{16}$/;

/** True when `text` has the shape of a session id rather than a target name. */
export function isSessionId(text: string): boolean {
  return SESSION_ID.test(text);
}

/** A session an action runs in, and how it was chosen (for hints when it has ended). */
export interface SessionChoice {
  id: string;
  from: 'argument' | 'target' | 'current';
}

/**
 * The session an action addresses: an id as given; a target name when exactly one of your active
 * sessions is on it; nothing for the current session (`glovebox request` / `glovebox use` set it).
 */
export async function resolveSession(api: ApiClient, given: string | undefined): Promise<SessionChoice> {
  if (given === undefined) {
    const current = currentSession(api.url);
    if (!current)
      usage(
        `no current session for ${api.url}: name one (SESSION or TARGET), or open one with ` +
          '`glovebox request TARGET --actions … --reason …`, or pick one with `glovebox use SESSION`',
      );
    return { id: current.session, from: 'current' };
  }
  if (isSessionId(given)) return { id: given, from: 'argument' };
  // The list also holds sessions the caller may only watch (approved or audited ones).
  const [{ sessions }, me] = await Promise.all([
    api.call<{ sessions: AccessRequestView[] }>('GET', '/sessions'),
    api.call<{ user: string }>('GET', '/whoami'),
  ]);
  const onTarget = sessions.filter(
    (s) => s.target === given && s.status === 'active' && s.requester === me.user,
  );
  const only = onTarget[0];
  if (onTarget.length === 1 && only) return { id: only.id, from: 'target' };
  if (onTarget.length === 0)
    usage(
      `"${given}" is neither a session id nor a target with an active session of yours: ` +
        `open one with \`glovebox request ${given} --actions … --reason …\``,
    );
  return usage(
    `${onTarget.length} of your sessions are active on ${given} (${onTarget.map((s) => s.id).join(', ')}): ` +
      'name one, or pick it with `glovebox use SESSION`',
  );
}

/**
 * Splits an action's operands into an optional leading session and the `required` ones after it:
 * `snapshot [SESSION] FILE:LINE` gets 1 or 2 operands.
 */
export function splitSessionOperands(
  operands: string[],
  required: number,
  shape: string,
): { session: string | undefined; rest: string[] } {
  if (operands.length === required) return { session: undefined, rest: operands };
  if (operands.length === required + 1) return { session: operands[0], rest: operands.slice(1) };
  return usage(`expected ${shape}, got ${operands.length} argument(s)`);
}
