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

/**
 * Lengths the API holds fields to, which the CLI checks before sending: a request's ticket
 * reference and an API token's label at most, a local user's password at least.
 */
export const FIELD_LIMITS = { maxTicket: 100, maxLabel: 100, minPassword: 12 } as const;

/**
 * How long a reason reads: its characters (code points, not UTF-16 units) without white space,
 * control and format characters (zero-width spaces, bidi marks), which an approver does not see.
 */
export function visibleReasonLength(reason: string): number {
  return [...reason.replace(/[\s\p{Cc}\p{Cf}]/gu, '')].length;
}

/** How a pinned gateway key is written: `sha256:` and the hex SHA-256 of its SPKI DER encoding. */
export const KEY_FINGERPRINT = /^sha256:[0-9a-f]{64}$/;

/**
 * Parses a list of pinned gateway key fingerprints (comma- or space-separated), as agents are
 * configured with them (`GLOVEBOX_GATEWAY_KEYS`, `gateway.keys`).
 *
 * @example
 * parseKeyPins('sha256:ab…, sha256:cd…'); // ['sha256:ab…', 'sha256:cd…']
 * @throws TypeError when the list is empty or an entry is not `sha256:` and 64 hex digits.
 */
export function parseKeyPins(text: string): string[] {
  const pins = text
    .split(/[\s,]+/)
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  if (pins.length === 0) throw new TypeError('no gateway key fingerprint given');
  for (const pin of pins)
    if (!KEY_FINGERPRINT.test(pin))
      throw new TypeError('a gateway key fingerprint is sha256: and 64 hex digits');
  return pins;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether an agent may connect to this gateway URL: `https://` or `wss://`, plain `http://` or
 * `ws://` only to this machine, never with credentials in the URL.
 *
 * @example
 * acceptableGatewayUrl('https://gw.example'); // true
 * acceptableGatewayUrl('http://10.0.0.5:8080'); // false
 */
export function acceptableGatewayUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:' || url.protocol === 'wss:') return true;
  return (url.protocol === 'http:' || url.protocol === 'ws:') && LOOPBACK_HOSTS.has(url.hostname);
}
