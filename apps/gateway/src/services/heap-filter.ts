import { GloveboxError } from '@glovebox/core';
import { mergeCounts, type RedactionCounts, type Redactor } from '@glovebox/redact';

const MAX_HEADER_CHARS = 1024 * 1024;
const MAX_TOKEN_CHARS = 1024 * 1024;
/** Outside the header and the strings, a heap snapshot holds numbers, brackets and section keys. */
const NUMERIC_PART = /^[0-9,[\]\s]*$/;
const SECTION_KEY = /^\s*,?\s*"[a-z_]{1,64}"\s*:\s*$/;

function invalid(message: string): never {
  throw new GloveboxError('GBX_HEAP_FORMAT_INVALID', `heap snapshot format not understood: ${message}`);
}

/**
 * The gateway's second pass over a heap snapshot an agent streams: it checks, with bounded memory,
 * that the text has V8's shape (a JSON header, numeric sections, a strings table, nothing else), runs
 * every string of the strings table through the redaction engine again, and passes the rest through
 * byte for byte. It cannot see the graph (the agent masked by context); it catches anything the
 * value detectors know that reached it anyway.
 */
export class HeapSnapshotFilter {
  readonly #redactor: Redactor;
  readonly counts: RedactionCounts = {};
  #state: 'header' | 'numbers' | 'strings' | 'tail' = 'header';
  #pending = '';
  /** Strings the second pass changed. */
  changed = 0;

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  /** Feeds a piece of the snapshot; returns the text that may be passed on. */
  push(chunk: string): string {
    let text = this.#pending + chunk;
    this.#pending = '';
    let out = '';
    for (;;) {
      switch (this.#state) {
        case 'header': {
          const at = text.indexOf('"nodes"');
          if (at < 0) {
            if (text.length > MAX_HEADER_CHARS) invalid('header too long');
            this.#pending = text;
            return out;
          }
          const header = text.slice(0, at).trim();
          try {
            const parsed = JSON.parse(`${header.replace(/,$/, '')}}`) as { snapshot?: { meta?: unknown } };
            if (!header.endsWith(',') || typeof parsed.snapshot?.meta !== 'object') invalid('header');
          } catch (error) {
            if (error instanceof GloveboxError) throw error;
            invalid('header is not JSON');
          }
          out += text.slice(0, at);
          text = text.slice(at);
          this.#state = 'numbers';
          break;
        }
        case 'numbers': {
          const at = text.indexOf('"strings"');
          if (at < 0) {
            // a section key may be cut at the end of this piece: keep it for the next one
            const tail = /"[a-z_]{0,64}("\s*(:\s*\[?)?)?$/.exec(text);
            const keep = tail ? tail.index : text.length;
            checkNumericPart(text.slice(0, keep));
            out += text.slice(0, keep);
            this.#pending = text.slice(keep);
            return out;
          }
          checkNumericPart(text.slice(0, at));
          out += text.slice(0, at);
          const open = /^"strings"\s*:\s*\[/.exec(text.slice(at, at + 40));
          if (!open) {
            if (text.length - at < 40) {
              this.#pending = text.slice(at);
              return out;
            }
            invalid('strings');
          }
          out += open[0];
          text = text.slice(at + open[0].length);
          this.#state = 'strings';
          break;
        }
        case 'strings': {
          const r = this.#strings(text);
          out += r.out;
          if (r.rest === undefined) return out;
          text = r.rest;
          this.#state = 'tail';
          break;
        }
        case 'tail':
          if (!/^\s*\}?\s*$/.test(text)) invalid('text after the end');
          out += text;
          if (text.includes('}')) this.#ended = true;
          return out;
      }
    }
  }

  #ended = false;

  /** Ends the input; throws when the snapshot was cut short. */
  end(): void {
    if (this.#state !== 'tail' || !this.#ended || this.#pending !== '') invalid('the snapshot ended early');
  }

  /** Redacts string tokens; `rest` is what follows the closing bracket, once reached. */
  #strings(text: string): { out: string; rest?: string } {
    const parts: string[] = [];
    let i = 0;
    for (;;) {
      const start = i;
      while (i < text.length && /[\s,]/.test(text[i]!)) i++;
      parts.push(text.slice(start, i));
      if (i >= text.length) return { out: parts.join('') };
      if (text[i] === ']') return { out: `${parts.join('')}]`, rest: text.slice(i + 1) };
      if (text[i] !== '"') invalid('"strings" holds something else than strings');
      const end = closingQuote(text, i + 1);
      if (end < 0) {
        if (text.length - i > MAX_TOKEN_CHARS) invalid('a string is too long');
        this.#pending = text.slice(i);
        return { out: parts.join('') };
      }
      const token = text.slice(i, end + 1);
      let value: unknown;
      try {
        value = JSON.parse(token);
      } catch {
        value = undefined;
      }
      if (typeof value !== 'string') invalid('a bad string');
      const r = this.#redactor.redactText(value);
      if (r.text !== value) {
        this.changed++;
        mergeCounts(this.counts, r.counts);
        parts.push(asciiJson(r.text));
      } else parts.push(token);
      i = end + 1;
    }
  }
}

function checkNumericPart(text: string): void {
  // section keys ("edges": …) separate the numeric arrays
  for (const piece of text.split(/(?="[a-z_]{1,64}"\s*:)/)) {
    const m = /^("[a-z_]{1,64}"\s*:)?([\s\S]*)$/.exec(piece)!;
    if (m[1] !== undefined && !SECTION_KEY.test(m[1])) invalid('a section key');
    if (!NUMERIC_PART.test(m[2]!.replace(/^\s*,?/, ''))) invalid('a numeric section holds something else');
  }
}

function closingQuote(text: string, from: number): number {
  let i = from;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return -1;
    let slashes = 0;
    for (let j = q - 1; j >= from && text.charCodeAt(j) === 92; j--) slashes++;
    if (slashes % 2 === 0) return q;
    i = q + 1;
  }
}

/** JSON string with everything outside ASCII escaped, as V8 writes it. */
function asciiJson(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
