/* eslint-disable max-lines -- the instruction listing of the pre-scan; issue 19 moves it to a checked-in .wat (ADR 0012) */
/**
 * The run pre-scan in WebAssembly: one pass over a text that lists every maximal run of
 * number characters (`[\d .()+-]`) and of base64 characters (`[A-Za-z0-9+/]`) a detector can use,
 * so the number and bare-base64 detectors read the text only around those runs.
 *
 * The module is assembled here, from the instruction listing below, when first needed: there is no
 * binary artefact to rebuild or trust, and no build step. The text is copied into the module's
 * memory as UTF-16 code units, so offsets are the string's own and a character outside ASCII is
 * never in a class, exactly as in the JavaScript tables.
 */

import { KEY_HINT_WORDS } from './key-hints.js';

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

/** A number-shaped run lists fewer than this many digits and dots only when no detector can match. */
const MIN_DIGITS = 8;
const MIN_DOTS = 3;

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

// --- a minimal assembler for the instructions used below ----------------------------------------

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};

const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};

type Code = number[];
const I32 = 0x7f;
const I64 = 0x7e;
const V128 = 0x7b;
const simd = (opcode: number): Code => [0xfd, ...uleb(opcode)];
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (l: number): Code => [0x0c, ...uleb(l)],
  brIf: (l: number): Code => [0x0d, ...uleb(l)],
  get: (l: number): Code => [0x20, ...uleb(l)],
  set: (l: number): Code => [0x21, ...uleb(l)],
  tee: (l: number): Code => [0x22, ...uleb(l)],
  i32Store: (offset: number): Code => [0x36, 2, ...uleb(offset)],
  i32: (n: number): Code => [0x41, ...sleb(n)],
  i64: (n: number): Code => [0x42, ...sleb(n)],
  i32Eqz: [0x45],
  i32Eq: [0x46],
  i32GtS: [0x4a],
  i32LtU: [0x49],
  i32And: [0x71],
  select: [0x1b],
  load8u: (offset: number): Code => [0x2d, 0, ...uleb(offset)],
  load16u: (offset: number): Code => [0x2f, 1, ...uleb(offset)],
  i32GtU: [0x4b],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32DivU: [0x6e],
  i32Or: [0x72],
  i32Shl: [0x74],
  i64Eqz: [0x50],
  i64Clz: [0x79],
  i64Ctz: [0x7a],
  i64Popcnt: [0x7b],
  i64Sub: [0x7d],
  i64And: [0x83],
  i64Or: [0x84],
  i64Xor: [0x85],
  i64Shl: [0x86],
  i64ShrU: [0x88],
  wrap: [0xa7],
  extendU: [0xad],
  v128Load: (offset: number): Code => [...simd(0x00), 4, ...uleb(offset)],
  v128Const: (bytes: number): Code => [...simd(0x0c), ...new Array<number>(16).fill(bytes)],
  i8x16Eq: simd(0x23),
  i8x16LtU: simd(0x26),
  v128Or: simd(0x50),
  i8x16Bitmask: simd(0x64),
  i8x16NarrowU: simd(0x66),
  i8x16Sub: simd(0x71),
};

const section = (id: number, body: Code): Code => [id, ...uleb(body.length), ...body];
const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
const name = (s: string): Code => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

// Parameters (i32): n characters, where number runs go, where base64 runs go, where the candidate
// lists go, and the bytes each list may take.
const [N, NUM_OUT, B64_OUT, LIST_OUT, LIST_CAP] = [0, 1, 2, 3, 4];
const PARAMS = 5;
let nextLocal = PARAMS;
type Tuple<N extends number, T extends number[] = []> = T['length'] extends N ? T : Tuple<N, [...T, number]>;
/** The indices of `count` new locals. */
const locals = <N extends number>(count: N): Tuple<N> =>
  Array.from({ length: count }, () => nextLocal++) as Tuple<N>;
