import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** An environment variable's value; set to the empty string counts as unset (`GLOVEBOX_TOKEN= glovebox …`). */
export function envSetting(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Where the CLI keeps its state: GLOVEBOX_HOME or ~/.config/glovebox (never the working directory). */
export function gloveboxHome(): string {
  return envSetting('GLOVEBOX_HOME') ?? join(homedir(), '.config', 'glovebox');
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(join(gloveboxHome(), file), 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** Writes a state file readable by its owner only, atomically (no half-written file on a crash). */
function writeJson(file: string, value: unknown): void {
  const dir = gloveboxHome();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, file);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** The saved login. */
export interface Credentials {
  url: string;
  token: string;
  user: string;
  expiresAt: number;
}

export function saveCredentials(c: Credentials): void {
  const previous = loadCredentials();
  writeJson('credentials.json', c);
  // Another user's current session means nothing to this one.
  if (previous && (previous.user !== c.user || previous.url !== c.url)) forgetCurrentSession(c.url);
}

export function loadCredentials(): Credentials | null {
  const value = readJson('credentials.json') as Partial<Credentials> | null;
  return value && typeof value.url === 'string' && typeof value.token === 'string'
    ? (value as Credentials)
    : null;
}

/** Scheme and host name of a gateway URL: what a saved login is bound to; null when not a URL. */
function loginScope(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}`;
  } catch {
    return null;
  }
}

/**
 * The saved login, when `url` has the scheme and host name of the gateway that issued it (any port:
 * replicas of one gateway may listen on several, as cookies are scoped). A login is never presented
 * to another host, nor over plain HTTP when it came over HTTPS: a mistyped or hostile GLOVEBOX_URL
 * or --url would otherwise receive it.
 */
export function credentialsFor(url: string): Credentials | null {
  const saved = loadCredentials();
  const scope = loginScope(url);
  return saved && scope !== null && loginScope(saved.url) === scope ? saved : null;
}

export function clearCredentials(): void {
  rmSync(join(gloveboxHome(), 'credentials.json'), { force: true });
}

/** The session that actions use when none is named, remembered per gateway URL. */
export interface CurrentSession {
  session: string;
  target: string;
  setAt: number;
}

type ContextFile = { version: 1; gateways: Record<string, CurrentSession> };

function loadContext(): ContextFile {
  const value = readJson('context.json') as Partial<ContextFile> | null;
  return value?.version === 1 && value.gateways && typeof value.gateways === 'object'
    ? { version: 1, gateways: value.gateways }
    : { version: 1, gateways: {} };
}

export function currentSession(url: string): CurrentSession | null {
  const entry = loadContext().gateways[url];
  return entry && typeof entry.session === 'string' ? entry : null;
}

export function rememberCurrentSession(url: string, session: string, target: string): void {
  const context = loadContext();
  context.gateways[url] = { session, target, setAt: Date.now() };
  writeJson('context.json', context);
}

export function forgetCurrentSession(url: string): void {
  const context = loadContext();
  if (!(url in context.gateways)) return;
  delete context.gateways[url];
  writeJson('context.json', context);
}
