import { GloveboxError } from '@glovebox/core';
import { maskQuotedText } from '@glovebox/sql';
import type { PostgresTargetConfig } from '../config.js';
import type { HostRedactor } from '../redactor.js';

/** Everything the agent knows that shapes how a database error may be shown. */
export interface ErrorContext {
  config: PostgresTargetConfig;
  /** Strings that must never appear in anything the agent returns or logs (the credential). */
  secrets: readonly string[];
  redactor: HostRedactor;
  /** Masked columns the statement may read: their values can be quoted in the server's message. */
  maskedColumns: readonly string[];
  timedOut: boolean;
}

/** What a value hidden by its column's name becomes in rows and in error texts. */
export const COLUMN_MASK = '[REDACTED:SECRET]';

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

interface PgErrorShape {
  code?: unknown;
  message?: unknown;
  severity?: unknown;
}

const UNAVAILABLE_CLASSES = new Set(['08', '28', '3D', '53', '57']);

/**
 * Turns anything pg throws into a coded error whose message is safe: the credential is scrubbed; when the
 * statement read a column masked by name, every quoted span (where the server quotes values, as in
 * `invalid input syntax for type integer: "…"` or `relation "…" does not exist` from a `::regclass` cast)
 * is masked as rows are; values are redacted; and connection-level failures say only that the database is
 * unreachable (their text can carry hosts, users or a whole connection string).
 */
export function sanitizeError(error: unknown, c: ErrorContext): GloveboxError {
  if (error instanceof GloveboxError) return error;
  const { config } = c;
  const timeout = () =>
    new GloveboxError('GBX_SQL_TIMEOUT', `the statement ran longer than ${config.statementTimeoutMs}ms`);
  if (c.timedOut) return timeout();
  const shape = (typeof error === 'object' && error !== null ? error : {}) as PgErrorShape;
  const sqlstate = typeof shape.code === 'string' && /^[0-9A-Z]{5}$/.test(shape.code) ? shape.code : null;
  if (sqlstate === null || typeof shape.severity !== 'string')
    return new GloveboxError('GBX_SQL_UNAVAILABLE', `database ${config.name} is unreachable`);
  if (sqlstate === '57014')
    return new GloveboxError('GBX_SQL_TIMEOUT', timeout().message, { details: { sqlstate } });
  if (UNAVAILABLE_CLASSES.has(sqlstate.slice(0, 2)))
    return new GloveboxError('GBX_SQL_UNAVAILABLE', `database ${config.name} is unavailable (${sqlstate})`, {
      details: { sqlstate },
    });
  let message = scrub(typeof shape.message === 'string' ? shape.message : '', c.secrets);
  if (c.maskedColumns.length > 0) message = maskQuotedText(message, COLUMN_MASK).text;
  message = c.redactor.redactText(message).text.slice(0, 500);
  return new GloveboxError('GBX_SQL_FAILED', `${sqlstate}: ${message}`, { details: { sqlstate } });
}