// i32 locals
const [BASE, NP, BP, POS, START, D0, T0, D1, T1, DBASE, TBASE, LAST_N, LAST_ND, LAST_NT, LAST_B, HB] =
  locals(16);
/** One write pointer per candidate list. */
const LIST_PTR = locals(8);
/** The list of key-run ends comes after the literal lists. */
const KEY_LIST = 7;
// key runs: last non-separator position, last key character and the start of its run, and scratch
const [LNS, LKC, LKCS, Q, KS, ST, KI] = locals(7);
const I32_LOCALS = nextLocal - PARAMS;
// i64 locals: the masks of one 64-character word (bit i = character base + i), each with its value
// for the previous word, which shifts bring in across the word boundary
const L64 = nextLocal;
const [R, G, T, B, RP, N2, N2P, N7, N7P, BQ, B2, B2P, B4, B4P, B8, B8P, B16, B16P, B40, B40P, X, Y] =
  locals(22);
/** Letter masks for the literal candidates, each with its previous-word value. */
const [U, UP, GP, EA, EAP, EG, EGP, EO, ES, ESP, CB, CBP, CE, CEP, CA, CAP, CS, CSP, CI, CIP, CR, CC] =
  locals(22);
/** Key characters, the separators allowed between a key and its delimiter, delimiters, scratch. */
const [KCM, SKM, DLM, Z] = locals(4);
/** `:`, `/`, `-` and any ASCII letter, for `://` and `--flag`, with previous-word values. */
const [COLON, COLONP, SLASH, SLASHP, DASH, DASHP, AL] = locals(7);
/** Letters (either case) and `_` for the lower-case vendor prefixes; the groups of their ends. */
const [CG, CGP, CH, CHP, USC, CT, CTP, CX, CXP, CO, CK, CKP, CW, CWP, CM, CMP, CP, CPP] = locals(18);
const [K1, K1P, K2, K2P, K3, K3P] = locals(6);
const I64_LOCALS = nextLocal - L64;
// v128 locals: the 16 characters being classified, and the same with ASCII letters in lower case
const V = nextLocal++;
const VL = nextLocal++;

/** `(x << s) | (previous x >>> (64 - s))`: x moved s characters later, across the word boundary. */
const later = (x: number, prev: number, s: number): Code => [
  ...op.get(x),
  ...op.i64(s),
  ...op.i64Shl,
  ...op.get(prev),
  ...op.i64(64 - s),
  ...op.i64ShrU,
  ...op.i64Or,
];

/** Bits of `mask` below bit `bit` (an i32 local), counted. */
const countBelow = (mask: number, bit: number): Code => [
  ...op.get(mask),
  ...op.i64(1),
  ...op.get(bit),
  ...op.extendU,
  ...op.i64Shl,
  ...op.i64(1),
  ...op.i64Sub,
  ...op.i64And,
  ...op.i64Popcnt,
  ...op.wrap,
];

const and = (...parts: Code[]): Code => [
  ...parts[0]!,
  ...parts.slice(1).flatMap((p) => [...p, ...op.i64And]),
];
const setTo = (local: number, code: Code): Code => [...code, ...op.set(local)];
const notCode = (code: Code): Code => [...code, ...op.i64(-1), ...op.i64Xor];

const eqV = (v: number, c: number): Code => [...op.get(v), ...op.v128Const(c), ...op.i8x16Eq];
const rangeV = (lo: number, len: number): Code => [
  ...op.get(V),
  ...op.v128Const(lo),
  ...op.i8x16Sub,
  ...op.v128Const(len),
  ...op.i8x16LtU,
];
const anyOf = (parts: Code[]): Code => [...parts[0]!, ...parts.slice(1).flatMap((p) => [...p, ...op.v128Or])];
/** A letter in either case: VL holds every byte ORed with 0x20, which maps only `A-Z` onto `a-z`. */
const letter = (c: string): Code => eqV(VL, c.charCodeAt(0));
const exact = (c: string): Code => eqV(V, c.charCodeAt(0));

