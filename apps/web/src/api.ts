import type { ConsoleSession } from '@glovebox/protocol';

/** An error the gateway answered with: its stable code and a message safe to show. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

let csrf: string | undefined;

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      error?.code ?? 'GBX_INTERNAL',
      error?.message ?? `HTTP ${response.status}`,
      response.status,
    );
  }
  return body as T;
}

/** Reads the console's login state and remembers its anti-forgery token. */
export async function loadSession(): Promise<ConsoleSession> {
  const session = await parse<ConsoleSession>(
    await fetch('/auth/console/session', { credentials: 'same-origin', cache: 'no-store' }),
  );
  csrf = session.csrf;
  return session;
}

/**
 * Calls /api/v1 exactly as the CLI does; the cookie authenticates and the anti-forgery header
 * proves the call comes from this page.
 */
export async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: {
      ...(csrf ? { 'x-glovebox-csrf': csrf } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return parse<T>(response);
}

/**
 * Follows an NDJSON stream from /api/v1 (e.g. a session's live output), calling `onMessage` for
 * each line until the stream ends or `signal` aborts.
 */
export async function watch(
  path: string,
  onMessage: (message: Record<string, unknown>) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(`/api/v1${path}`, {
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { accept: 'application/x-ndjson', ...(csrf ? { 'x-glovebox-csrf': csrf } : {}) },
    signal,
  });
  if (!response.ok || !response.body) {
    await parse(response);
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) onMessage(JSON.parse(line) as Record<string, unknown>);
    }
  }
}

/** Local password login through the console endpoint, which sets the session cookie. */
export async function passwordLogin(user: string, password: string, otp: string): Promise<void> {
  await parse(
    await fetch('/auth/console/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-glovebox-csrf': 'login' },
      body: JSON.stringify({ user, password, ...(otp ? { otp } : {}) }),
    }),
  );
}

export async function logout(): Promise<void> {
  await parse(
    await fetch('/auth/console/logout', {
      method: 'POST',
      credentials: 'same-origin',
      headers: csrf ? { 'x-glovebox-csrf': csrf } : {},
    }),
  );
  csrf = undefined;
}
