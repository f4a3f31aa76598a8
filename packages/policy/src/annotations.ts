/** Masking level the redaction engine applies inside a session. */
export type MaskingLevel = 'standard' | 'strict';

/** What a session granted by policy must respect; most restrictive wins when permits combine. */
export interface Obligations {
  /** Longest lifetime of the session, in seconds. */
  maxDurationSec: number;
  /** The session ends after this many seconds without an action. */
  idleTimeoutSec: number;
  /** Distinct approvals needed before the session opens; 0 opens at once. */
  approvals: number;
  /** Groups whose members may approve; empty when no approval is needed. */
  approverGroups: string[];
  /** Masking level of everything shown to the engineer. */
  masking: MaskingLevel;
  /** How long the gateway keeps artifacts (redacted heap snapshots) for later download; 0: only
   *  until the engineer has fetched it once. */
  keepArtifactsSec: number;
  /** Most instances (processes) of the service one action may reach at once; 0 or absent (sessions
   *  recorded before the obligation existed): no limit. */
  maxInstances?: number;
  /**
   * An API token minted under this permit (`createToken`) may outlive the login it was minted
   * from (`@outlivesLogin("allow")`); otherwise it ends when that login ends — a single sign-on
   * login's when the provider's session does. Absent (decisions recorded before it existed): no.
   */
  outlivesLogin?: boolean;
}

/** Obligations of a permit that declares none: one hour, 15 minutes idle, no approval, standard masking. */
export const DEFAULT_OBLIGATIONS: Readonly<Obligations> = Object.freeze({
  maxDurationSec: 3600,
  idleTimeoutSec: 900,
  approvals: 0,
  approverGroups: [],
  masking: 'standard',
  keepArtifactsSec: 0,
  maxInstances: 0,
  outlivesLogin: false,
});

/** Longest duration an annotation may name: seven days. */
export const MAX_ANNOTATED_DURATION_SEC = 7 * 86_400;
/** Largest fan-out `@maxInstances` may name. */
export const MAX_FANOUT = 1000;
/** Most approvals a permit may demand. */
export const MAX_APPROVALS = 10;

/** What the loader keeps from a policy's annotations after type-checking them. */
export interface PolicyAnnotationsInfo {
  /** Obligations the permit declares (absent keys take the defaults). Forbids declare none. */
  obligations: Partial<Obligations>;
  /** Human explanation of a forbid, shown with a denial. */
  reason?: string;
  /** The forbid is satisfied by a fresh MFA check. */
  stepUp?: 'mfa';
  description?: string;
}

const PERMIT_KEYS = new Set([
  'id',
  'description',
  'maxDuration',
  'idleTimeout',
  'approvals',
  'approverGroups',
  'masking',
  'keepArtifacts',
  'maxInstances',
  'outlivesLogin',
]);
const FORBID_KEYS = new Set(['id', 'description', 'reason', 'stepUp']);
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const DURATION_PATTERN = /^(\d{1,7})(s|m|h|d)?$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** True when `id` is an acceptable policy id: 1–128 of letters, digits and `._:-`, starting alphanumeric. */
export function isValidPolicyId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/**
 * Parses an annotated duration: `90s`, `15m`, `1h`, `1d`, or a bare number of seconds.
 * Returns seconds, or undefined when the text is not a duration between 1 s and 7 days.
 */
export function parseAnnotatedDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1);
  return seconds >= 1 && seconds <= MAX_ANNOTATED_DURATION_SEC ? seconds : undefined;
}

/**
 * Type-checks the annotations of one policy. Unknown keys are errors, because a misspelt
 * obligation (`@maxDurration`) would otherwise be silently ignored and grant the default.
 */
