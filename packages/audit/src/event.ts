import { createHash } from 'node:crypto';
import { GloveboxError } from '@glovebox/core';
import { canonicalJson } from '@glovebox/protocol';
import { z } from 'zod';

/** Severity letters, as Teleport uses them: Info, Warning, Error. */
export const AUDIT_SEVERITIES = ['I', 'W', 'E'] as const;
/** Severity letter of an audit event. */
export type AuditSeverity = (typeof AUDIT_SEVERITIES)[number];

/**
 * The catalogue of audit event types. A type is a stable code: it is never renamed or reused,
 * and docs/audit.md lists every one (a test keeps them in step).
 */
export const AUDIT_EVENT_TYPES = {
  'auth.login': { severity: 'I', description: 'An identity authenticated (password, OIDC or API token).' },
  'auth.login_failed': { severity: 'W', description: 'An authentication attempt failed.' },
  'auth.logout': { severity: 'I', description: 'A login session was ended by its owner.' },
  'auth.mfa_enrolled': { severity: 'I', description: 'A user enrolled a second factor.' },
  'auth.mfa_failed': { severity: 'W', description: 'A one-time code was wrong or expired.' },
  'auth.mfa_removed': {
    severity: 'W',
    description:
      "A user's second factors were removed (an admin's reset-mfa); a new enrollment ticket was issued.",
  },
  'auth.step_up': { severity: 'I', description: 'A user passed a step-up MFA check.' },
  'auth.token_created': { severity: 'I', description: 'An API token was issued.' },
  'auth.token_revoked': { severity: 'I', description: 'An API token was revoked.' },
  'auth.token_exchanged': {
    severity: 'I',
    description:
      "A CI provider's OIDC token was exchanged for a short-lived Glovebox token (verified claims).",
  },
  'auth.token_exchange_failed': {
    severity: 'W',
    description:
      'A CI token exchange was refused (signature, issuer, audience, expiry, replay, rule or policy).',
  },
  'auth.sso_stale': {
    severity: 'W',
    description:
      "A token was refused because its user's groups from single sign-on are older than allowed (oidc.maxGroupStalenessSec).",
  },
  'user.created': { severity: 'I', description: 'A local user was created.' },
  'user.updated': { severity: 'I', description: 'A local user or its groups changed.' },
  'user.disabled': {
    severity: 'W',
    description:
      'A user was disabled: every token revoked, every pending request denied, every session ended.',
  },
  'user.enabled': {
    severity: 'I',
    description: 'A disabled user was enabled again (old tokens stay revoked).',
  },
  'request.created': { severity: 'I', description: 'An access request was filed.' },
  'request.approved': { severity: 'I', description: 'A reviewer approved an access request.' },
  'request.denied': { severity: 'I', description: 'A reviewer denied an access request.' },
  'request.expired': { severity: 'I', description: 'A pending access request expired.' },
  'request.break_glass': { severity: 'W', description: 'Break-glass access was granted without approval.' },
  'session.started': { severity: 'I', description: 'A debug session became active.' },
  'session.ended': { severity: 'I', description: 'A session ended (TTL, idle timeout or by its owner).' },
  'session.revoked': {
    severity: 'W',
    description: 'A session was revoked (kill switch or withdrawn approval).',
  },
  'action.intent': {
    severity: 'I',
    description: 'An authorized action is about to be forwarded to an agent.',
  },
  'action.result': {
    severity: 'I',
    description: 'The outcome of an action: duration, bytes, what was accessed.',
  },
  'action.denied': { severity: 'W', description: 'Policy or the session refused an action.' },
  'recording.started': { severity: 'I', description: 'A recording of an output stream began.' },
  'recording.chunk': { severity: 'I', description: 'A recorded output chunk: its index, size and SHA-256.' },
  'recording.ended': { severity: 'I', description: 'A recording was closed: chunk count and total bytes.' },
  'artifact.downloaded': {
    severity: 'I',
    description: 'A stored artifact (a redacted heap snapshot) was downloaded: its id, bytes and SHA-256.',
  },
  'policy.reloaded': { severity: 'I', description: 'A new policy set was loaded.' },
  'policy.reload_failed': {
    severity: 'E',
    description: 'A policy set failed to load; the previous one stays.',
  },
  'policy.pushed': {
    severity: 'I',
    description: 'A tested policy bundle was stored as a new version (digest, author, CI origin).',
  },
  'policy.push_refused': {
    severity: 'W',
    description: 'A pushed policy bundle was refused (invalid or its tests failed); nothing was stored.',
  },
  'policy.approved': { severity: 'I', description: 'A second person approved a pushed policy version.' },
  'policy.rolled_back': { severity: 'W', description: 'An earlier policy version was made active again.' },
  'policy.activated': {
    severity: 'I',
    description: 'A gateway replica activated the policy version the store says is in force.',
  },
  'policy.activation_failed': {
    severity: 'E',
    description: 'A replica could not activate the version in force and keeps its last good one.',
  },
  'policy.planned': {
    severity: 'I',
    description: 'The impact of a proposed policy bundle was replayed on recorded decisions (counts).',
  },
  'agent.registered': { severity: 'I', description: 'An agent was registered and given a credential.' },
  'agent.updated': {
    severity: 'I',
    description: "An agent's registration (env, owner, tags or credential) was changed.",
  },
  'agent.revoked': {
    severity: 'W',
    description: "An agent's registration was revoked; it can no longer connect.",
  },
  'agent.rotated': {
    severity: 'W',
    description: "An agent's credential was replaced; the connection made with the old one was closed.",
  },
  'config.changed': {
    severity: 'I',
    description:
      'A managed setting (audit sinks, webhooks, SSO group mapping) was changed by `glovebox apply`.',
  },
  'config.applied': {
    severity: 'I',
    description: 'A glovebox.yaml was applied: its digest and how many changes were made.',
  },
  'agent.connected': { severity: 'I', description: 'An agent connected to the gateway.' },
  'agent.disconnected': { severity: 'I', description: 'An agent disconnected.' },
  'agent.rejected': { severity: 'W', description: 'An agent connection or message was refused.' },
  'gateway.key_rotated': {
    severity: 'W',
    description: 'The gateway signing key agents pin was rotated (the new one announced by the old).',
  },
  'agent.refused_gateway': {
    severity: 'W',
    description:
      'An agent refused its gateway end: unpinned key, second or forged welcome, replayed envelope.',
  },
  'audit.read': { severity: 'I', description: 'Somebody searched or read the audit trail.' },
  'audit.exported': { severity: 'I', description: 'The audit trail was exported.' },
  'audit.verified': { severity: 'I', description: 'The live audit trail was verified (with its result).' },
  'audit.key_rotated': { severity: 'W', description: 'The checkpoint signing key was rotated.' },
  'audit.rollback_accepted': {
    severity: 'E',
    description: 'An operator started the gateway on a store behind or beside its witnessed head.',
  },
  'api.request': { severity: 'I', description: 'An API call: method, route, status and who made it.' },
  'authz.denied': {
    severity: 'W',
    description: 'The route table refused a call (authentication, policy, ownership); decision deny.',
  },
  'system.started': { severity: 'I', description: 'A gateway process started.' },
  'system.stopped': { severity: 'I', description: 'A gateway process stopped cleanly.' },
} as const satisfies Record<string, { severity: AuditSeverity; description: string }>;

