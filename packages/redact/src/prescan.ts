/**
 * The run pre-scan in WebAssembly: one pass over a text that lists every maximal run of
 * number characters (`[\d .()+-]`) and of base64 characters (`[A-Za-z0-9+/]`) a detector can use,
 * so the number and bare-base64 detectors read the text only around those runs.
 *
 * The module's source is `prescan.wat`, compiled by wabt into `prescan-wasm.ts` (ADR 0017); the memory
 * layout below must agree with it. The text is copied into the module's memory as UTF-16 code units,
 * so offsets are the string's own and a character outside ASCII is never in a class, exactly as in
 * the JavaScript tables.
 */

import { KEY_HINT_WORDS } from './key-hints.js';
import { PRESCAN_WASM } from './prescan-wasm.js';

/** Where the base64 run count is stored. */
const B64_COUNT = 128;
/** Where the text starts (UTF-16LE). */
const TEXT = 4096;
/**
 * The key-hint automaton: next state for each state and symbol (28 per state), final flags, and
 * each ASCII character's symbol: 0–25 a letter in either case, 26 anything else, 27 a separator
 * inside key names (`_ - . [ ]`), which leaves the state as it is, so `SEC_RET` and
 * `p.a.s.s.w.o.r.d` hold their words as key classification reads them.
 */
const AUTOMATON = 256;
const SYMBOLS = 28;
const OTHER = 26;
/** Symbols per automaton state, and the symbol of any character that is not a letter or separator. */
export const HINT_SYMBOLS = SYMBOLS;
export const HINT_OTHER = OTHER;
const SEPARATOR = 27;
const MAX_STATES = 128;
const FINAL = AUTOMATON + MAX_STATES * SYMBOLS;
const SYMBOL_TABLE = FINAL + MAX_STATES;

/** The automaton's symbol for each ASCII character. */
export const SYMBOL_OF: Uint8Array = (() => {
  const t = new Uint8Array(128).fill(OTHER);
  for (let c = 0; c < 26; c++) {
    t[65 + c] = c;
    t[97 + c] = c;
  }
  for (const ch of '_-.[]') t[ch.charCodeAt(0)] = SEPARATOR;
  return t;
})();

/** Class bits: a number-run character, one that may start it, a digit, a dot, a base64 character. */
export const CLASS_RUN = 1;
export const CLASS_RUN_START = 2;
export const CLASS_DIGIT = 4;
export const CLASS_DOT = 8;
export const CLASS_B64 = 16;

/** Number runs shorter than this are not listed (the shortest match of any number detector). */
export const MIN_NUMBER_RUN = 7;
/** Base64 runs shorter than this are not listed (an AWS secret access key). */
export const MIN_B64_RUN = 40;

/** The class of each ASCII character, as the bits above. */
export const CLASS_TABLE: Uint8Array = (() => {
  const t = new Uint8Array(128);
  for (const ch of ' )-') t[ch.charCodeAt(0)] = CLASS_RUN;
  t[46] = CLASS_RUN | CLASS_DOT;
  for (const ch of '+(') t[ch.charCodeAt(0)] = CLASS_RUN | CLASS_RUN_START;
  for (const ch of '0123456789') t[ch.charCodeAt(0)] = CLASS_RUN | CLASS_RUN_START | CLASS_DIGIT;
  for (let c = 0; c < 128; c++) {
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (alpha || c === 43 || c === 47) t[c] = t[c]! | CLASS_B64;
  }
  return t;
})();

/** Where each candidate list's count is stored; the key-run ends are the last of the eight lists. */
const LIST_COUNT = B64_COUNT + 4;
const LISTS = 8;
const KEY_LIST = 7;

/** The module's bytes: one memory (exported as `memory`) and the function `scan` (see prescan.wat). */
export function prescanModuleBytes(): Uint8Array {
  return Buffer.from(PRESCAN_WASM, 'base64');
}

/**
 * An Aho–Corasick automaton over lower-case letters for the key-hint words: `next[state * 28 +
 * symbol]` (symbols as in {@link SYMBOL_OF}) and `final[state]` set when a word ends there or at
 * one of its suffixes.
 */
export function hintAutomaton(words: readonly string[]): { next: Uint8Array; final: Uint8Array } {
  const next: number[][] = [new Array<number>(SYMBOLS).fill(-1)];
  const final: boolean[] = [false];
  for (const w of words) {
    let state = 0;
    for (const ch of w) {
      const sym = ch.charCodeAt(0) - 97;
      if (sym < 0 || sym >= 26) throw new TypeError('hint words must be lower-case ASCII letters');
      const row = next[state]!;
      if (row[sym] === -1) {
        row[sym] = next.length;
        next.push(new Array<number>(SYMBOLS).fill(-1));
        final.push(false);
      }
      state = row[sym]!;
    }
    final[state] = true;
  }
  if (next.length > MAX_STATES) throw new TypeError('too many hint states');
  const fail = new Array<number>(next.length).fill(0);
  const queue: number[] = [];
  const root = next[0]!;
  for (let sym = 0; sym < SYMBOLS; sym++) {
    if (root[sym] === -1) root[sym] = 0;
    else queue.push(root[sym]!);
  }
  while (queue.length > 0) {
    const r = queue.shift()!;
    if (final[fail[r]!]) final[r] = true;
    const row = next[r]!;
    const failRow = next[fail[r]!]!;
    for (let sym = 0; sym < SYMBOLS; sym++) {
      const u = row[sym]!;
      if (u === -1) row[sym] = failRow[sym]!;
      else {
        fail[u] = failRow[sym]!;
        queue.push(u);
      }
    }
  }
  // a separator leaves every state as it is
  for (let st = 0; st < next.length; st++) next[st]![SEPARATOR] = st;
  return { next: Uint8Array.from(next.flat()), final: Uint8Array.from(final, (f) => (f ? 1 : 0)) };
}

