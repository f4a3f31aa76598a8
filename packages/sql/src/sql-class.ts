/** Statement classes, least to most dangerous. Policy sees the class of a whole query. */
export const SQL_CLASSES = ['read', 'write', 'ddl', 'admin'] as const;
export type SqlClass = (typeof SQL_CLASSES)[number];

/** True when `a` is more dangerous than `b`. */
export function sqlClassExceeds(a: SqlClass, b: SqlClass): boolean {
  return SQL_CLASSES.indexOf(a) > SQL_CLASSES.indexOf(b);
}

/** The more dangerous of two classes. */
export function maxSqlClass(a: SqlClass, b: SqlClass): SqlClass {
  return sqlClassExceeds(b, a) ? b : a;
}
