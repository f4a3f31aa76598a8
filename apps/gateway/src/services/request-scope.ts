import { GloveboxError } from '@glovebox/core';
import type { RequestScope } from '@glovebox/protocol';
import type { AccessRequestRecord } from '../store/index.js';

/** The actions whose approval is bound to what they run, not just to the action's name. */
const SCOPED_ACTIONS = new Set(['query', 'exec']);

/** A request's scope as stored: statements trimmed, duplicates dropped, order kept. */
export function normalizeScope(scope: RequestScope | undefined, actions: string[]): RequestScope | undefined {
  if (!scope) return undefined;
  const sql = scope.sql ? [...new Set(scope.sql.map((s) => s.trim()))] : undefined;
  const commands = scope.commands
    ? [...new Map(scope.commands.map((c) => [JSON.stringify(c), c])).values()]
    : undefined;
  if (sql && sql.some((s) => s === ''))
    throw new GloveboxError('GBX_REQUEST_INVALID', 'a statement of --sql is empty');
  if (sql && !actions.includes('query'))
    throw new GloveboxError('GBX_REQUEST_INVALID', '--sql needs the query action');
  if (commands && !actions.includes('exec'))
    throw new GloveboxError('GBX_REQUEST_INVALID', '--command needs the exec action');
  if (!sql && !commands && !scope.class)
    throw new GloveboxError('GBX_REQUEST_INVALID', 'a scope names statements, commands or a class');
  return {
    ...(sql ? { sql } : {}),
    ...(commands ? { commands } : {}),
    ...(scope.class ? { class: scope.class } : {}),
  };
}

/**
 * What the session's approvals cover for query and exec: the request's scope, or — when the request
 * needed approval and named none — the `read` class. Null: not bound (nobody approved anything).
 */
export function effectiveScope(r: AccessRequestRecord): RequestScope | null {
  if (r.scope) return r.scope;
  return r.obligations.approvals > 0 ? { class: 'read' } : null;
}

/**
 * Whether an action's exact statement or command lies inside the scope. `context` is the action's
 * policy context (sqlClass, commandClass), `params` what the gateway will forward.
 */
export function withinScope(
  scope: RequestScope,
  action: string,
  context: Record<string, unknown>,
  params: Record<string, unknown>,
): boolean {
  if (!SCOPED_ACTIONS.has(action)) return true;
  if (action === 'query') {
    const sql = typeof params.sql === 'string' ? params.sql.trim() : null;
    if (sql !== null && scope.sql?.includes(sql)) return true;
    return scope.class === 'read' && context.sqlClass === 'read';
  }
  const argv = JSON.stringify(params.argv);
  if (scope.commands?.some((c) => JSON.stringify(c) === argv)) return true;
  return scope.class === 'read' && context.commandClass === 'read';
}
