/**
 * Text from users and agents (reasons, comments, names, command output, error messages) can carry
 * terminal control sequences: a window title, a cleared screen, a clipboard write (OSC 52), text
 * hidden by a carriage return or reordered by bidirectional controls. Everything the CLI prints for
 * people passes through here first, so such sequences show up as visible escapes instead of acting.
 */

// C0 controls, DEL, C1 controls, the line/paragraph separators, and the bidirectional controls.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const DANGEROUS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same, but keeping tab and newline: for multi-line text such as command output.
const DANGEROUS_IN_BLOCK =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function visible(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * One line of text for a terminal: every control character (newlines too) becomes a visible
 * escape such as `\e`, `\n` or `\x07`.
 *
 * @example
 * neutraliseLine('ok\u001b]0;pwned\u0007'); // 'ok\\e]0;pwned\\x07'
 */
export function neutraliseLine(text: string): string {
  return text.replace(DANGEROUS, visible);
}

/**
 * Multi-line text for a terminal: newlines and tabs stay, `\r\n` stays a line end, every other
 * control character (a lone carriage return too) becomes a visible escape.
 */
export function neutraliseBlock(text: string): string {
  return text.replace(DANGEROUS_IN_BLOCK, (char, offset: number, whole: string) =>
    char === '\r' && whole[offset + 1] === '\n' ? char : visible(char),
  );
}

/**
 * A copy of `value` in which every string (object keys too) went through {@link neutraliseLine}:
 * what human output is rendered from, so no field can reach the terminal raw.
 */
export function neutraliseDeep<T>(value: T): T {
  if (typeof value === 'string') return neutraliseLine(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => neutraliseDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [neutraliseLine(k), neutraliseDeep(v as unknown)]),
    ) as T;
  }
  return value;
}

/**
 * JSON text that is safe on a terminal and still means exactly the same data: JSON.stringify
 * already escapes C0 controls; DEL, C1 controls, line separators and bidirectional controls are
 * escaped as `\uXXXX` too (they can only occur inside strings, where the escape is equivalent).
 */
export function terminalSafeJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Neutralises streamed output chunk by chunk: a `\r` at the end of a chunk is held back until the
 * next one shows whether it starts a `\r\n` line end.
 */
export class TerminalStream {
  #held = '';

  push(chunk: string): string {
    const text = this.#held + chunk;
    this.#held = text.endsWith('\r') ? '\r' : '';
    return neutraliseBlock(this.#held ? text.slice(0, -1) : text);
  }

  end(): string {
    const rest = this.#held;
    this.#held = '';
    return neutraliseBlock(rest);
  }
}
