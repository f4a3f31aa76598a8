import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GloveboxError, isGloveboxError, ERROR_CODES, type ErrorCode } from '@glovebox/core';
import { API_PREFIX } from '@glovebox/protocol';

/** Where the CLI keeps its login: GLOVEBOX_HOME or ~/.config/glovebox. */
export function gloveboxHome(): string {
  return process.env.GLOVEBOX_HOME ?? join(homedir(), '.config', 'glovebox');
}

interface Credentials {
  url: string;
  token: string;
  user: string;
  expiresAt: number;
}

const credentialsPath = () => join(gloveboxHome(), 'credentials.json');

export function saveCredentials(c: Credentials): void {
  mkdirSync(gloveboxHome(), { recursive: true, mode: 0o700 });
  writeFileSync(credentialsPath(), JSON.stringify(c, null, 2), { mode: 0o600 });
  chmodSync(credentialsPath(), 0o600);
}

export function loadCredentials(): Credentials | null {
  if (!existsSync(credentialsPath())) return null;
  try {
    return JSON.parse(readFileSync(credentialsPath(), 'utf8')) as Credentials;
  } catch {
    return null;
  }
}

export function clearCredentials(): void {
  rmSync(credentialsPath(), { force: true });
}

/** The gateway URL: --url, then GLOVEBOX_URL, then the saved login, then the local default. */
export function resolveUrl(flag: string | undefined): string {
  return (flag ?? process.env.GLOVEBOX_URL ?? loadCredentials()?.url ?? 'http://127.0.0.1:7350').replace(
    /\/+$/,
    '',
  );
}

/** A thin HTTP client for /api/v1. Errors come back as GloveboxError with the server's code. */
export class ApiClient {
  readonly url: string;
  readonly #token: string | undefined;

  constructor(url: string, token?: string) {
    this.url = url;
    this.#token = token ?? process.env.GLOVEBOX_TOKEN ?? loadCredentials()?.token;
  }

  /** The bearer token in use, for streaming requests made outside `call`. */
  get bearer(): string | undefined {
    return this.#token;
  }

  async call<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${API_PREFIX}${path}`, {
        method,
        headers: {
          ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch {
      throw new GloveboxError(
        'GBX_GATEWAY_UNREACHABLE',
        `cannot reach the gateway at ${this.url} (is it running? set GLOVEBOX_URL)`,
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new GloveboxError(
        'GBX_INTERNAL',
        `the gateway answered HTTP ${response.status} with something that is not JSON`,
      );
    }
    if (!response.ok) {
      const err = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
        .error;
      const code = (err?.code && err.code in ERROR_CODES ? err.code : 'GBX_INTERNAL') as ErrorCode;
      throw new GloveboxError(
        code,
        err?.message ?? `HTTP ${response.status}`,
        err?.details ? { details: err.details } : undefined,
      );
    }
    return json as T;
  }
}

/** Exit codes of the CLI contract (PRODUCT.md). */
export const EXIT = { ok: 0, error: 1, usage: 2, denied: 3, waiting: 4 } as const;

/** Maps an error to its exit code: 3 for policy denials, 4 for MFA/approval waits, 1 otherwise. */
export function exitCodeFor(error: unknown): number {
  if (!isGloveboxError(error)) return EXIT.error;
  switch (error.code) {
    case 'GBX_POLICY_DENIED':
    case 'GBX_SELF_APPROVAL':
    case 'GBX_SESSION_NOT_ACTIVE':
    case 'GBX_ACTION_NOT_GRANTED':
      return EXIT.denied;
    case 'GBX_STEP_UP_REQUIRED':
    case 'GBX_AUTH_MFA_REQUIRED':
      return EXIT.waiting;
    default:
      return EXIT.error;
  }
}