export function checkAnnotations(
  effect: 'permit' | 'forbid',
  annotations: Readonly<Record<string, string>>,
): { info: PolicyAnnotationsInfo; errors: string[] } {
  const errors: string[] = [];
  const info: PolicyAnnotationsInfo = { obligations: {} };
  const allowed = effect === 'permit' ? PERMIT_KEYS : FORBID_KEYS;
  for (const [key, value] of Object.entries(annotations)) {
    if (!allowed.has(key)) {
      const other = effect === 'permit' ? FORBID_KEYS : PERMIT_KEYS;
      errors.push(
        other.has(key)
          ? `@${key} is not allowed on a ${effect}`
          : `unknown annotation @${key} (allowed on a ${effect}: ${[...allowed].map((k) => '@' + k).join(', ')})`,
      );
      continue;
    }
    if (CONTROL.test(value)) {
      errors.push(`@${key} contains a control character`);
      continue;
    }
    switch (key) {
      case 'id':
        if (!isValidPolicyId(value))
          errors.push(
            `@id("${value.slice(0, 64)}") must be 1-128 letters, digits or ._:- starting alphanumeric`,
          );
        break;
      case 'description':
        if (value.length > 1000) errors.push('@description is longer than 1000 characters');
        else info.description = value;
        break;
      case 'maxDuration':
      case 'idleTimeout': {
        const seconds = parseAnnotatedDuration(value);
        if (seconds === undefined)
          errors.push(
            `@${key}("${value.slice(0, 32)}") must be a duration like 90s, 15m, 1h or 1d, at most 7d`,
          );
        else if (key === 'maxDuration') info.obligations.maxDurationSec = seconds;
        else info.obligations.idleTimeoutSec = seconds;
        break;
      }
      case 'approvals': {
        const count = /^\d{1,2}$/.test(value) ? Number(value) : NaN;
        if (!(count >= 0 && count <= MAX_APPROVALS))
          errors.push(
            `@approvals("${value.slice(0, 32)}") must be a whole number from 0 to ${MAX_APPROVALS}`,
          );
        else info.obligations.approvals = count;
        break;
      }
      case 'approverGroups': {
        const groups = value.split(',').map((g) => g.trim());
        if (groups.some((g) => g.length === 0 || g.length > 128))
          errors.push(
            `@approverGroups("${value.slice(0, 64)}") must be a comma-separated list of group names`,
          );
        else info.obligations.approverGroups = [...new Set(groups)].sort();
        break;
      }
      case 'keepArtifacts': {
        const seconds = value === '0' ? 0 : parseAnnotatedDuration(value);
        if (seconds === undefined)
          errors.push(
            `@keepArtifacts("${value.slice(0, 32)}") must be 0 or a duration like 1h or 7d, at most 7d`,
          );
        else info.obligations.keepArtifactsSec = seconds;
        break;
      }
      case 'maxInstances': {
        const count = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
        if (!(count >= 1 && count <= MAX_FANOUT))
          errors.push(
            `@maxInstances("${value.slice(0, 32)}") must be a whole number from 1 to ${MAX_FANOUT}`,
          );
        else info.obligations.maxInstances = count;
        break;
      }
      case 'outlivesLogin':
        if (value !== 'allow') errors.push(`@outlivesLogin("${value.slice(0, 32)}") must be "allow"`);
        else info.obligations.outlivesLogin = true;
        break;
      case 'masking':
        if (value !== 'standard' && value !== 'strict')
          errors.push(`@masking("${value.slice(0, 32)}") must be "standard" or "strict"`);
        else info.obligations.masking = value;
        break;
      case 'reason':
        if (value.trim().length === 0 || value.length > 500)
          errors.push('@reason must be a non-empty text of at most 500 characters');
        else info.reason = value;
        break;
      case 'stepUp':
        if (value !== 'mfa') errors.push(`@stepUp("${value.slice(0, 32)}") must be "mfa"`);
        else info.stepUp = 'mfa';
        break;
      default:
        errors.push(`unknown annotation @${key}`);
    }
  }
  const { approvals, approverGroups } = info.obligations;
  if ((approvals ?? 0) > 0 && (approverGroups ?? []).length === 0)
    errors.push(`@approvals("${approvals}") needs @approverGroups naming who may approve`);
  if (approverGroups !== undefined && (approvals ?? 0) === 0)
    errors.push('@approverGroups without @approvals greater than 0 has no effect');
  return { info, errors };
}

