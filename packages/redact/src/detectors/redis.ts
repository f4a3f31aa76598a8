import { Literal } from '../literal.js';
import type { Detector } from '../span.js';
import { PRIORITY } from '../span.js';
import { isTrivialValue } from '../trivial.js';
import { regexDetector } from './regex-detector.js';

/** What stands before a redis-cli prompt's `>`: `host:port`, perhaps `[db]`, from the line start. */
const PROMPT_HOST = /^[ \t]*[^\s>]{1,256}:\d{1,5}(?:\[\d{1,5}\])?$/;

/** True when the match at `m.index` (a `>`) ends a redis-cli prompt opening its line. */
function afterPrompt(m: RegExpExecArray, text: string): boolean {
  const lineStart = text.lastIndexOf('\n', m.index - 1) + 1;
  return m.index - lineStart <= 280 && PROMPT_HOST.test(text.slice(lineStart, m.index));
}

/**
 * Redis `AUTH [username] password`: as MONITOR and the slow log print a command (each argument
 * quoted, also inside `HELLO … AUTH username password`), and typed at a redis-cli prompt
 * (`host:port[db]> AUTH …`). redis-cli's `-a` is read with the other command-line flags.
 */
export function redisDetectors(): Detector[] {
  return [
    regexDetector({
      name: 'redis-auth-quoted',
      type: 'PASSWORD',
      priority: PRIORITY.keyValue,
      triggers: [new Literal('"AUTH"'), new Literal('"auth"')],
      re: /"(?:AUTH|auth)"[ \t]+(?:"(?:[^"\\\r\n]|\\.){0,256}"[ \t]+)?"((?:[^"\\\r\n]|\\.){1,512})"/dg,
      group: 1,
      validate: (m) => !isTrivialValue(m[1]!),
    }),
    regexDetector({
      name: 'redis-auth-prompt',
      type: 'PASSWORD',
      priority: PRIORITY.keyValue,
      triggers: [
        new Literal('> AUTH '),
        new Literal('> auth '),
        new Literal('>AUTH '),
        new Literal('>auth '),
      ],
      re: />[ \t]?(?:AUTH|auth)[ \t]+(?:[^\s"']{1,256}[ \t]+)?([^\s"']{1,512})[ \t]*(?=\r?\n|$)/dg,
      group: 1,
      validate: (m, text) => afterPrompt(m, text) && !isTrivialValue(m[1]!),
    }),
  ];
}