/** Each 64-bit mask local and the byte-vector test that sets its bits. */
const CLASSES: ReadonlyArray<readonly [number, Code]> = [
  [R, anyOf([rangeV(48, 10), ...[32, 41, 45, 46, 43, 40].map((c) => eqV(V, c))])],
  [G, rangeV(48, 10)],
  [T, eqV(V, 46)],
  [BQ, anyOf([rangeV(48, 10), rangeV(65, 26), rangeV(97, 26), eqV(V, 43), eqV(V, 47)])],
  [U, rangeV(65, 26)],
  [EA, exact('A')],
  [EG, exact('G')],
  [EO, exact('O')],
  [ES, exact('S')],
  [CB, letter('b')],
  [CE, letter('e')],
  [CA, letter('a')],
  [CS, letter('s')],
  [CI, letter('i')],
  [CR, letter('r')],
  [CC, letter('c')],
  // key characters `[A-Za-z0-9_.\[\]-]`
  [
    KCM,
    anyOf([rangeV(48, 10), rangeV(65, 26), rangeV(97, 26), ...[95, 45, 46, 91, 93].map((c) => eqV(V, c))]),
  ],
  // what may stand between a key and its delimiter: blanks, a quote, a backslash
  [SKM, anyOf([32, 9, 34, 39, 92].map((c) => eqV(V, c)))],
  [DLM, anyOf([eqV(V, 61), eqV(V, 58)])],
  [COLON, eqV(V, 58)],
  [SLASH, eqV(V, 47)],
  [DASH, eqV(V, 45)],
  [AL, [...op.get(VL), ...op.v128Const(97), ...op.i8x16Sub, ...op.v128Const(26), ...op.i8x16LtU]],
  [CG, letter('g')],
  [CH, letter('h')],
  [USC, exact('_')],
  [CT, letter('t')],
  [CX, letter('x')],
  [CO, letter('o')],
  [CK, letter('k')],
  [CW, letter('w')],
  [CM, letter('m')],
  [CP, letter('p')],
];

/** Every class mask of the 64-character word at BASE. */
const wordMasks = (): Code => {
  const code: Code = [];
  for (const [local] of CLASSES) code.push(...op.i64(0), ...op.set(local));
  for (let q = 0; q < 4; q++) {
    // 16 UTF-16 code units narrowed to bytes, saturating: beyond Latin-1 reads as 255 or 0, in no class
    code.push(...op.get(BASE), ...op.get(BASE), ...op.i32Add, ...op.v128Load(TEXT + 32 * q));
    code.push(...op.get(BASE), ...op.get(BASE), ...op.i32Add, ...op.v128Load(TEXT + 32 * q + 16));
    code.push(...op.i8x16NarrowU, ...op.tee(V), ...op.v128Const(0x20), ...op.v128Or, ...op.set(VL));
    for (const [local, test] of CLASSES) {
      code.push(
        ...op.get(local),
        ...test,
        ...op.i8x16Bitmask,
        ...op.extendU,
        ...op.i64(16 * q),
        ...op.i64Shl,
      );
      code.push(...op.i64Or, ...op.set(local));
    }
  }
  return code;
};

/**
 * Literal candidates, as masks of where the literal's last tested character is and how far back
 * its first one lies. A superset of the places a detector's regex can start; the detector runs it
 * anchored at each one, in order.
 */
