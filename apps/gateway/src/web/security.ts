import { createHash, timingSafeEqual } from 'node:crypto';
import { GloveboxError } from '@glovebox/core';

/** The console's login: a gateway session token, readable by no script (HttpOnly, `__Host-`). */
export const SESSION_COOKIE = '__Host-gbx_session';
/** The sealed OpenID transaction (state, nonce, PKCE verifier) between redirect and callback. */
export const LOGIN_COOKIE = '__Host-gbx_login';
/** Header the console sends its anti-forgery token in; a custom header also forces a CORS preflight. */
export const CSRF_HEADER = 'x-glovebox-csrf';

/**
 * The console's policy: scripts, styles and connections only from the gateway itself; no inline
 * script or style, no eval, no framing, no plugins, no base-URI games.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** Headers every response carries. */
export function securityHeaders(httpsOnly: boolean): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    ...(httpsOnly ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/**
 * The anti-forgery token of a console login: a one-way digest of the session token. A page of
 * ours can read it (it is handed out to same-origin scripts); another site can neither read it
 * nor compute it, and it reveals nothing about the session token itself.
 */
export function csrfFor(sessionToken: string): string {
  return createHash('sha256').update(`glovebox-csrf\0${sessionToken}`).digest('base64url');
}

/** Constant-time comparison of a presented anti-forgery token with the expected one. */
export function csrfMatches(presented: unknown, sessionToken: string): boolean {
  if (typeof presented !== 'string' || presented.length > 128) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(csrfFor(sessionToken));
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Parses a Cookie header; later duplicates never override the first (cookie tossing). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header || header.length > 8192) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!out.has(name) && /^[A-Za-z0-9._~+/=-]*$/.test(value)) out.set(name, value);
  }
  return out;
}

/** A `__Host-` cookie: Secure, Path=/, no Domain, HttpOnly. */
export function hostCookie(
  name: string,
  value: string,
  options: { maxAgeSec: number; sameSite: 'Strict' | 'Lax' },
): string {
  return [
    `${name}=${value}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSec))}`,
    'HttpOnly',
    'Secure',
    `SameSite=${options.sameSite}`,
  ].join('; ');
}

/** Expires a cookie set by `hostCookie`. */
export function clearedCookie(name: string): string {
  return hostCookie(name, '', { maxAgeSec: 0, sameSite: 'Strict' });
}

/**
 * Refuses a state-changing or cookie-authenticated request that another site made: the browser's
 * Sec-Fetch-Site and Origin headers must not name a different origin than the Host it was sent to.
 */
export function checkSameOrigin(headers: Record<string, string | string[] | undefined>): void {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none')
    throw new GloveboxError('GBX_CSRF_INVALID', 'cross-site request refused');
  const origin = headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new GloveboxError('GBX_CSRF_INVALID', 'cross-site request refused');
    }
    if (host !== normalizedHost(headers.host))
      throw new GloveboxError('GBX_CSRF_INVALID', 'cross-site request refused');
  } else if (origin === 'null') {
    throw new GloveboxError('GBX_CSRF_INVALID', 'cross-site request refused');
  }
}

/** The Host header as URL.host renders it (default ports dropped), for comparison with an Origin. */
function normalizedHost(host: string | string[] | undefined): string | null {
  if (typeof host !== 'string') return null;
  try {
    const http = new URL(`http://${host}`).host;
    return host.endsWith(':443') ? new URL(`https://${host}`).host : http;
  } catch {
    return null;
  }
}

/** Only paths inside the console may be returned to after a login: no open redirect. */
export function safeReturnTo(value: unknown): string {
  if (
    typeof value === 'string' &&
    value.length < 300 &&
    /^\/console(\/[A-Za-z0-9._~-]+)*\/?$/.test(value) &&
    !value.split('/').some((segment) => segment === '.' || segment === '..')
  )
    return value;
  return '/console/';
}