// --- the JavaScript side ------------------------------------------------------------------------

/**
 * What the pre-scan found in one text: `num` holds `[start, end, digits]` triples, `b64`
 * `[start, end]` pairs, and each candidate list the positions, in order, where its literal may
 * start (a superset of the places its detector's regex can match).
 */
export interface Runs {
  num: Int32Array;
  numCount: number;
  b64: Int32Array;
  b64Count: number;
  iban: Int32Array;
  upperVendor: Int32Array;
  bearer: Int32Array;
  basic: Int32Array;
  url: Int32Array;
  flag: Int32Array;
  lowerVendor: Int32Array;
  /** Ends of key runs that hold a hint word and precede (perhaps) a delimiter. */
  keyRunEnds: Int32Array;
}

/** The part of the WebAssembly API used here (the compiler's `lib` has no WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

interface Instance {
  memory: WasmMemory;
  scan: (n: number, numOut: number, b64Out: number, listOut: number, listCap: number) => number;
  bytes: Buffer;
}

/**
 * Texts up to this length are scanned by the JavaScript probes: copying and calling costs more than
 * probing a short line (one call per log line).
 */
export const PRESCAN_MIN = 1024;
/** Longer texts are scanned by the JavaScript probes too, so the module's memory stays bounded. */
export const PRESCAN_MAX = 1 << 20;

let instance: Instance | null | undefined;
let enabled = true;
let lastText: string | undefined;
let lastRuns: Runs | undefined;

function load(): Instance | null {
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (wasm === undefined) return null;
    const inst = new wasm.Instance(new wasm.Module(prescanModuleBytes()), {});
    const memory = inst.exports['memory'] as WasmMemory;
    const scan = inst.exports['scan'] as Instance['scan'];
    const bytes = Buffer.from(memory.buffer);
    const automaton = hintAutomaton(KEY_HINT_WORDS);
    bytes.set(automaton.next, AUTOMATON);
    bytes.set(automaton.final, FINAL);
    bytes.set(SYMBOL_OF, SYMBOL_TABLE);
    return { memory, scan, bytes };
  } catch {
    // without WebAssembly (e.g. --jitless) the JavaScript probes do the same work
    return null;
  }
}

/**
 * Turns the pre-scan off (the detectors then probe in JavaScript) or back on; returns the previous
 * setting. For the tests and benchmarks that compare both paths.
 */
export function setPrescanEnabled(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  lastText = undefined;
  lastRuns = undefined;
  return was;
}

/**
 * The number and base64 runs of `text`, or undefined when the text is scanned by the JavaScript
 * probes instead (short, huge, or no WebAssembly). Both detectors of one batch ask for the same
 * text, so the last result is kept; the arrays are reused by the next call.
 */
export function prescan(text: string): Runs | undefined {
  const n = text.length;
  if (!enabled || n <= PRESCAN_MIN || n > PRESCAN_MAX) return undefined;
  if (text === lastText) return lastRuns;
  if (instance === undefined) instance = load();
  if (instance === null) return undefined;
  const inst = instance;
  // whole 64-character words up to and including the one holding position n, which reads as 0
  const textEnd = TEXT + 128 * (Math.floor(n / 64) + 1);
  const numOut = textEnd;
  const numCap = Math.floor(n / (MIN_NUMBER_RUN + 1)) + 1;
  const b64Out = numOut + 12 * numCap;
  const b64Cap = Math.floor(n / (MIN_B64_RUN + 1)) + 1;
  const listOut = b64Out + 8 * b64Cap;
  const listCap = 4 * (n + 1);
  const need = listOut + LISTS * listCap;
  if (inst.memory.buffer.byteLength < need) {
    inst.memory.grow(Math.ceil((need - inst.memory.buffer.byteLength) / 65536));
    inst.bytes = Buffer.from(inst.memory.buffer);
  }
  inst.bytes.write(text, TEXT, 2 * n, 'utf16le');
  inst.bytes.fill(0, TEXT + 2 * n, textEnd);
  const numCount = inst.scan(n, numOut, b64Out, listOut, listCap);
  const b64Count = inst.bytes.readInt32LE(B64_COUNT);
  const list = (k: number): Int32Array =>
    new Int32Array(inst.memory.buffer, listOut + k * listCap, inst.bytes.readInt32LE(LIST_COUNT + 4 * k));
  lastText = text;
  lastRuns = {
    num: new Int32Array(inst.memory.buffer, numOut, 3 * numCount),
    numCount,
    b64: new Int32Array(inst.memory.buffer, b64Out, 2 * b64Count),
    b64Count,
    iban: list(0),
    upperVendor: list(1),
    bearer: list(2),
    basic: list(3),
    url: list(4),
    flag: list(5),
    lowerVendor: list(6),
    keyRunEnds: list(KEY_LIST),
  };
  return lastRuns;
}
