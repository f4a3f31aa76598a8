/**
 * Every error code Glovebox can return, with the HTTP status it maps to and a one-line meaning.
 * Codes are never reused or renamed; docs/errors.md is checked against this registry by a test, and
 * every error-code literal in the sources must be one of these (error-registry.test.ts).
 */
export const ERROR_CODES = {
  GBX_INTERNAL: { status: 500, meaning: 'Unexpected failure; details are in the server log only.' },
  GBX_REQUEST_INVALID: {
    status: 400,
    meaning: 'The request body, query or parameters do not match the schema.',
  },
  GBX_REQUEST_TOO_LARGE: { status: 413, meaning: 'The request body is larger than the server accepts.' },
  GBX_NOT_FOUND: { status: 404, meaning: 'No such resource, or you may not know that it exists.' },
  GBX_RATE_LIMITED: { status: 429, meaning: 'Too many attempts; wait and retry.' },
  GBX_AUTH_REQUIRED: { status: 401, meaning: 'No valid credential was presented.' },
  GBX_AUTH_FAILED: { status: 401, meaning: 'The credentials are wrong, expired or revoked.' },
  GBX_AUTH_MFA_REQUIRED: { status: 401, meaning: 'A one-time code is required to complete this login.' },
  GBX_AUTH_SSO_STALE: {
    status: 401,
    meaning:
      "The user's groups from single sign-on are older than the gateway allows (oidc.maxGroupStalenessSec); log in with SSO again.",
  },
  GBX_MFA_INVALID: { status: 400, meaning: 'The one-time code is wrong or expired.' },
  GBX_MFA_NOT_ENROLLED: {
    status: 409,
    meaning: 'Multi-factor authentication is not enrolled for this user.',
  },
  GBX_POLICY_DENIED: { status: 403, meaning: 'Policy denies this action.' },
  GBX_POLICY_UNAVAILABLE: { status: 503, meaning: 'No valid policy set is loaded; everything is denied.' },
  GBX_POLICY_INVALID: { status: 400, meaning: 'A policy file or policy test is invalid.' },
  GBX_MFA_TICKET_REQUIRED: {
    status: 403,
    meaning:
      'A first second factor needs an enrollment ticket from an admin, or a single sign-on login that checked MFA.',
  },
  GBX_MFA_SAME_LOGIN: {
    status: 403,
    meaning: 'A second factor enrolled in this login does not count for step-up; log in again with it.',
  },
  GBX_STEP_UP_REQUIRED: {
    status: 403,
    meaning: 'Policy demands a fresh MFA check; verify a code and retry.',
  },
  GBX_CONFLICT: { status: 409, meaning: 'The resource already exists or is in a state that forbids this.' },
  GBX_REQUEST_NOT_PENDING: { status: 409, meaning: 'The access request is no longer pending.' },
  GBX_SELF_APPROVAL: { status: 403, meaning: 'Nobody approves their own request.' },
  GBX_ALREADY_APPROVED: { status: 409, meaning: 'This approver has already approved this request.' },
  GBX_APPROVAL_MISMATCH: {
    status: 409,
    meaning: 'The approval is bound to a different version of the request.',
  },
  GBX_SESSION_NOT_ACTIVE: { status: 403, meaning: 'The session has ended, expired or was never approved.' },
  GBX_ACTION_NOT_GRANTED: { status: 403, meaning: 'The session does not grant this action.' },
  GBX_AGENT_UNAVAILABLE: { status: 503, meaning: 'The target agent is not connected.' },
  GBX_INSTANCE_LIMIT: {
    status: 403,
    meaning: 'The action would reach more instances of the target than policy allows (@maxInstances).',
  },
  GBX_REPLICA_UNAUTHENTICATED: {
    status: 401,
    meaning: 'A replica-to-replica relay request failed authentication (replicas need the same master key).',
  },
  GBX_AGENT_TIMEOUT: { status: 504, meaning: 'The target agent did not answer in time.' },
  GBX_AGENT_REFUSED: { status: 502, meaning: 'The agent refused or failed the action.' },
  GBX_AGENT_INSPECTOR_EXPOSED: {
    status: 502,
    meaning:
      "Inspector open beyond loopback or opened at run time (agent set to refuse), or the host agent's own inspector is open.",
  },
  GBX_AGENT_GATEWAY_UNTRUSTED: {
    status: 502,
    meaning: 'The agent refused its gateway end: a key it has not pinned, a forged or a second welcome.',
  },
  GBX_AUDIT_UNAVAILABLE: {
    status: 503,
    meaning: 'The audit event could not be written, so nothing was done.',
  },
  GBX_STORE_UNAVAILABLE: { status: 503, meaning: 'The store could not be reached.' },
  GBX_ENVELOPE_INVALID: {
    status: 400,
    meaning: 'An agent envelope is unsigned, expired, replayed or altered.',
  },
  GBX_CONFIG_INVALID: { status: 400, meaning: 'A configuration file or flag is invalid.' },
  GBX_AUDIT_EVENT_INVALID: {
    status: 500,
    meaning:
      'An audit event broke the event schema or size caps, so it was not written and nothing was done.',
  },
  GBX_AUDIT_ROLLED_BACK: {
    status: 503,
    meaning: 'The audit store is behind its witnessed head (events removed or an old copy restored).',
  },
  GBX_AUDIT_TAMPERED: {
    status: 503,
    meaning: 'The audit store no longer holds the events witnessed or written; it was rewritten.',
  },
  GBX_AUDIT_WITNESS_INVALID: {
    status: 503,
    meaning: 'The audit witness file cannot be read or holds no head that verifies.',
  },
  GBX_AUDIT_VERIFY_FAILED: {
    status: 409,
    meaning:
      'Audit verification found the trail changed, missing, reordered, cut off or unreadable; its report names the first bad seq.',
  },
  GBX_EXEC_NOT_ALLOWED: {
    status: 403,
    meaning: 'The command or one of its arguments is not on the allow-list of the target.',
  },
  GBX_EXEC_SANDBOX_UNAVAILABLE: {
    status: 503,
    meaning: 'The agent requires a sandbox for commands and none is installed.',
  },
  GBX_EXEC_CANCELLED: { status: 409, meaning: 'The command was cancelled before it started.' },
  GBX_EXEC_FAILED: { status: 502, meaning: 'The agent could not start the command.' },
  GBX_EXEC_OPTION_REFUSED: {
    status: 403,
    meaning: "An argument is an option the program's dangerous-option table refuses.",
  },
  GBX_EXEC_OPERAND_REFUSED: {
    status: 403,
    meaning: 'An operand starts with "-" or resolves outside the allowed paths (symlinks followed).',
  },
  GBX_RECORDING_INVALID: { status: 422, meaning: 'The recording is not a valid asciicast v2 file.' },
  GBX_SQL_PARSE_FAILED: { status: 400, meaning: 'The SQL statement does not parse.' },
  GBX_SQL_MULTI_STATEMENT: { status: 400, meaning: 'Only one SQL statement is run per query.' },
  GBX_SQL_NOT_AUTHORIZED: {
    status: 403,
    meaning: 'The class of the statement (write, DDL, administrative) is more than the grant allows.',
  },
  GBX_SQL_UNAVAILABLE: { status: 503, meaning: 'The database could not be reached in time.' },
  GBX_SQL_TIMEOUT: { status: 504, meaning: 'The statement ran longer than its statement timeout.' },
  GBX_SQL_FAILED: { status: 422, meaning: 'The database refused or failed the statement.' },
  GBX_SQL_UNRESOLVED: {
    status: 422,
    meaning:
      'The functions the statement can reach could not be resolved against the catalog, so it was not run.',
  },
  GBX_GATEWAY_UNREACHABLE: {
    status: 503,
    meaning: 'The CLI cannot reach the gateway (is it running? check GLOVEBOX_URL).',
  },
  GBX_USAGE: { status: 400, meaning: 'The command line is invalid (unknown command, missing argument).' },
  GBX_COMPONENT_NOT_INSTALLED: {
    status: 501,
    meaning: 'This CLI installation lacks what the command runs (the gateway and demo need the repository).',
  },
  GBX_DEBUG_LOCATION_NOT_FOUND: {
    status: 404,
    meaning: 'No loaded script (or source-mapped source) has a statement at that file:line.',
  },
  GBX_DEBUG_EXPRESSION_INVALID: {
    status: 400,
    meaning: 'A condition, template or expression is not valid in the restricted expression language.',
  },
  GBX_DEBUG_SIDE_EFFECT: {
    status: 400,
    meaning: 'The expression could have side effects, so it was not run.',
  },
  GBX_DEBUG_EVAL_FAILED: { status: 422, meaning: 'The expression threw when evaluated.' },
  GBX_DEBUG_TIMEOUT: { status: 504, meaning: 'The evaluation ran longer than its timeout and was stopped.' },
  GBX_DEBUG_PROBE_FAILED: { status: 502, meaning: 'The probe could not be installed in the process.' },
  GBX_CSRF_INVALID: {
    status: 403,
    meaning: 'A console request lacked a valid anti-forgery token or came from another origin.',
  },
  GBX_HEAP_FORMAT_INVALID: {
    status: 422,
    meaning: 'A heap snapshot is not in the format V8 writes, so it was not redacted or passed on.',
  },
  GBX_HEAP_MEMORY_INSUFFICIENT: {
    status: 503,
    meaning: 'The process lacks the memory headroom a heap snapshot needs (the message names the figures).',
  },
  GBX_HEAP_TIMEOUT: {
    status: 504,
    meaning: 'The heap snapshot took longer than its time budget and was dropped.',
  },
  GBX_AUTH_PENDING: {
    status: 400,
    meaning: 'The single sign-on device login has not been completed in the browser yet; keep polling.',
  },
  GBX_DEBUG_LINE_NOT_PROBEABLE: {
    status: 422,
    meaning: 'No statement starts on that line; the error names the nearest lines that can take a probe.',
  },
  GBX_DEBUG_INSTALL_BUDGET: {
    status: 503,
    meaning: 'Installing or removing the probe would cost more main-thread time than its budget allows.',
  },
  GBX_DEBUG_EVAL_BUDGET: {
    status: 422,
    meaning: 'The evaluation went over its time or heap budget and was stopped; the error says which.',
  },
  GBX_DEBUG_TECHNIQUE_FORBIDDEN: {
    status: 422,
    meaning: "Only a V8 breakpoint can hold a probe on that line, and the agent's operators forbid it.",
  },
  GBX_REDACT_INVALID_PATTERN: {
    status: 400,
    meaning: 'A custom redaction pattern or allow-list entry is not a valid regular expression.',
  },
  GBX_REDACT_UNSAFE_PATTERN: {
    status: 400,
    meaning:
      'A custom redaction pattern could backtrack catastrophically or match nothing, so it is refused.',
  },
  GBX_REDACT_INVALID_OPTIONS: {
    status: 400,
    meaning: 'A redactor option (detector type, fingerprint key) is unusable.',
  },
  GBX_POLICY_TESTS_FAILED: {
    status: 422,
    meaning: "The bundle's own policy tests fail (or it has none); nothing was stored or activated.",
  },
  GBX_POLICY_SOURCE_DIRECTORY: {
    status: 409,
    meaning: 'This gateway reads its policies from a directory; bundles need `--policy-source store`.',
  },
  GBX_POLICY_NOT_APPROVED: {
    status: 409,
    meaning: 'This policy version has not been approved by enough other people to be activated.',
  },
} as const satisfies Record<string, { status: number; meaning: string }>;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Codes no longer returned, with the date they were retired and what they meant. A code is never
 * deleted: it moves from {@link ERROR_CODES} to here, stays in `packages/core/errors-issued.txt` (every
 * code ever issued, append-only) and in docs/errors.md's retired list, and is never reused.
 */
export const RETIRED_ERROR_CODES: Readonly<Record<string, { retired: string; meaning: string }>> = {};

/**
 * The one error type Glovebox throws for bad input or refused operations. Its message is safe to
 * show to the caller; anything sensitive goes into `cause`, which is only ever logged server-side.
 *
 * @example
 * throw new GloveboxError('GBX_NOT_FOUND', 'no such session');
 */
export class GloveboxError extends Error {
  override readonly name = 'GloveboxError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  /** The HTTP status this error maps to. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/** True when `value` is a GloveboxError, with the given code if one is passed. */
export function isGloveboxError(value: unknown, code?: ErrorCode): value is GloveboxError {
  return value instanceof GloveboxError && (code === undefined || value.code === code);
}
