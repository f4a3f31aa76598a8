import { randomUUID } from 'node:crypto';
import {
  authzRequestSchema,
  decisionRequest,
  type AuthzRequest,
  type Decision,
  type ReplayCase,
} from '@glovebox/policy';
import type { Redactor } from '@glovebox/redact';

/**
 * The replayable form of a decision, kept in its audit event as `details.replay` so that
 * `glovebox policy plan` can decide it again under a proposed policy set:
 * `{ v: 1, id, request, redacted? }`. `request` is the exact request the engine decided, with
 * its free-text context (reason, ticket, command) passed through the redactor; `redacted` says
 * that redaction changed some of it, so the replay may differ from the original there. `id`
 * identifies the decision, so one decision recorded in two events is replayed once.
 */
export const REPLAY_FORMAT = 1;

/** Largest replay record kept with an event; larger ones are marked `omitted`. */
const MAX_REPLAY_BYTES = 12 * 1024;

const ids = new WeakMap<Decision, string>();

/** The `details.replay` value for an event that records `decision`, or undefined when it has none. */
export function replayDetails(
  decision: Decision | undefined,
  redactor: Redactor,
): Record<string, unknown> | undefined {
  if (decision === undefined) return undefined;
  const request = decisionRequest(decision);
  if (request === undefined) return undefined;
  let id = ids.get(decision);
  if (id === undefined) {
    id = randomUUID();
    ids.set(decision, id);
  }
  let redacted = false;
  const context = { ...request.context };
  for (const key of ['reason', 'ticket', 'command'] as const) {
    const value = context[key];
    if (value === undefined) continue;
    const masked = redactor.redactText(value).text;
    if (masked !== value) redacted = true;
    context[key] = masked;
  }
  const record = {
    v: REPLAY_FORMAT,
    id,
    request: { ...request, context },
    ...(redacted ? { redacted } : {}),
  };
  if (Buffer.byteLength(JSON.stringify(record)) > MAX_REPLAY_BYTES)
    return { v: REPLAY_FORMAT, id, omitted: 'too large' };
  return record;
}

/** What an audit event offers for replay. */
export type ReplayExtract =
  | { kind: 'none' }
  | { kind: 'unreplayable'; reason: string }
  | { kind: 'case'; id: string; case: ReplayCase; redacted: boolean };

/**
 * Reads `details.replay` back from a stored event. Events without a decision have nothing to
 * replay; events with a decision but without a usable replay record (recorded before the gateway
 * kept them, omitted for size, or malformed) are reported as unreplayable.
 */
export function replayCaseOf(event: {
  id: string;
  decision?: { allowed: boolean };
  details?: Record<string, unknown>;
}): ReplayExtract {
  if (event.decision === undefined) return { kind: 'none' };
  const replay = event.details?.['replay'];
  if (replay === undefined || replay === null || typeof replay !== 'object')
    return { kind: 'unreplayable', reason: 'recorded without its request (before replay records were kept)' };
  const r = replay as { v?: unknown; id?: unknown; request?: unknown; redacted?: unknown; omitted?: unknown };
  if (r.v !== REPLAY_FORMAT) return { kind: 'unreplayable', reason: `unknown replay format ${String(r.v)}` };
  if (typeof r.omitted === 'string')
    return { kind: 'unreplayable', reason: `request omitted (${r.omitted})` };
  const parsed = authzRequestSchema.safeParse(r.request);
  if (!parsed.success || typeof r.id !== 'string')
    return { kind: 'unreplayable', reason: 'replay record does not match the request schema' };
  return {
    kind: 'case',
    id: r.id,
    case: {
      ref: event.id,
      request: parsed.data as AuthzRequest,
      recorded: event.decision.allowed ? 'allow' : 'deny',
    },
    redacted: r.redacted === true,
  };
}
