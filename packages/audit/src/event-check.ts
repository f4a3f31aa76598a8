// The verifier's hot path: a structural check equivalent to `chainedEventSchema` (a property test
// keeps them in step) and the event hash computed from the stored canonical text, without zod and
// without re-serializing (docs/adr/0015-audit-witness.md has the measurements behind this).
import * as crypto from 'node:crypto';
import { z } from 'zod';
import {
  AUDIT_SEVERITIES,
  computeEventHash,
  MAX_DETAILS_BYTES,
  MAX_DETAILS_DEPTH,
  type ChainedEvent,
} from './event.js';
import { canonicalJson } from '@glovebox/protocol';

const HEX64 = /^[0-9a-f]{64}$/;
const TYPE_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;
const timeSchema = z.iso.datetime({ precision: 3 });
const ACTOR_KINDS = new Set(['user', 'agent', 'system', 'anonymous']);
const OUTCOMES = new Set(['success', 'failure', 'denied', 'pending']);
const SEVERITIES = new Set<string>(AUDIT_SEVERITIES);
const REQUIRED = ['id', 'seq', 'prevHash', 'hash', 'type', 'severity', 'time', 'actor', 'outcome', 'details'];
const OPTIONAL = new Set(['sessionId', 'action', 'target', 'decision']);
const ALLOWED = new Set([...REQUIRED, ...OPTIONAL]);

const oneShot = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;

/** Hex SHA-256 of a string's UTF-8 bytes (the one-shot API where Node has it). */
export function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text) : crypto.createHash('sha256').update(text).digest('hex');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const text = (value: unknown, min: number, max: number): boolean =>
  typeof value === 'string' && value.length >= min && value.length <= max;

function stringArray(value: unknown, maxItems: number, min: number, max: number): boolean {
  if (!Array.isArray(value) || value.length > maxItems) return false;
  for (const item of value) if (!text(item, min, max)) return false;
  return true;
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  for (const key in value) if (!allowed.includes(key)) return false;
  return true;
}

function validActor(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    onlyKeys(value, ['kind', 'id']) &&
    ACTOR_KINDS.has(value.kind as string) &&
    text(value.id, 1, 256)
  );
}

function validDecision(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    onlyKeys(value, ['allowed', 'determiningPolicies', 'policyVersion', 'reasons', 'errors']) &&
    typeof value.allowed === 'boolean' &&
    stringArray(value.determiningPolicies, 64, 1, 256) &&
    text(value.policyVersion, 1, 128) &&
    stringArray(value.reasons, 32, 0, 512) &&
    (value.errors === undefined || stringArray(value.errors, 32, 0, 512))
  );
}

/** Depth-bounded walk of parsed JSON; also tells whether every object's keys are in canonical order. */
function walk(value: unknown, depth: number, order: { sorted: boolean }): boolean {
  if (value === null || typeof value !== 'object') {
    return typeof value !== 'number' || Number.isFinite(value);
  }
  if (depth <= 0) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!walk(item, depth - 1, order)) return false;
    return true;
  }
  if (!isPlainObject(value)) return false;
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && previous >= key) order.sorted = false;
    previous = key;
    if (!walk(value[key], depth - 1, order)) return false;
  }
  return true;
}

function sortedKeys(value: Record<string, unknown>): boolean {
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && previous >= key) return false;
    previous = key;
  }
  return true;
}

function validDetails(value: unknown, storedText: string | undefined, order: { sorted: boolean }): boolean {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (key.length > 128) return false;
  if (!walk(value, MAX_DETAILS_DEPTH, order)) return false;
  // The whole stored event bounds its details; only large events need the exact size.
  if (storedText !== undefined && storedText.length * 3 <= MAX_DETAILS_BYTES) return true;
  try {
    return Buffer.byteLength(canonicalJson(value)) <= MAX_DETAILS_BYTES;
  } catch {
    return false;
  }
}

function validOptional(value: Record<string, unknown>): boolean {
  for (const key of ['sessionId', 'action', 'target'] as const) {
    if (key in value && !text(value[key], 1, 256)) return false;
  }
  return !('decision' in value) || validDecision(value.decision);
}

/**
 * True when a JSON-parsed value is a well-formed chained event: the same answer as
 * `chainedEventSchema.safeParse(value).success`, an order of magnitude faster.
 */
export function isChainedEvent(value: unknown, storedText?: string): value is ChainedEvent {
  return checkEvent(value, storedText, { sorted: true });
}

function checkEvent(value: unknown, storedText: string | undefined, order: { sorted: boolean }): boolean {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (!ALLOWED.has(key)) return false;
  for (const key of REQUIRED) if (!(key in value)) return false;
  const seq = value.seq;
  return (
    text(value.id, 1, 64) &&
    typeof seq === 'number' &&
    Number.isSafeInteger(seq) &&
    seq >= 1 &&
    typeof value.prevHash === 'string' &&
    HEX64.test(value.prevHash) &&
    typeof value.hash === 'string' &&
    HEX64.test(value.hash) &&
    typeof value.type === 'string' &&
    value.type.length <= 64 &&
    TYPE_PATTERN.test(value.type) &&
    SEVERITIES.has(value.severity as string) &&
    timeSchema.safeParse(value.time).success &&
    validActor(value.actor) &&
    OUTCOMES.has(value.outcome as string) &&
    validOptional(value) &&
    validDetails(value.details, storedText, order)
  );
}

/** A parsed event and whether it matches its own hash. */
export interface InspectedEvent {
  event: ChainedEvent;
  selfOk: boolean;
}

const HASH_MEMBER = ',"hash":"';

const isWellFormed = (value: string): boolean =>
  (value as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * The hash of an event from its stored text, when that text is already canonical: the bytes
 * minus the top-level `hash` member are exactly what the hash covers. Returns null when the text
 * is not in the shape our writer produces (the caller then re-serializes).
 */
function hashOfCanonicalText(storedText: string, event: ChainedEvent): string | null {
  // `\u` escapes are where canonical JSON and a hand-edited text can disagree (lone surrogates).
  if (storedText.includes('\\u') || !isWellFormed(storedText)) return null;
  const at = storedText.lastIndexOf(HASH_MEMBER);
  const valueStart = at + HASH_MEMBER.length;
  const end = valueStart + 64;
  if (at < 0 || storedText.charCodeAt(end) !== 34 || storedText.slice(valueStart, end) !== event.hash)
    return null;
  return sha256Hex(storedText.slice(0, at) + storedText.slice(end + 1));
}

/**
 * Validates a parsed event and checks it against its own hash. `storedText`, when given, must be
 * the exact text `value` was parsed from; a canonical text is hashed as it is. Returns null for
 * anything that is not a well-formed event.
 */
export function inspectEvent(value: unknown, storedText?: string): InspectedEvent | null {
  const order = { sorted: true };
  if (!checkEvent(value, storedText, order)) return null;
  const event = value as ChainedEvent;
  const canonicalOrder =
    order.sorted &&
    sortedKeys(value as Record<string, unknown>) &&
    sortedKeys(event.actor) &&
    (event.decision === undefined || sortedKeys(event.decision));
  if (storedText !== undefined && canonicalOrder) {
    const fast = hashOfCanonicalText(storedText, event);
    if (fast === event.hash) return { event, selfOk: true };
  }
  let selfOk = false;
  try {
    selfOk = computeEventHash(event) === event.hash;
  } catch {
    selfOk = false;
  }
  return { event, selfOk };
}