/** A stable audit event type from the catalogue. */
export type AuditEventType = keyof typeof AUDIT_EVENT_TYPES;

/** Hash of the (nonexistent) event before seq 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** Upper bound on the canonical JSON of an event's `details`. */
export const MAX_DETAILS_BYTES = 32 * 1024;
/** Upper bound on the canonical JSON of a whole chained event. */
export const MAX_EVENT_BYTES = 64 * 1024;
/** Deepest nesting allowed in `details`. */
export const MAX_DETAILS_DEPTH = 8;

const HEX64 = /^[0-9a-f]{64}$/;
const TYPE_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;

/** True when `value` is plain JSON data no deeper than `maxDepth`; bounded recursion. */
export function isJsonData(value: unknown, maxDepth: number): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (maxDepth <= 0) return false;
      if (Array.isArray(value)) return value.every((item) => isJsonData(item, maxDepth - 1));
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const item of Object.values(value as Record<string, unknown>)) {
        if (!isJsonData(item, maxDepth - 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

const DETAILS_TOO_LARGE = `details must be at most ${MAX_DETAILS_BYTES} bytes of canonical JSON`;

/** Plain JSON, bounded depth; an input's size is checked on the canonical JSON made once. */
const detailsShapeSchema = z
  .record(z.string().max(128), z.unknown())
  .refine((value) => isJsonData(value, MAX_DETAILS_DEPTH), {
    message: `details must be plain JSON, at most ${MAX_DETAILS_DEPTH} levels deep`,
    abort: true,
  });

const detailsSchema = detailsShapeSchema.refine((value) => canonicalSize(value) <= MAX_DETAILS_BYTES, {
  message: DETAILS_TOO_LARGE,
});

/** Canonical JSON byte length, or Infinity for what has no canonical form (e.g. lone surrogates). */
function canonicalSize(value: unknown): number {
  try {
    return Buffer.byteLength(canonicalJson(value));
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

const actorSchema = z.strictObject({
  kind: z.enum(['user', 'agent', 'system', 'anonymous']),
  id: z.string().min(1).max(256),
});

const decisionSchema = z.strictObject({
  allowed: z.boolean(),
  determiningPolicies: z.array(z.string().min(1).max(256)).max(64),
  policyVersion: z.string().min(1).max(128),
  reasons: z.array(z.string().max(512)).max(32),
  /** Present when the policy could not be evaluated: the deny came from these errors, not a forbid. */
  errors: z.array(z.string().max(512)).max(32).optional(),
});

const shortText = z.string().min(1).max(256);

function eventFields<T extends z.ZodType<string>>(
  type: T,
  details: typeof detailsShapeSchema = detailsSchema,
) {
  return {
    type,
    severity: z.enum(AUDIT_SEVERITIES),
    time: z.iso.datetime({ precision: 3 }),
    actor: actorSchema,
    sessionId: shortText.optional(),
    action: shortText.optional(),
    target: shortText.optional(),
    decision: decisionSchema.optional(),
    outcome: z.enum(['success', 'failure', 'denied', 'pending']),
    details,
  };
}

const inputFields = eventFields(
  z.enum(Object.keys(AUDIT_EVENT_TYPES) as [AuditEventType, ...AuditEventType[]]),
  detailsShapeSchema,
);

/**
 * What a caller records. `details` is already redacted by the caller: counts of what was hidden,
 * names of what was accessed, never values. `severity` defaults to the catalogue's.
 */
export const auditEventInputSchema = z.strictObject({
  ...inputFields,
  severity: inputFields.severity.optional(),
});
/** An audit event before it enters the chain (see {@link auditEventInputSchema}). */
export type AuditEventInput = z.input<typeof auditEventInputSchema>;

/**
 * A chained event as stored and exported. The verifier accepts any well-formed type so an older
 * verifier can still check a newer trail.
 */
export const chainedEventSchema = z.strictObject({
  id: z.string().min(1).max(64),
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  prevHash: z.string().regex(HEX64),
  hash: z.string().regex(HEX64),
  ...eventFields(z.string().max(64).regex(TYPE_PATTERN)),
});

/** An event in the chain: the input plus id, gap-free 1-based seq, predecessor hash and own hash. */
export interface ChainedEvent {
  id: string;
  seq: number;
  prevHash: string;
  hash: string;
  type: string;
  severity: AuditSeverity;
  time: string;
  actor: { kind: 'user' | 'agent' | 'system' | 'anonymous'; id: string };
  sessionId?: string;
  action?: string;
  target?: string;
  decision?: {
    allowed: boolean;
    determiningPolicies: string[];
    policyVersion: string;
    reasons: string[];
    errors?: string[];
  };
  outcome: 'success' | 'failure' | 'denied' | 'pending';
  details: Record<string, unknown>;
}

/** The last event of a chain: what the next event links to. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * SHA-256 (hex) over the RFC 8785 canonical JSON of every field of `event` except `hash`.
 *
 * @example
 * computeEventHash(event) === event.hash; // the event is intact
 */
export function computeEventHash(event: Omit<ChainedEvent, 'hash'> | Record<string, unknown>): string {
  const { hash: _ignored, ...rest } = event as Record<string, unknown>;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/**
 * An audit event input that passed validation, with each field's canonical JSON computed once:
 * linking it into the chain then costs a string join and one SHA-256 (see {@link linkEvent}).
 */
export interface PreparedEvent {
  readonly fields: Omit<ChainedEvent, 'id' | 'seq' | 'prevHash' | 'hash'>;
  /** Canonical JSON of each field of `fields`, by field name. */
  readonly canonical: ReadonlyMap<string, string>;
}

/**
 * Validates `input` (throws `GBX_AUDIT_EVENT_INVALID` when it breaks the schema or has no
 * canonical form) and canonicalizes its fields once, before it knows its place in the chain.
 */
export function prepareEvent(input: AuditEventInput): PreparedEvent {
  const parsed = auditEventInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join('.')}` : '';
    throw new GloveboxError(
      'GBX_AUDIT_EVENT_INVALID',
      `audit event rejected${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const data = parsed.data;
  const fields: PreparedEvent['fields'] = {
    type: data.type,
    severity: data.severity ?? AUDIT_EVENT_TYPES[data.type].severity,
    time: data.time,
    actor: data.actor,
    outcome: data.outcome,
    details: data.details,
  };
  if (data.sessionId !== undefined) fields.sessionId = data.sessionId;
  if (data.action !== undefined) fields.action = data.action;
  if (data.target !== undefined) fields.target = data.target;
  if (data.decision !== undefined) {
    const { errors, ...decision } = data.decision;
    fields.decision = errors === undefined ? decision : { ...decision, errors };
  }
  const canonical = new Map<string, string>();
  try {
    for (const [key, value] of Object.entries(fields)) canonical.set(key, canonicalJson(value));
  } catch {
    throw new GloveboxError(
      'GBX_AUDIT_EVENT_INVALID',
      'audit event has no canonical JSON form (e.g. a lone surrogate)',
    );
  }
  if (Buffer.byteLength(canonical.get('details')!) > MAX_DETAILS_BYTES)
    throw new GloveboxError(
      'GBX_AUDIT_EVENT_INVALID',
      `audit event rejected at details: ${DETAILS_TOO_LARGE}`,
    );
  // Refused here rather than when linked, so it cannot fail the transaction it would share.
  if (linkedBytesAtMost(canonical) > MAX_EVENT_BYTES) throw eventTooLarge();
  return { fields, canonical };
}

const eventTooLarge = () =>
  new GloveboxError('GBX_AUDIT_EVENT_INVALID', `audit event exceeds ${MAX_EVENT_BYTES} bytes`);

/** The longest canonical JSON a prepared event can have once linked: any id, seq and hashes. */
function linkedBytesAtMost(canonical: ReadonlyMap<string, string>): number {
  const longest = {
    id: 2 + 64,
    seq: String(Number.MAX_SAFE_INTEGER).length,
    prevHash: 2 + 64,
    hash: 2 + 64,
  };
  let bytes = 2 + Object.keys(longest).length * 4; // braces; per member its quotes, colon, comma
  for (const [name, value] of Object.entries(longest)) bytes += name.length + value;
  for (const [name, value] of canonical) bytes += 4 + name.length + Buffer.byteLength(value);
  return bytes;
}

/**
 * RFC 8785 canonical JSON of an object whose members' canonical JSON is known: members in
 * UTF-16 code-unit order of their names (which is what `<` compares), `"name":value`, comma-joined.
 */
function joinCanonical(members: Map<string, string>): string {
  const names = [...members.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${names.map((name) => `${JSON.stringify(name)}:${members.get(name)!}`).join(',')}}`;
}

/**
 * Links a prepared event after `head` (or at seq 1 after {@link GENESIS_HASH}). Returns the event
 * and its canonical JSON including `hash` (what stores keep), both exactly as {@link chainEvent}
 * and `canonicalJson` would give them. Throws `GBX_AUDIT_EVENT_INVALID` past the size cap.
 */
export function linkEvent(
  head: ChainHead | null,
  prepared: PreparedEvent,
  id: string,
): { event: ChainedEvent; json: string } {
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) {
    throw new TypeError('event id must be a string of 1 to 64 characters');
  }
  if (head !== null && (!Number.isSafeInteger(head.seq) || head.seq < 1 || !HEX64.test(head.hash))) {
    throw new TypeError('chain head must have a positive integer seq and a hex SHA-256 hash');
  }
  const seq = head === null ? 1 : head.seq + 1;
  const prevHash = head === null ? GENESIS_HASH : head.hash;
  const members = new Map(prepared.canonical);
  members.set('id', canonicalJson(id));
  members.set('seq', canonicalJson(seq));
  members.set('prevHash', canonicalJson(prevHash));
  const canonical = joinCanonical(members);
  if (Buffer.byteLength(canonical) > MAX_EVENT_BYTES) throw eventTooLarge();
  const hash = createHash('sha256').update(canonical).digest('hex');
  members.set('hash', canonicalJson(hash));
  const event: ChainedEvent = { id, seq, prevHash, ...prepared.fields, hash };
  return { event, json: joinCanonical(members) };
}

/**
 * Validates `input` and links it after `head` (or at seq 1 after {@link GENESIS_HASH}).
 * Throws `GBX_AUDIT_EVENT_INVALID` when the input breaks the schema or the size caps, so the
 * caller fails closed and performs nothing.
 *
 * @example
 * const first = chainEvent(null, { type: 'system.started', time, actor, outcome: 'success', details: {} }, newId('evt'));
 * const second = chainEvent(first, nextInput, newId('evt'));
 */
export function chainEvent(head: ChainHead | null, input: AuditEventInput, id: string): ChainedEvent {
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) {
    throw new TypeError('event id must be a string of 1 to 64 characters');
  }
  if (head !== null && (!Number.isSafeInteger(head.seq) || head.seq < 1 || !HEX64.test(head.hash))) {
    throw new TypeError('chain head must have a positive integer seq and a hex SHA-256 hash');
  }
  return linkEvent(head, prepareEvent(input), id).event;
}

/** Parses a stored or exported event; returns null for anything that is not a well-formed event. */
export function parseChainedEvent(value: unknown): ChainedEvent | null {
  const parsed = chainedEventSchema.safeParse(value);
  return parsed.success ? (parsed.data as ChainedEvent) : null;
}
