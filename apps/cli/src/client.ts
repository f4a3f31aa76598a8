import { GloveboxError, isGloveboxError, ERROR_CODES, type ErrorCode } from '@glovebox/core';
import { API_PREFIX } from '@glovebox/protocol/constants';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { credentialsFor, envSetting, loadCredentials } from './home.js';

/** The gateway URL: --url, then GLOVEBOX_URL, then the saved login, then the local default. */
export function resolveUrl(flag: string | undefined): string {
  return (flag ?? envSetting('GLOVEBOX_URL') ?? loadCredentials()?.url ?? 'http://127.0.0.1:7350').replace(
    /\/+$/,
    '',
  );
}

type ErrorBody = { error?: { code?: unknown; message?: unknown; details?: unknown } };

/** The gateway's error body as a GloveboxError; an unknown code becomes GBX_INTERNAL. */
export function errorFromBody(body: unknown, status: number): GloveboxError {
  const err = (body as ErrorBody | null)?.error;
  const code = (
    typeof err?.code === 'string' && err.code in ERROR_CODES ? err.code : 'GBX_INTERNAL'
  ) as ErrorCode;
  const message = typeof err?.message === 'string' ? err.message : `HTTP ${status}`;
  const details =
    err?.details && typeof err.details === 'object' ? (err.details as Record<string, unknown>) : undefined;
  return new GloveboxError(code, message, details ? { details } : undefined);
}

/** One message of a streamed (NDJSON) action answer. */
export type StreamMessage =
  | { type: 'stream'; data: unknown }
  | { type: 'progress'; events: number; headSeq: number; targetSeq: number }
  | { type: 'result'; [key: string]: unknown }
  | { type: 'error'; error: { code: string; message: string } };

type Transport = {
  request: typeof httpRequest;
  agent: HttpAgent;
};

let plain: Transport | undefined;
let secure: Transport | undefined;

/**
 * node:http rather than fetch: fetch loads its HTTP stack on first use and keeps the process alive
 * for a moment after the last answer, which together cost an interactive command hundreds of ms.
 * Keep-alive agents reuse one connection across a command's calls; idle sockets do not hold exit.
 */
async function transport(protocol: string): Promise<Transport> {
  if (protocol === 'http:')
    return (plain ??= { request: httpRequest, agent: new HttpAgent({ keepAlive: true }) });
  if (protocol === 'https:') {
    if (!secure) {
      const https = await import('node:https');
      secure = { request: https.request, agent: new https.Agent({ keepAlive: true }) };
    }
    return secure;
  }
  throw new GloveboxError(
    'GBX_USAGE',
    `the gateway URL must start with https:// or http:// (got ${protocol})`,
  );
}