const LISTS: ReadonlyArray<readonly [Code, number]> = [
  // IBAN: [A-Z]{2}\d{2}
  [and(op.get(G), later(G, GP, 1), later(U, UP, 2), later(U, UP, 3)), 3],
  // AKIA… and the other AWS prefixes, AIza, GOCSPX-, SG.
  [
    [
      ...and(op.get(U), later(EA, EAP, 1)),
      ...and(op.get(EO), later(EG, EGP, 1)),
      ...op.i64Or,
      ...and(op.get(EG), later(ES, ESP, 1)),
      ...op.i64Or,
    ],
    1,
  ],
  // Bearer, bearer, BEARER
  [and(op.get(CR), later(CA, CAP, 1), later(CE, CEP, 2), later(CB, CBP, 3)), 3],
  // Basic, basic, BASIC
  [and(op.get(CC), later(CI, CIP, 1), later(CS, CSP, 2), later(CA, CAP, 3), later(CB, CBP, 4)), 4],
  // ://
  [and(op.get(SLASH), later(SLASH, SLASHP, 1), later(COLON, COLONP, 2)), 2],
  // --flag
  [and(op.get(AL), later(DASH, DASHP, 1), later(DASH, DASHP, 2)), 2],
  // gh?_, gith(ub_pat_), npm_ (ending 3 after the start); xo(x), xa(pp-), wh(sec_) (1); sk_, rk_,
  // sk- (2); https://h(ooks.) (8): all moved to end 8 after the start
  [
    [
      ...setTo(K3, [
        ...and(op.get(USC), later(CH, CHP, 2), later(CG, CGP, 3)),
        ...and(op.get(CH), later(CT, CTP, 1), later(CI, CIP, 2), later(CG, CGP, 3)),
        ...op.i64Or,
        ...and(op.get(USC), later(CM, CMP, 1), later(CP, CPP, 2)),
        ...op.i64Or,
      ]),
      ...setTo(K1, [
        ...op.get(CO),
        ...op.get(CA),
        ...op.i64Or,
        ...later(CX, CXP, 1),
        ...op.i64And,
        ...and(op.get(CH), later(CW, CWP, 1)),
        ...op.i64Or,
      ]),
      ...setTo(K2, [...op.get(USC), ...op.get(DASH), ...op.i64Or, ...later(CK, CKP, 1), ...op.i64And]),
      ...later(K3, K3P, 5),
      ...later(K2, K2P, 6),
      ...op.i64Or,
      ...later(K1, K1P, 7),
      ...op.i64Or,
      ...and(op.get(CH), later(SLASH, SLASHP, 1), later(SLASH, SLASHP, 2), later(COLON, COLONP, 3)),
      ...op.i64Or,
      ...setTo(K1P, op.get(K1)),
      ...setTo(K2P, op.get(K2)),
      ...setTo(K3P, op.get(K3)),
    ],
    8,
  ],
];
/** Where each list's count is stored. */
const LIST_COUNT = B64_COUNT + 4;

/** Appends base + bit − back for every set bit of the mask in X (consumed) to list k. */
const emitBits = (k: number, back: number): Code => [
  ...op.block,
  ...op.loop,
  ...op.get(X),
  ...op.i64Eqz,
  ...op.brIf(1),
  ...op.get(LIST_PTR[k]!),
  ...op.get(BASE),
  ...op.get(X),
  ...op.i64Ctz,
  ...op.wrap,
  ...op.i32Add,
  ...op.i32(back),
  ...op.i32Sub,
  ...op.i32Store(0),
  ...op.get(LIST_PTR[k]!),
  ...op.i32(4),
  ...op.i32Add,
  ...op.set(LIST_PTR[k]!),
  ...op.get(X),
  ...op.get(X),
  ...op.i64(1),
  ...op.i64Sub,
  ...op.i64And,
  ...op.set(X),
  ...op.br(0),
  ...op.end,
  ...op.end,
];

/**
 * For each run end in `ends` (an i64 local, consumed): the run started at the highest bit of
 * `starts` below it, or before this word (`lastStart`). `emit` gets START, POS (end) and, when
 * `counted`, the digit and dot counts in D1 − D0 and T1 − T0.
 */
