import { GloveboxError } from '@glovebox/core';
import { layoutOf, type SnapshotHeader, type SnapshotLayout } from './format.js';
import { StringTable } from './string-table.js';

/** A heap snapshot read into compact form: numbers in typed arrays, strings outside the JS heap. */
export interface ParsedSnapshot {
  header: SnapshotHeader;
  layout: SnapshotLayout;
  nodes: Uint32Array;
  edges: Uint32Array;
  /** Other top-level sections (`trace_function_infos`, `samples`, `locations`, …): raw numeric JSON. */
  sections: { name: string; raw: string }[];
  strings: StringTable;
}

const MAX_HEADER_CHARS = 1024 * 1024;
const MAX_TOKEN_CHARS = 1024 * 1024;
const MAX_RAW_SECTION_CHARS = 256 * 1024 * 1024;

function fail(message: string): never {
  throw new GloveboxError('GBX_HEAP_FORMAT_INVALID', `heap snapshot format not understood: ${message}`);
}

type State = 'header' | 'key' | 'numbers' | 'raw' | 'strings' | 'done';

/**
 * Incremental reader of V8's `.heapsnapshot` JSON, fed chunk by chunk as `HeapProfiler` streams
 * them. It never holds the whole text: numbers go straight into typed arrays sized from the header,
 * strings into a {@link StringTable}. Anything that is not the shape V8 writes is refused with
 * GBX_HEAP_FORMAT_INVALID (a raw section may hold only numbers and brackets).
 */
export class SnapshotReader {
  #state: State = 'header';
  #pending = '';
  #header: SnapshotHeader | undefined;
  #layout: SnapshotLayout | undefined;
  #nodes = new Uint32Array(0);
  #edges = new Uint32Array(0);
  #target: Uint32Array = this.#nodes;
  #filled = 0;
  #number = 0;
  #inNumber = false;
  #section = '';
  #rawDepth = 0;
  #raw: string[] = [];
  #rawChars = 0;
  readonly #sections: { name: string; raw: string }[] = [];
  readonly #strings = new StringTable();
  #seen = new Set<string>();
  /** Characters read so far, for progress. */
  consumed = 0;

  /** Feeds the next piece of the snapshot text. */
  write(chunk: string): void {
    this.consumed += chunk.length;
    let text = this.#pending + chunk;
    this.#pending = '';
    let at = 0;
    while (at < text.length) {
      switch (this.#state) {
        case 'header': {
          const i = text.indexOf('"nodes"');
          if (i < 0) {
            if (text.length > MAX_HEADER_CHARS) fail('header too long');
            this.#pending = text;
            return;
          }
          this.#readHeader(text.slice(0, i));
          text = text.slice(i);
          at = 0;
          this.#state = 'key';
          break;
        }
        case 'key': {
          const next = this.#readKey(text, at);
          if (next < 0) {
            this.#pending = text.slice(at);
            return;
          }
          at = next;
          break;
        }
        case 'numbers':
          at = this.#readNumbers(text, at);
          break;
        case 'raw':
          at = this.#readRaw(text, at);
          break;
        case 'strings': {
          const next = this.#readStrings(text, at);
          if (next < 0) return;
          at = next;
          break;
        }
        case 'done':
          if (text.slice(at).trim() !== '') fail('text after the end');
          return;
      }
    }
  }