/** The obligations of one permit, defaults filled in. */
export function withDefaults(partial: Partial<Obligations>): Obligations {
  return {
    maxDurationSec: partial.maxDurationSec ?? DEFAULT_OBLIGATIONS.maxDurationSec,
    idleTimeoutSec: partial.idleTimeoutSec ?? DEFAULT_OBLIGATIONS.idleTimeoutSec,
    approvals: partial.approvals ?? DEFAULT_OBLIGATIONS.approvals,
    approverGroups: [...(partial.approverGroups ?? DEFAULT_OBLIGATIONS.approverGroups)],
    masking: partial.masking ?? DEFAULT_OBLIGATIONS.masking,
    keepArtifactsSec: partial.keepArtifactsSec ?? DEFAULT_OBLIGATIONS.keepArtifactsSec,
    maxInstances: partial.maxInstances ?? 0,
    outlivesLogin: partial.outlivesLogin ?? false,
  };
}

/**
 * Merges what several determining permits **state**, most restrictive first: shortest durations,
 * most approvals, the union of approver groups, strict masking if any says strict, the longest
 * retention, the smallest fan-out. A permit that states nothing about an obligation leaves it to
 * the others (an unannotated `request` permit does not cut a staging session to the default hour);
 * what no permit states stays unset here and takes its default in {@link mergeObligations}.
 */
export function mergeStated(permits: readonly Partial<Obligations>[]): Partial<Obligations> {
  const stated = <K extends keyof Obligations>(key: K): Array<NonNullable<Obligations[K]>> =>
    permits.flatMap((p) => (p[key] === undefined ? [] : [p[key] as NonNullable<Obligations[K]>]));
  const out: Partial<Obligations> = {};
  const max = stated('maxDurationSec');
  if (max.length > 0) out.maxDurationSec = Math.min(...max);
  const idle = stated('idleTimeoutSec');
  if (idle.length > 0) out.idleTimeoutSec = Math.min(...idle);
  const approvals = stated('approvals');
  if (approvals.length > 0) out.approvals = Math.max(...approvals);
  const groups = stated('approverGroups');
  if (groups.length > 0) out.approverGroups = [...new Set(groups.flat())].sort();
  const masking = stated('masking');
  if (masking.length > 0) out.masking = masking.includes('strict') ? 'strict' : 'standard';
  // evidence an auditor may need outweighs a shorter wish: the longest retention wins
  const keep = stated('keepArtifactsSec');
  if (keep.length > 0) out.keepArtifactsSec = Math.max(...keep);
  const fanout = smallestLimit(stated('maxInstances'));
  if (fanout > 0) out.maxInstances = fanout;
  // a token outlives its login only when every determining permit says it may
  out.outlivesLogin = permits.every((p) => p.outlivesLogin === true);
  return out;
}

/**
 * The obligations of several determining permits: what they state, merged by {@link mergeStated},
 * with the defaults for what none states.
 *
 * @example
 * mergeObligations([{ maxDurationSec: 1800 }, { approvals: 1, approverGroups: ['sre-leads'] }]);
 * // { maxDurationSec: 1800, idleTimeoutSec: 900, approvals: 1, approverGroups: ['sre-leads'], masking: 'standard', … }
 */
export function mergeObligations(permits: readonly Partial<Obligations>[]): Obligations {
  if (permits.length === 0) throw new TypeError('mergeObligations needs at least one permit');
  return withDefaults(mergeStated(permits));
}

/** The tightest of several limits where 0 means none. */
function smallestLimit(limits: number[]): number {
  const set = limits.filter((n) => n > 0);
  return set.length ? Math.min(...set) : 0;
}