const eachRunEnd = (ends: number, starts: number, lastStart: number, counted: boolean, emit: Code): Code => [
  ...op.block,
  ...op.loop,
  ...op.get(ends),
  ...op.i64Eqz,
  ...op.brIf(1),
  ...op.get(ends),
  ...op.i64Ctz,
  ...op.wrap,
  ...op.set(POS),
  ...op.get(starts),
  ...op.i64(1),
  ...op.get(POS),
  ...op.extendU,
  ...op.i64Shl,
  ...op.i64(1),
  ...op.i64Sub,
  ...op.i64And,
  ...op.set(Y),
  ...op.get(Y),
  ...op.i64Eqz,
  ...op.if,
  ...op.get(lastStart),
  ...op.set(START),
  ...(counted ? [...op.get(LAST_ND), ...op.set(D0), ...op.get(LAST_NT), ...op.set(T0)] : []),
  ...op.else,
  ...op.i32(63),
  ...op.get(Y),
  ...op.i64Clz,
  ...op.wrap,
  ...op.i32Sub,
  ...op.set(HB),
  ...op.get(BASE),
  ...op.get(HB),
  ...op.i32Add,
  ...op.set(START),
  ...(counted
    ? [
        ...op.get(DBASE),
        ...countBelow(G, HB),
        ...op.i32Add,
        ...op.set(D0),
        ...op.get(TBASE),
        ...countBelow(T, HB),
        ...op.i32Add,
        ...op.set(T0),
      ]
    : []),
  ...op.end,
  ...(counted
    ? [
        ...op.get(DBASE),
        ...countBelow(G, POS),
        ...op.i32Add,
        ...op.set(D1),
        ...op.get(TBASE),
        ...countBelow(T, POS),
        ...op.i32Add,
        ...op.set(T1),
      ]
    : []),
  ...op.get(BASE),
  ...op.get(POS),
  ...op.i32Add,
  ...op.set(POS),
  ...emit,
  // clear the lowest set bit
  ...op.get(ends),
  ...op.get(ends),
  ...op.i64(1),
  ...op.i64Sub,
  ...op.i64And,
  ...op.set(ends),
  ...op.br(0),
  ...op.end,
  ...op.end,
];

/** After a word: the last run start in it, if any, becomes `lastStart` (with its counts). */
const carryStart = (starts: number, lastStart: number, counted: boolean): Code => [
  ...op.get(starts),
  ...op.i64Eqz,
  ...op.i32Eqz,
  ...op.if,
  ...op.i32(63),
  ...op.get(starts),
  ...op.i64Clz,
  ...op.wrap,
  ...op.i32Sub,
  ...op.set(HB),
  ...op.get(BASE),
  ...op.get(HB),
  ...op.i32Add,
  ...op.set(lastStart),
  ...(counted
    ? [
        ...op.get(DBASE),
        ...countBelow(G, HB),
        ...op.i32Add,
        ...op.set(LAST_ND),
        ...op.get(TBASE),
        ...countBelow(T, HB),
        ...op.i32Add,
        ...op.set(LAST_NT),
      ]
    : []),
  ...op.end,
];

const emitNumber: Code = [
  // at least eight digits or three dots
  ...op.get(D1),
  ...op.get(D0),
  ...op.i32Sub,
  ...op.i32(MIN_DIGITS),
  ...op.i32GeU,
  ...op.get(T1),
  ...op.get(T0),
  ...op.i32Sub,
  ...op.i32(MIN_DOTS),
  ...op.i32GeU,
  ...op.i32Or,
  ...op.if,
  ...op.get(NP),
  ...op.get(START),
  ...op.i32Store(0),
  ...op.get(NP),
  ...op.get(POS),
  ...op.i32Store(4),
  ...op.get(NP),
  ...op.get(D1),
  ...op.get(D0),
  ...op.i32Sub,
  ...op.i32Store(8),
  ...op.get(NP),
  ...op.i32(12),
  ...op.i32Add,
  ...op.set(NP),
  ...op.end,
];

