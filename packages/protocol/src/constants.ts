/**
 * Wire constants with no schema library behind them, for clients that must start fast (the CLI
 * loads this entry, `@glovebox/protocol/constants`, instead of the zod schemas).
 */

/** Path prefix of the versioned HTTP API. */
export const API_PREFIX = '/api/v1';

/** Actions an engineer can be granted inside a session; each is authorized again on every use. */
export const DEBUG_ACTIONS = [
  'facts',
  'snapshot',
  'logpoint',
  'eval',
  'profile',
  'heapstats',
  'heapsnapshot',
  'exec',
  'query',
] as const;

/** Fewest characters (after trimming) of an access request's reason. */
export const MIN_REASON_LENGTH = 3;

/** Fewest characters (after trimming) of a break-glass request's reason. */
export const MIN_BREAK_GLASS_REASON_LENGTH = 10;

/** Most characters of an access request's reason. */
export const MAX_REASON_LENGTH = 1000;
