import type { ClientBase } from 'pg';
import { GloveboxError } from '@glovebox/core';
import {
  CATALOG_QUERY,
  catalogQueryParams,
  classifySql,
  collectSqlReferences,
  maskedColumnsRead,
  parseCatalogAnswer,
  resolveSqlClass,
  sqlClassExceeds,
  type CatalogColumn,
  type SqlClass,
  type SqlClassification,
  type SqlReferences,
  type SqlResolution,
} from '@glovebox/sql';
import type { PostgresTargetConfig } from '../config.js';

/** The class a call may reach: the envelope's grant, capped by the target's configured ceiling. */
export function effectiveGrant(
  authorized: SqlClass,
  config: PostgresTargetConfig,
): { grant: SqlClass; capped: boolean } {
  const capped = sqlClassExceeds(authorized, config.maxClass);
  return { grant: capped ? config.maxClass : authorized, capped };
}

function refusal(cls: SqlClass, grant: SqlClass, capped: boolean, reasons: string[]): string {
  const limit = capped
    ? `this agent's ceiling for the target (maxClass: ${grant}) allows ${grant}`
    : `the grant allows ${grant}`;
  return `the statement is ${cls} but ${limit} (${reasons.join('; ') || 'by its kind'})`;
}

/** What the guardrail decided before the statement ran, for masking and the audit trail. */
export interface GuardrailVerdict {
  classification: SqlClassification;
  references: SqlReferences;
  grant: SqlClass;
  capped: boolean;
}

/**
 * Checks a statement by its shape (the real parser) against the grant capped by the target's ceiling.
 *
 * @throws GloveboxError GBX_SQL_PARSE_FAILED, GBX_SQL_MULTI_STATEMENT or GBX_SQL_NOT_AUTHORIZED.
 */
export function checkStatementShape(
  sql: string,
  authorized: SqlClass,
  config: PostgresTargetConfig,
): GuardrailVerdict {
  const classification = classifySql(sql);
  if (classification.statementCount > 1)
    throw new GloveboxError('GBX_SQL_MULTI_STATEMENT', 'send one statement per query', {
      details: { classification },
    });
  const { grant, capped } = effectiveGrant(authorized, config);
  if (sqlClassExceeds(classification.class, grant))
    throw new GloveboxError(
      'GBX_SQL_NOT_AUTHORIZED',
      refusal(classification.class, grant, capped, classification.reasons),
      { details: { classification } },
    );
  return { classification, references: collectSqlReferences(sql), grant, capped };
}

// Named per connection, so PostgreSQL plans the catalog query once per connection (generic plan).
const CATALOG_STATEMENT = 'glovebox_catalog_v1';

/** The catalog's answer, as the statement's masks need it. */
export interface CatalogVerdict {
  resolution: SqlResolution;
  columns: CatalogColumn[];
  maskedColumns: string[];
}

/**
 * Resolves every function the statement can reach against the catalog, in the statement's own
 * transaction, and refuses it when the resolved class exceeds the grant. A catalog that cannot be
 * queried refuses the statement: nothing runs unresolved.
 *
 * @throws GloveboxError GBX_SQL_UNRESOLVED or GBX_SQL_NOT_AUTHORIZED.
 */
export async function resolveAgainstCatalog(
  client: ClientBase,
  verdict: GuardrailVerdict,
  config: PostgresTargetConfig,
  isSensitive: (name: string) => boolean,
): Promise<CatalogVerdict> {
  let row: unknown;
  try {
    const result = await client.query({
      name: CATALOG_STATEMENT,
      text: CATALOG_QUERY,
      values: catalogQueryParams(verdict.references),
    });
    row = result.rows[0];
  } catch {
    throw new GloveboxError(
      'GBX_SQL_UNRESOLVED',
      `the functions of the statement could not be resolved against the catalog of ${config.name}; it was not run`,
    );
  }
  const answer = parseCatalogAnswer(row);
  if (answer === null)
    throw new GloveboxError(
      'GBX_SQL_UNRESOLVED',
      'the catalog answer was not understood; the statement was not run',
    );
  const resolution = resolveSqlClass(verdict.classification.class, answer, config.functions);
  if (sqlClassExceeds(resolution.class, verdict.grant))
    throw new GloveboxError(
      'GBX_SQL_NOT_AUTHORIZED',
      refusal(resolution.class, verdict.grant, verdict.capped, resolution.reasons),
      { details: { classification: verdict.classification, resolution } },
    );
  return {
    resolution,
    columns: answer.columns,
    maskedColumns: maskedColumnsRead(verdict.references, answer.columns, isSensitive),
  };
}
