export { SQL_CLASSES, sqlClassExceeds, maxSqlClass, type SqlClass } from './sql-class.js';
export { classifySql, type SqlClassification, type SqlFlags } from './classifier.js';
export { redactSqlLiterals, maskQuotedText } from './literals.js';
export { collectSqlReferences, type SqlReferences, type RelationRef } from './references.js';
export { CATALOG_QUERY, catalogQueryParams } from './catalog-query.js';
export {
  resolveSqlClass,
  parseCatalogAnswer,
  maskedColumnsRead,
  type CatalogAnswer,
  type CatalogColumn,
  type CatalogFunction,
  type FunctionClassOverrides,
  type ReachedVia,
  type ResolvedFunction,
  type SqlResolution,
} from './resolution.js';