async function readAll(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * GLOVEBOX_TOKEN without the white space around it (a token read from a file or a Kubernetes
 * secret ends in a newline); anything else that is not a token's characters is a usage mistake,
 * said without echoing the value.
 */
function tokenSetting(): string | undefined {
  const value = envSetting('GLOVEBOX_TOKEN')?.trim();
  if (value === undefined || value === '') return undefined;
  if (!/^[\x21-\x7e]+$/.test(value))
    throw new GloveboxError(
      'GBX_USAGE',
      'GLOVEBOX_TOKEN is not a token: it holds spaces or control characters (set it to the token alone)',
    );
  return value;
}

/** A thin HTTP client for /api/v1. Errors come back as GloveboxError with the server's code. */
export class ApiClient {
  readonly url: string;
  readonly #token: string | undefined;

  constructor(url: string, token?: string) {
    this.url = url;
    this.#token = token ?? tokenSetting() ?? credentialsFor(url)?.token;
  }

  #unreachable(): GloveboxError {
    return new GloveboxError(
      'GBX_GATEWAY_UNREACHABLE',
      `cannot reach the gateway at ${this.url} (is it running? set GLOVEBOX_URL or --url)`,
    );
  }

  /** Sends a request and resolves with the response head; the body is the caller's to read. */
  async send(method: string, path: string, body?: unknown, accept?: string): Promise<IncomingMessage> {
    let target: URL;
    try {
      target = new URL(`${this.url}${API_PREFIX}${path}`);
    } catch {
      throw new GloveboxError('GBX_USAGE', `the gateway URL "${this.url}" is not a URL`);
    }
    const { request, agent } = await transport(target.protocol);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        target,
        {
          method,
          agent,
          headers: {
            ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
            ...(accept ? { accept } : {}),
          },
        },
        resolve,
      );
      req.on('error', () => reject(this.#unreachable()));
      req.end(payload);
    });
  }

  /** Reads an error answer's body as a GloveboxError. */
  async errorOf(response: IncomingMessage): Promise<GloveboxError> {
    const text = await readAll(response).catch(() => '');
    let json: unknown = {};
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: the status alone
    }
    const status = response.statusCode ?? 500;
    const code = (json as ErrorBody | null)?.error?.code;
    // every answer of a gateway names one of its codes: anything else came from another server
    if (typeof code !== 'string' || !(code in ERROR_CODES))
      return new GloveboxError(
        'GBX_GATEWAY_UNREACHABLE',
        `${this.url} answered HTTP ${status} but not as a Glovebox gateway (another service, or a proxy with no gateway behind it?): check GLOVEBOX_URL or --url`,
      );
    return errorFromBody(json, status);
  }

  async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    const status = response.statusCode ?? 500;
    if (status >= 400) throw await this.errorOf(response);
    const text = await readAll(response).catch(() => {
      throw this.#unreachable();
    });
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch {
      throw new GloveboxError(
        'GBX_INTERNAL',
        `the gateway answered HTTP ${status} with something that is not JSON`,
      );
    }
  }

  /** Sends (a POST with `body`, or a GET without) and reads an NDJSON answer, passing each message to `onMessage`. */
  async stream(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    onMessage: (message: StreamMessage) => void,
  ): Promise<void> {
    const response = await this.send(method, path, body, 'application/x-ndjson');
    if ((response.statusCode ?? 500) >= 400) throw await this.errorOf(response);
    let buffer = '';
    const decoder = new TextDecoder();
    const emit = (line: string) => {
      if (!line.trim()) return;
      let message: StreamMessage;
      try {
        message = JSON.parse(line) as StreamMessage;
      } catch {
        throw new GloveboxError('GBX_INTERNAL', 'the gateway sent a stream line that is not JSON');
      }
      onMessage(message);
    };
    try {
      for await (const chunk of response) {
        buffer += decoder.decode(chunk as Buffer, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          emit(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
        }
      }
    } catch (error) {
      throw error instanceof GloveboxError ? error : this.#unreachable();
    }
    emit(buffer + decoder.decode());
  }
}

/** Exit codes of the CLI contract (PRODUCT.md). */
export const EXIT = { ok: 0, error: 1, usage: 2, denied: 3, waiting: 4 } as const;

/**
 * Maps an error to its exit code: 2 usage; 3 refused by policy or a guardrail of the grant (a
 * command off the allow-list, a dangerous option or operand, an SQL class above the grant, which
 * an agent's refusal carries in `details.agentCode`); 4 waiting for an approval or a second factor
 * (step-up, a ticket to enroll the first one, a new login after enrolling); 1 otherwise.
 */
export function exitCodeFor(error: unknown): number {
  if (!isGloveboxError(error)) return EXIT.error;
  const agentCode = error.details?.agentCode;
  const code = error.code === 'GBX_AGENT_REFUSED' && typeof agentCode === 'string' ? agentCode : error.code;
  switch (code) {
    case 'GBX_USAGE':
      return EXIT.usage;
    case 'GBX_POLICY_DENIED':
    case 'GBX_SELF_APPROVAL':
    case 'GBX_SESSION_NOT_ACTIVE':
    case 'GBX_ACTION_NOT_GRANTED':
    case 'GBX_INSTANCE_LIMIT':
    case 'GBX_EXEC_NOT_ALLOWED':
    case 'GBX_EXEC_OPTION_REFUSED':
    case 'GBX_EXEC_OPERAND_REFUSED':
    case 'GBX_SQL_NOT_AUTHORIZED':
      return EXIT.denied;
    case 'GBX_STEP_UP_REQUIRED':
    case 'GBX_AUTH_MFA_REQUIRED':
    case 'GBX_MFA_TICKET_REQUIRED':
    case 'GBX_MFA_SAME_LOGIN':
      return EXIT.waiting;
    default:
      return EXIT.error;
  }
}
