/**
 * `@glovebox/redact` — the redaction engine: secrets and personal data masked in text, streams and
 * object graphs. Zero runtime dependencies; imports nothing of ours.
 */
export type {
  CustomDetector,
  MaskingLevel,
  MergedRedactionStream,
  RedactedPiece,
  RedactionBudget,
  RedactionCounts,
  Redactor,
  RedactorOptions,
  TextRedactionStream,
} from './types.js';
export { createRedactor, mergeCounts } from './redactor.js';
export { createRedactTransform } from './transform.js';
export { FLUSH_IDLE_MS, idleFlush } from './idle.js';
export type { IdleFlush } from './idle.js';
export type { RedactTransform } from './transform.js';
export { createKnownSecrets, KnownSecrets } from './known-secrets.js';
export type { KnownSecretsState } from './known-secrets.js';
export { RedactError } from './errors.js';
export type { RedactErrorCode } from './errors.js';
export { unsafeRegexReason } from './safe-regex.js';