  /** Ends the input; returns the snapshot. */
  end(): ParsedSnapshot {
    if (this.#state !== 'done') fail('the snapshot ended early');
    for (const need of ['nodes', 'edges', 'strings']) if (!this.#seen.has(need)) fail(`no "${need}"`);
    return {
      header: this.#header!,
      layout: this.#layout!,
      nodes: this.#nodes,
      edges: this.#edges,
      sections: this.#sections,
      strings: this.#strings,
    };
  }

  /** Drops everything read (zero-filling the strings), after a failure or cancellation. */
  discard(): void {
    this.#strings.wipe();
    this.#pending = '';
    this.#raw = [];
  }

  #readHeader(text: string): void {
    const trimmed = text.trim();
    if (!trimmed.startsWith('{') || !trimmed.endsWith(',')) fail('header');
    let parsed: unknown;
    try {
      parsed = JSON.parse(`${trimmed.slice(0, -1)}}`);
    } catch {
      fail('header is not JSON');
    }
    const header = (parsed as { snapshot?: SnapshotHeader }).snapshot;
    if (!header || typeof header !== 'object') fail('no "snapshot" header');
    this.#layout = layoutOf(header);
    this.#header = header;
    const nodeLen = header.node_count * this.#layout.nodeFields;
    const edgeLen = header.edge_count * this.#layout.edgeFields;
    if (nodeLen > 2 ** 31 || edgeLen > 2 ** 31) fail('snapshot too large');
    this.#nodes = new Uint32Array(nodeLen);
    this.#edges = new Uint32Array(edgeLen);
  }

  /** Reads `"name":[` or the closing `}`; returns where reading continues, or -1 for more input. */
  #readKey(text: string, at: number): number {
    let i = at;
    while (i < text.length && isSpaceOrComma(text.charCodeAt(i))) i++;
    if (i >= text.length) return -1;
    if (text[i] === '}') {
      this.#state = 'done';
      return i + 1;
    }
    const m = /^"([a-z_]{1,64})"\s*:\s*\[/.exec(text.slice(i, i + 80));
    if (!m) {
      if (text.length - i < 80 && /^"[a-z_]*("\s*(:\s*)?)?$/.test(text.slice(i))) return -1;
      fail('unexpected text between sections');
    }
    const name = m[1]!;
    if (this.#seen.has(name)) fail(`"${name}" twice`);
    this.#seen.add(name);
    this.#section = name;
    if (name === 'nodes' || name === 'edges') {
      this.#target = name === 'nodes' ? this.#nodes : this.#edges;
      this.#filled = 0;
      this.#state = 'numbers';
    } else if (name === 'strings') this.#state = 'strings';
    else {
      this.#rawDepth = 1;
      this.#raw = ['['];
      this.#rawChars = 1;
      this.#state = 'raw';
    }
    return i + m[0].length;
  }

  #readNumbers(text: string, at: number): number {
    const target = this.#target;
    let n = this.#number;
    let inNumber = this.#inNumber;
    let filled = this.#filled;
    for (let i = at; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        n = n * 10 + (c - 48);
        inNumber = true;
        continue;
      }
      if (inNumber) {
        if (filled >= target.length || n > 0xffffffff) fail(`"${this.#section}" overflows its count`);
        target[filled++] = n;
        n = 0;
        inNumber = false;
      }
      if (c === 93) {
        if (filled !== target.length) fail(`"${this.#section}" does not match its count`);
        this.#number = 0;
        this.#inNumber = false;
        this.#state = 'key';
        return i + 1;
      }
      if (c !== 44 && !isSpace(c)) fail(`"${this.#section}" holds something else than numbers`);
    }
    this.#number = n;
    this.#inNumber = inNumber;
    this.#filled = filled;
    return text.length;
  }

  #readRaw(text: string, at: number): number {
    for (let i = at; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 91) this.#rawDepth++;
      else if (c === 93) {
        if (--this.#rawDepth === 0) {
          this.#raw.push(text.slice(at, i + 1));
          this.#sections.push({ name: this.#section, raw: this.#raw.join('') });
          this.#raw = [];
          this.#state = 'key';
          return i + 1;
        }
      } else if (!((c >= 48 && c <= 57) || c === 44 || c === 45 || c === 46 || isSpace(c))) {
        fail(`"${this.#section}" holds something else than numbers`);
      }
    }
    this.#rawChars += text.length - at;
    if (this.#rawChars > MAX_RAW_SECTION_CHARS) fail(`"${this.#section}" too long`);
    this.#raw.push(text.slice(at));
    return text.length;
  }

  /** Reads string tokens; returns where reading continues, or -1 after keeping a partial token. */
  #readStrings(text: string, at: number): number {
    let i = at;
    for (;;) {
      while (i < text.length && isSpaceOrComma(text.charCodeAt(i))) i++;
      if (i >= text.length) return i;
      const c = text.charCodeAt(i);
      if (c === 93) {
        this.#state = 'key';
        return i + 1;
      }
      if (c !== 34) fail('"strings" holds something else than strings');
      const end = closingQuote(text, i + 1);
      if (end < 0) {
        if (text.length - i > MAX_TOKEN_CHARS) fail('a string is too long');
        this.#pending = text.slice(i);
        return -1;
      }
      this.#strings.push(text.slice(i, end + 1));
      i = end + 1;
    }
  }
}

/** Index of the quote that closes a JSON string whose body starts at `from`, or -1. */
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

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function isSpaceOrComma(c: number): boolean {
  return c === 44 || isSpace(c);
}
