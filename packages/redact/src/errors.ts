/**
 * Codes the redaction engine throws for bad configuration; stable, never reused. They are listed
 * in the registry of `@glovebox/core` and docs/errors.md (a test checks); the engine keeps them as
 * literals because it imports nothing of ours.
 */
export const REDACT_ERROR_CODES = [
  'GBX_REDACT_INVALID_PATTERN',
  'GBX_REDACT_UNSAFE_PATTERN',
  'GBX_REDACT_INVALID_OPTIONS',
] as const;

/** One of {@link REDACT_ERROR_CODES}. */
export type RedactErrorCode = (typeof REDACT_ERROR_CODES)[number];

/**
 * Thrown when a redactor's configuration (custom detector, allow-list entry, budget) is unusable.
 * The message names the offending option, never a value that could be a secret.
 *
 * @example
 * try { createRedactor({ detectors: [{ type: 'X', pattern: '(a+)+$' }] }); }
 * catch (e) { if (e instanceof RedactError) console.error(e.code); }
 */
export class RedactError extends Error {
  override readonly name = 'RedactError';
  readonly code: RedactErrorCode;

  constructor(code: RedactErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
