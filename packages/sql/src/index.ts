export { SQL_CLASSES, sqlClassExceeds, maxSqlClass, type SqlClass } from './sql-class.js';
export { classifySql, type SqlClassification, type SqlFlags } from './classifier.js';
export { redactSqlLiterals } from './literals.js';
