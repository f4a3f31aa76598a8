import type Database from 'better-sqlite3';

type Prepare = (sql: string) => Database.Statement;

/** Statements kept per database; past it, new SQL texts are prepared each time. */
const MAX_STATEMENTS = 512;
const preparers = new WeakMap<Database.Database, Prepare>();

/**
 * Prepares SQL on `db` once per SQL text (one cache per database, shared by every part of the
 * store): preparing costs more than running a point query.
 */
export function preparer(db: Database.Database): Prepare {
  let prepare = preparers.get(db);
  if (prepare === undefined) {
    const statements = new Map<string, Database.Statement>();
    prepare = (sql) => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql);
        if (statements.size < MAX_STATEMENTS) statements.set(sql, statement);
      }
      return statement;
    };
    preparers.set(db, prepare);
  }
  return prepare;
}
