import { GloveboxError } from '@glovebox/core';
import { classifySql } from '@glovebox/sql';
import type { AgentHello } from '@glovebox/protocol';

/** What the gateway derives from an action's parameters before asking policy. */
export interface PreparedAction {
  /** Context attributes that reach Cedar (command class, SQL class, tables…). */
  policyContext: Record<string, unknown>;
  /** The parameters the gateway signs and forwards; the agent checks them again. */
  params: Record<string, unknown>;
}

function schemaOf(table: string): string {
  const dot = table.lastIndexOf('.');
  return dot > 0 ? table.slice(0, dot).toLowerCase() : 'public';
}

/**
 * Classifies `exec` and `query` so that guardrails live in policy: the command's name and class
 * (from the agent's announced allow-list) and the statement's class, tables, schemas and
 * functions (from the real PostgreSQL parser). Everything else passes through unchanged.
 */
export function prepareAction(
  action: string,
  params: Record<string, unknown>,
  hello: AgentHello | null | undefined,
): PreparedAction {
  if (action === 'exec') {
    const argv = params.argv;
    if (
      !Array.isArray(argv) ||
      argv.length === 0 ||
      argv.length > 256 ||
      !argv.every((a) => typeof a === 'string' && a.length <= 4096)
    ) {
      throw new GloveboxError(
        'GBX_REQUEST_INVALID',
        'exec needs argv: 1 to 256 arguments, strings of at most 4096 characters each',
      );
    }
    const name = argv[0] as string;
    const command = hello?.targets.flatMap((t) => t.commands ?? []).find((c) => c.name === name);
    if (!command)
      throw new GloveboxError(
        'GBX_EXEC_NOT_ALLOWED',
        `"${name.slice(0, 64)}" is not an allow-listed command on this target`,
      );
    return { policyContext: { command: command.name, commandClass: command.class }, params: { argv } };
  }
  if (action === 'query') {
    const sql = params.sql;
    if (typeof sql !== 'string' || sql.trim() === '' || sql.length > 100_000) {
      throw new GloveboxError(
        'GBX_REQUEST_INVALID',
        'query needs sql: a non-empty string of at most 100000 characters',
      );
    }
    const c = classifySql(sql);
    const tables = [...new Set(c.tables.map((t) => (t.includes('.') ? t : `public.${t}`).toLowerCase()))];
    return {
      policyContext: {
        sqlClass: c.class,
        sqlTables: tables,
        sqlSchemas: [...new Set(tables.map(schemaOf))],
        sqlFunctions: [...new Set(c.functions.map((f) => f.split('.').pop()!.toLowerCase()))],
        sqlDeleteWithoutWhere: c.flags.deleteWithoutWhere || c.flags.updateWithoutWhere,
      },
      params: { sql, readOnly: c.class === 'read', authorizedClass: c.class },
    };
  }
  return { policyContext: {}, params };
}
