/**
 * The elements of a list that a sensitive key opens at its line's end, one a line, as
 * `JSON.stringify(x, null, 2)` and `util.inspect` print a long array (`"passwords": [` … `]`).
 */
import type { KeyVerdict } from './keys.js';
import type { ScanContext, Span } from './span.js';
import { maskCell, verdictOf } from './tables.js';

/** The verdict of the key whose list is open. */
export interface OpenList {
  verdict: KeyVerdict;
}

/** `passwords: [`, `"api_keys": [` ending the line. */
const LIST_OPEN = /^\s*["']?([A-Za-z_][A-Za-z0-9_.-]{0,127})["']?\s*[:=]\s*\[\s*\r?$/;
/** One element on its line: a string (Python bytes too) or a bare token, and its comma. */
const LIST_ITEM = /^(\s*b?)(?:(["'])(?:\\.|(?!\2).)*\2|[^\s,[\]{}()'"]+)\s*,?\s*\r?$/;

/**
 * Reads `line` for an open list: an element on its own line is masked under the key's verdict; a
 * line that is not one (the closing `]`, a nested object) ends the list. A line opening such a
 * list opens it. True when the line was an element.
 */
export function listLine(
  text: string,
  from: number,
  line: string,
  state: { list: OpenList | undefined },
  ctx: ScanContext,
  out: Span[],
): boolean {
  if (state.list === undefined) {
    const open = line.includes('[') ? LIST_OPEN.exec(line) : null;
    const verdict = open === null ? undefined : verdictOf(ctx, open[1]!);
    if (verdict !== undefined) state.list = { verdict };
    return false;
  }
  const item = LIST_ITEM.exec(line);
  if (item === null) {
    state.list = undefined;
    return false;
  }
  let end = line.length;
  while (end > 0 && /[\s,]/.test(line[end - 1]!)) end--;
  maskCell(text, from + item[1]!.length, from + end, state.list.verdict, out);
  return true;
}
