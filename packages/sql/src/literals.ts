import { scanSync } from 'libpg-query';
import { MAX_SQL_LENGTH } from './parser.js';

const LITERAL_TOKENS = new Set(['SCONST', 'USCONST', 'BCONST', 'XCONST', 'ICONST', 'FCONST']);
const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);

/**
 * Replaces every literal (strings, numbers, bit and hex strings, dollar-quoted bodies) with a `$n`
 * placeholder and drops comments, so a statement can be kept in the audit trail without the values in it.
 * Text the scanner cannot tokenize is withheld entirely.
 *
 * @example
 * redactSqlLiterals("SELECT * FROM users WHERE email = 'a@b.c' -- note"); // 'SELECT * FROM users WHERE email = $1'
 */
export function redactSqlLiterals(sql: string): string {
  if (sql.length > MAX_SQL_LENGTH) return '[statement withheld: too long]';
  const bytes = Buffer.from(sql, 'utf8');
  let tokens: { start: number; end: number; text: string; tokenName: string }[];
  try {
    tokens = scanSync(sql).tokens;
  } catch {
    return '[statement withheld: it could not be tokenized]';
  }
  let next = 1;
  for (const token of tokens)
    if (token.tokenName === 'PARAM') next = Math.max(next, Number(token.text.slice(1)) + 1 || next);
  let out = '';
  let cursor = 0;
  for (const token of tokens) {
    const isLiteral =
      LITERAL_TOKENS.has(token.tokenName) ||
      (token.tokenName === 'UNKNOWN' && /^(?:[bBxXnN]|[uU]&)'/.test(token.text)) ||
      token.text.startsWith("'") ||
      /^\$[^0-9]/.test(token.text);
    const isComment = COMMENT_TOKENS.has(token.tokenName);
    if (!isLiteral && !isComment) continue;
    out += bytes.subarray(cursor, token.start).toString('utf8');
    out += isLiteral ? `$${next++}` : '';
    cursor = token.end;
  }
  out += bytes.subarray(cursor).toString('utf8');
  return out.replace(/[ \t]+\n/g, '\n').trim();
}

/**
 * Replaces every quoted span of a database message (`"…"` and `'…'`, where PostgreSQL quotes the values
 * and names it complains about) with `mask`. Used on error texts of statements that read masked columns:
 * `invalid input syntax for type integer: "hunter2"` must not carry the value its column hides.
 *
 * @example
 * maskQuotedText('invalid input syntax for type integer: "hunter2"', '[REDACTED]');
 * // 'invalid input syntax for type integer: "[REDACTED]"'
 */
export function maskQuotedText(message: string, mask: string): { text: string; count: number } {
  let count = 0;
  const text = message.replace(/"(?:[^"]|"")*"?|'(?:[^']|'')*'?/g, (span) => {
    count++;
    const quote = span[0] ?? '"';
    return `${quote}${mask}${quote}`;
  });
  return { text, count };
}
