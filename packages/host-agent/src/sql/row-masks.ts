import type { CatalogColumn } from '@glovebox/sql';
import { addCounts, type HostRedactor, type RedactionCounts } from '../redactor.js';
import type { ColumnSource, ResultColumn } from './pg-executor.js';

/**
 * The name each result column is masked under. A plain reference to a table column is masked by that
 * column's name as well as by its own (so `SELECT secret AS x` stays masked); a computed column of a
 * statement that reads a masked column is masked as that column (`upper(secret)`, `t::text`), because
 * any such value can carry it. Everything else is masked by its own name and by value.
 */
export function columnMaskKeys(
  columns: readonly ResultColumn[],
  sources: readonly ColumnSource[],
  catalog: readonly CatalogColumn[],
  maskedColumns: readonly string[],
  isSensitive: (name: string) => boolean,
): string[] {
  const byPosition = new Map(catalog.map((c) => [`${c.relation}:${c.attnum}`, c.name]));
  const anyMasked = maskedColumns[0];
  return columns.map((column, i) => {
    if (isSensitive(column.name)) return column.name;
    const source = sources[i];
    const origin =
      source && source.table !== 0 ? byPosition.get(`${source.table}:${source.column}`) : undefined;
    if (origin !== undefined) return isSensitive(origin) ? origin : column.name;
    return anyMasked ?? column.name;
  });
}

/**
 * Masks result rows with the redaction engine: each row is redacted as an object keyed by column (or by
 * the mask key of {@link columnMaskKeys}), so sensitive column names (`password`, `api_key`, …) are
 * masked as well as sensitive values anywhere.
 */
export function maskRows(
  columns: readonly ResultColumn[],
  rows: readonly (readonly unknown[])[],
  redactor: HostRedactor,
  keys: readonly string[] = columns.map((c) => c.name),
): { rows: unknown[][]; counts: RedactionCounts } {
  const counts: RedactionCounts = {};
  const unique = new Set(keys).size === keys.length && !keys.includes('__proto__');
  const out: unknown[][] = [];
  for (const row of rows) {
    if (unique) {
      const { value, counts: c } = redactor.redactValue(Object.fromEntries(keys.map((k, i) => [k, row[i]])));
      addCounts(counts, c);
      const masked = value as Record<string, unknown>;
      out.push(keys.map((k) => masked[k] ?? null));
      continue;
    }
    out.push(
      keys.map((k, i) => {
        const { value, counts: c } = redactor.redactValue({ [k]: row[i] });
        addCounts(counts, c);
        return (value as Record<string, unknown>)[k] ?? null;
      }),
    );
  }
  return { rows: out, counts };
}