const emitB64: Code = [
  ...op.get(BP),
  ...op.get(START),
  ...op.i32Store(0),
  ...op.get(BP),
  ...op.get(POS),
  ...op.i32Store(4),
  ...op.get(BP),
  ...op.i32(8),
  ...op.i32Add,
  ...op.set(BP),
];

const highBit = (mask: Code): Code => [...op.i32(63), ...mask, ...op.i64Clz, ...op.wrap, ...op.i32Sub];
const lowMask = (bit: Code): Code => [
  ...op.i64(1),
  ...bit,
  ...op.extendU,
  ...op.i64Shl,
  ...op.i64(1),
  ...op.i64Sub,
];
/**
 * KS = the start of the key run that ends in this word at bit `bit` (i32 code): after the highest
 * non-key character below it, or, when there is none, where the run from the previous word began.
 */
const keyRunStart = (bit: Code): Code => [
  ...setTo(Y, and(notCode(op.get(KCM)), lowMask(bit))),
  ...op.get(Y),
  ...op.i64Eqz,
  ...op.if,
  ...op.get(LKCS),
  ...op.get(BASE),
  ...op.get(LKC),
  ...op.get(BASE),
  ...op.i32(1),
  ...op.i32Sub,
  ...op.i32Eq,
  ...op.select,
  ...op.set(KS),
  ...op.else,
  ...op.get(BASE),
  ...highBit(op.get(Y)),
  ...op.i32Add,
  ...op.i32(1),
  ...op.i32Add,
  ...op.set(KS),
  ...op.end,
];

/**
 * Key runs before a delimiter that hold a hint word: for each `=` or `:` of the word, the last
 * character before it that is not a blank, quote or backslash must be a key character; the run it
 * ends is fed to the hint automaton, and its end goes to the last list when a word is found. The
 * detector checks the exact delimiter grammar itself, so this only has to be a superset.
 */
const keyRuns = (): Code => [
  ...setTo(X, op.get(DLM)),
  ...op.block,
  ...op.loop,
  ...op.get(X),
  ...op.i64Eqz,
  ...op.brIf(1),
  ...setTo(Z, and(notCode(op.get(SKM)), lowMask([...op.get(X), ...op.i64Ctz, ...op.wrap]))),
  ...op.get(Z),
  ...op.i64Eqz,
  ...op.if,
  ...setTo(Q, op.get(LNS)),
  ...setTo(KI, [...op.get(LNS), ...op.get(LKC), ...op.i32Eq]),
  ...setTo(KS, op.get(LKCS)),
  ...op.else,
  ...setTo(Q, [...op.get(BASE), ...highBit(op.get(Z)), ...op.i32Add]),
  ...setTo(KI, [
    ...op.get(KCM),
    ...op.get(Q),
    ...op.get(BASE),
    ...op.i32Sub,
    ...op.extendU,
    ...op.i64ShrU,
    ...op.wrap,
    ...op.i32(1),
    ...op.i32And,
  ]),
  ...keyRunStart([...op.get(Q), ...op.get(BASE), ...op.i32Sub]),
  ...op.end,
  ...op.get(KI),
  ...op.if,
  ...setTo(ST, op.i32(0)),
  ...op.block,
  ...op.loop,
  ...op.get(KS),
  ...op.get(Q),
  ...op.i32GtS,
  ...op.brIf(1),
  // the character's symbol, from the table for ASCII (beyond it, NUL's: anything else)
  ...op.get(KS),
  ...op.get(KS),
  ...op.i32Add,
  ...op.load16u(TEXT),
  ...op.tee(KI),
  ...op.i32(0),
  ...op.get(KI),
  ...op.i32(128),
  ...op.i32LtU,
  ...op.select,
  ...op.load8u(SYMBOL_TABLE),
  ...op.get(ST),
  ...op.i32(SYMBOLS),
  ...op.i32Mul,
  ...op.i32Add,
  ...op.load8u(AUTOMATON),
  ...op.tee(ST),
  ...op.load8u(FINAL),
  ...op.if,
  ...op.get(LIST_PTR[KEY_LIST]),
  ...op.get(Q),
  ...op.i32(1),
  ...op.i32Add,
  ...op.i32Store(0),
  ...op.get(LIST_PTR[KEY_LIST]),
  ...op.i32(4),
  ...op.i32Add,
  ...op.set(LIST_PTR[KEY_LIST]),
  ...op.br(2),
  ...op.end,
  ...op.get(KS),
  ...op.i32(1),
  ...op.i32Add,
  ...op.set(KS),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...op.end,
  ...op.get(X),
  ...op.get(X),
  ...op.i64(1),
  ...op.i64Sub,
  ...op.i64And,
  ...op.set(X),
  ...op.br(0),
  ...op.end,
  ...op.end,
  // carried to the next word: the last non-separator, the last key character and its run's start
  ...setTo(Z, notCode(op.get(SKM))),
  ...op.get(Z),
  ...op.i64Eqz,
  ...op.i32Eqz,
  ...op.if,
  ...setTo(LNS, [...op.get(BASE), ...highBit(op.get(Z)), ...op.i32Add]),
  ...op.end,
  ...op.get(KCM),
  ...op.i64Eqz,
  ...op.i32Eqz,
  ...op.if,
  ...setTo(HB, highBit(op.get(KCM))),
  ...keyRunStart(op.get(HB)),
  ...setTo(LKC, [...op.get(BASE), ...op.get(HB), ...op.i32Add]),
  ...setTo(LKCS, op.get(KS)),
  ...op.end,
];

