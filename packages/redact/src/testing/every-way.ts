import type { Redactor } from '../types.js';

/**
 * `input` redacted three ways that must agree: whole, streamed one character at a time, and after
 * a long first line (another batch path). Tests assert on each.
 */
export function everyWay(r: Redactor, input: string): string[] {
  const s = r.createStream();
  let streamed = '';
  for (const ch of input) streamed += s.push(ch);
  streamed += s.end();
  const pad = 'ok '.repeat(400) + '\n';
  return [r.redactText(input).text, streamed, r.redactText(pad + input).text.slice(pad.length)];
}