/**
 * `scan(n, numOut, b64Out)`: the text (UTF-16, at TEXT, zero-padded to whole 64-character words
 * past `n`) is classified 16 characters at a time into 64-bit masks per word; runs of at least 7
 * number characters and at least 40 base64 characters are found with shifts (a run of k ends where
 * the mask ANDed with itself moved 1…k−1 characters later is set), and only their ends are
 * visited. Number runs holding at least eight digits or three dots go to `numOut` as
 * `[start, end, digits]`, base64 runs to `b64Out` as `[start, end]`, both in text order. Returns
 * the number-run count and stores the base64-run count at {@link B64_COUNT}.
 */
const SCAN_BODY: Code = [
  ...op.get(NUM_OUT),
  ...op.set(NP),
  ...op.get(B64_OUT),
  ...op.set(BP),
  ...LIST_PTR.flatMap((ptr, k) => [
    ...op.get(LIST_OUT),
    ...op.get(LIST_CAP),
    ...op.i32(k),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(ptr),
  ]),
  ...setTo(LNS, op.i32(-1)),
  ...setTo(LKC, op.i32(-2)),
  ...op.block,
  ...op.loop,
  ...wordMasks(),
  ...LISTS.flatMap(([mask, back], k) => [...setTo(X, mask), ...emitBits(k, back)]),
  ...keyRuns(),
  ...[
    [UP, U],
    [GP, G],
    [EAP, EA],
    [EGP, EG],
    [ESP, ES],
    [CBP, CB],
    [CEP, CE],
    [CAP, CA],
    [CSP, CS],
    [CIP, CI],
    [COLONP, COLON],
    [SLASHP, SLASH],
    [DASHP, DASH],
    [CGP, CG],
    [CHP, CH],
    [CTP, CT],
    [CXP, CX],
    [CKP, CK],
    [CWP, CW],
    [CMP, CM],
    [CPP, CP],
  ].flatMap(([prev, cur]) => setTo(prev!, op.get(cur!))),
  // number runs of 7 or more: N2 = 2 in a row, N4 = 4, N6 = N4 and N2 four back, N7 = N6 and R six back
  ...setTo(N2, and(op.get(R), later(R, RP, 1))),
  ...setTo(N7, and(op.get(N2), later(N2, N2P, 2), later(N2, N2P, 4), later(R, RP, 6))),
  // ends of long runs: not a run character, after a character ending 7 in a row
  ...setTo(X, and(notCode(op.get(R)), later(N7, N7P, 1))),
  // starts: a run character after one that is not (kept in Y's sibling, recomputed per use)
  ...setTo(N2P, op.get(N2)),
  ...setTo(N7P, op.get(N7)),
  ...setTo(N2, and(op.get(R), notCode(later(R, RP, 1)))),
  ...eachRunEnd(X, N2, LAST_N, true, emitNumber),
  ...carryStart(N2, LAST_N, true),
  ...setTo(RP, op.get(R)),
  // base64 runs of 40 or more, by doubling: 2, 4, 8, 16, 32, then 32 and 8 thirty-two back
  ...setTo(B2, and(op.get(BQ), later(BQ, B, 1))),
  ...setTo(B4, and(op.get(B2), later(B2, B2P, 2))),
  ...setTo(B8, and(op.get(B4), later(B4, B4P, 4))),
  ...setTo(B16, and(op.get(B8), later(B8, B8P, 8))),
  ...setTo(X, and(op.get(B16), later(B16, B16P, 16))),
  ...setTo(B40, and(op.get(X), later(B8, B8P, 32))),
  ...setTo(X, and(notCode(op.get(BQ)), later(B40, B40P, 1))),
  ...setTo(Y, and(op.get(BQ), notCode(later(BQ, B, 1)))),
  ...setTo(B2P, op.get(B2)),
  ...setTo(B4P, op.get(B4)),
  ...setTo(B8P, op.get(B8)),
  ...setTo(B16P, op.get(B16)),
  ...setTo(B40P, op.get(B40)),
  // Y holds the starts; eachRunEnd needs it intact per end, so it goes through N2 (free by now)
  ...setTo(N2, op.get(Y)),
  ...eachRunEnd(X, N2, LAST_B, false, emitB64),
  ...carryStart(N2, LAST_B, false),
  ...setTo(B, op.get(BQ)),
  ...setTo(DBASE, [...op.get(DBASE), ...op.get(G), ...op.i64Popcnt, ...op.wrap, ...op.i32Add]),
  ...setTo(TBASE, [...op.get(TBASE), ...op.get(T), ...op.i64Popcnt, ...op.wrap, ...op.i32Add]),
  ...setTo(BASE, [...op.get(BASE), ...op.i32(64), ...op.i32Add]),
  // the word holding position n (a separator) is the last one
  ...op.get(BASE),
  ...op.get(N),
  ...op.i32GtU,
  ...op.brIf(1),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...op.i32(0),
  ...op.get(BP),
  ...op.get(B64_OUT),
  ...op.i32Sub,
  ...op.i32(8),
  ...op.i32DivU,
  ...op.i32Store(B64_COUNT),
  ...LIST_PTR.flatMap((ptr, k) => [
    ...op.i32(0),
    ...op.get(ptr),
    ...op.get(LIST_OUT),
    ...op.get(LIST_CAP),
    ...op.i32(k),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.i32Sub,
    ...op.i32(4),
    ...op.i32DivU,
    ...op.i32Store(LIST_COUNT + 4 * k),
  ]),
  ...op.get(NP),
  ...op.get(NUM_OUT),
  ...op.i32Sub,
  ...op.i32(12),
  ...op.i32DivU,
  ...op.end,
];

/** The module's bytes: one memory (exported as `memory`) and the function `scan`. */
export function prescanModuleBytes(): Uint8Array {
  const body = [
    ...vec([
      [...uleb(I32_LOCALS), I32],
      [...uleb(I64_LOCALS), I64],
      [2, V128],
    ]),
    ...SCAN_BODY,
  ];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([[I32]])]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(
      7,
      vec([
        [...name('memory'), 0x02, 0],
        [...name('scan'), 0x00, 0],
      ]),
    ),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
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
  const need = listOut + LIST_PTR.length * listCap;
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
