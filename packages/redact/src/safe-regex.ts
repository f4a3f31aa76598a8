/**
 * A conservative static check for regular expressions that can backtrack catastrophically
 * (exponentially) or polynomially on a long line. It parses the pattern and rejects:
 * nested variable quantifiers (`(a+)+`), repeated alternations whose branches can start alike
 * (`(a|ab)*`), repeated empty-matching bodies (`(a?)*`), adjacent unbounded quantifiers over
 * overlapping characters (`\d+\d*`, `.*.*`) and back-references. It errs on the side of refusing.
 */

const SET_SIZE = 129; // ASCII plus one bucket for everything else
const OTHER = 128;

type CharSet = Uint8Array;

type Node =
  | { t: 'chars'; set: CharSet }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'group'; body: Node; look: boolean }
  | { t: 'quant'; body: Node; min: number; max: number }
  | { t: 'assert' }
  | { t: 'backref' };

/** Why a pattern was refused, or undefined when it is accepted. */
export function unsafeRegexReason(source: string, flags = ''): string | undefined {
  if (source.length > 2000) return 'pattern longer than 2000 characters';
  let ast: Node;
  try {
    ast = new Parser(source, flags.includes('i'), flags.includes('s')).parse();
  } catch (e) {
    return e instanceof Error ? e.message : 'unparseable pattern';
  }
  return check(ast);
}

function emptySet(): CharSet {
  return new Uint8Array(SET_SIZE);
}
function fullSet(): CharSet {
  return new Uint8Array(SET_SIZE).fill(1);
}
function setOf(...codes: number[]): CharSet {
  const s = emptySet();
  for (const c of codes) s[c < 128 ? c : OTHER] = 1;
  return s;
}
function range(s: CharSet, from: number, to: number): void {
  for (let c = from; c <= Math.min(to, 127); c++) s[c] = 1;
  if (to >= 128) s[OTHER] = 1;
}
function union(a: CharSet, b: CharSet): CharSet {
  const s = emptySet();
  for (let i = 0; i < SET_SIZE; i++) s[i] = a[i]! | b[i]!;
  return s;
}
function negate(a: CharSet): CharSet {
  const s = emptySet();
  for (let i = 0; i < 128; i++) s[i] = a[i] ? 0 : 1;
  s[OTHER] = 1;
  return s;
}
function overlaps(a: CharSet, b: CharSet): boolean {
  for (let i = 0; i < SET_SIZE; i++) if (a[i] && b[i]) return true;
  return false;
}
function digitSet(): CharSet {
  const s = emptySet();
  range(s, 48, 57);
  return s;
}
function wordSet(): CharSet {
  const s = digitSet();
  range(s, 65, 90);
  range(s, 97, 122);
  s[95] = 1;
  return s;
}
function spaceSet(): CharSet {
  const s = setOf(32, 9, 10, 11, 12, 13);
  s[OTHER] = 1;
  return s;
}

class Parser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly ignoreCase: boolean,
    private readonly dotAll: boolean,
  ) {}

  parse(): Node {
    const node = this.alternation();
    if (this.pos < this.src.length) throw new Error(`unexpected ')' at ${this.pos}`);
    return node;
  }

  private alternation(): Node {
    const alts = [this.sequence()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      alts.push(this.sequence());
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length && this.src[this.pos] !== '|' && this.src[this.pos] !== ')') {
      const atom = this.atom();
      items.push(this.quantifier(atom));
    }
    return { t: 'seq', items };
  }

  private quantifier(atom: Node): Node {
    const ch = this.src[this.pos];
    let min: number;
    let max: number;
    if (ch === '*') [min, max] = [0, Infinity];
    else if (ch === '+') [min, max] = [1, Infinity];
    else if (ch === '?') [min, max] = [0, 1];
    else if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (m === null) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.pos += m[0].length - 1;
    } else return atom;
    this.pos++;
    if (this.src[this.pos] === '?') this.pos++;
    if (atom.t === 'assert') throw new Error('quantified assertion');
    return this.quantifier({ t: 'quant', body: atom, min, max });
  }

  private atom(): Node {
    const ch = this.src[this.pos]!;
    this.pos++;
    switch (ch) {
      case '^':
      case '$':
        return { t: 'assert' };
      case '.': {
        const s = fullSet();
        if (!this.dotAll) {
          s[10] = 0;
          s[13] = 0;
        }
        return { t: 'chars', set: s };
      }
      case '(':
        return this.group();
      case '[':
        return { t: 'chars', set: this.charClass() };
      case '\\':
        return this.escape(false) as Node;
      case '*':
      case '+':
      case '?':
        throw new Error(`nothing to repeat at ${this.pos - 1}`);
      default:
        return { t: 'chars', set: this.literal(ch.charCodeAt(0)) };
    }
  }

  private literal(c: number): CharSet {
    const s = setOf(c);
    if (this.ignoreCase) {
      if (c >= 65 && c <= 90) s[c + 32] = 1;
      if (c >= 97 && c <= 122) s[c - 32] = 1;
    }
    return s;
  }

  private group(): Node {
    let look = false;
    if (this.src[this.pos] === '?') {
      const rest = this.src.slice(this.pos, this.pos + 3);
      if (rest.startsWith('?:')) this.pos += 2;
      else if (rest.startsWith('?=') || rest.startsWith('?!')) {
        this.pos += 2;
        look = true;
      } else if (rest.startsWith('?<=') || rest.startsWith('?<!')) {
        this.pos += 3;
        look = true;
      } else if (rest.startsWith('?<')) {
        const close = this.src.indexOf('>', this.pos);
        if (close === -1) throw new Error('unterminated group name');
        this.pos = close + 1;
      } else throw new Error(`unsupported group at ${this.pos}`);
    }
    const body = this.alternation();
    if (this.src[this.pos] !== ')') throw new Error('unterminated group');
    this.pos++;
    return look ? { t: 'group', body, look: true } : { t: 'group', body, look: false };
  }

  private charClass(): CharSet {
    let negated = false;
    if (this.src[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    let s = emptySet();
    let first = true;
    while (this.pos < this.src.length && (this.src[this.pos] !== ']' || (first && false))) {
      first = false;
      let lo: number | CharSet;
      const ch = this.src[this.pos]!;
      this.pos++;
      if (ch === '\\') lo = this.escape(true) as number | CharSet;
      else lo = ch.charCodeAt(0);
      if (
        typeof lo === 'number' &&
        this.src[this.pos] === '-' &&
        this.src[this.pos + 1] !== ']' &&
        this.pos + 1 < this.src.length
      ) {
        this.pos++;
        const hiCh = this.src[this.pos]!;
        this.pos++;
        const hi = hiCh === '\\' ? this.escape(true) : hiCh.charCodeAt(0);
        if (typeof hi !== 'number') throw new Error('bad class range');
        if (hi < lo) throw new Error('class range out of order');
        range(s, lo, hi);
        if (this.ignoreCase) {
          for (let c = Math.max(lo, 65); c <= Math.min(hi, 90); c++) s[c + 32] = 1;
          for (let c = Math.max(lo, 97); c <= Math.min(hi, 122); c++) s[c - 32] = 1;
        }
      } else if (typeof lo === 'number') s = union(s, this.literal(lo));
      else s = union(s, lo);
    }
    if (this.src[this.pos] !== ']') throw new Error('unterminated character class');
    this.pos++;
    return negated ? negate(s) : s;
  }

  /** Returns a code point, a set, or (outside classes) a node. */
  private escape(inClass: boolean): number | CharSet | Node {
    const ch = this.src[this.pos];
    if (ch === undefined) throw new Error('trailing backslash');
    this.pos++;
    const wrap = (s: CharSet): CharSet | Node => (inClass ? s : { t: 'chars', set: s });
    switch (ch) {
      case 'd':
        return wrap(digitSet());
      case 'D':
        return wrap(negate(digitSet()));
      case 'w':
        return wrap(wordSet());
      case 'W':
        return wrap(negate(wordSet()));
      case 's':
        return wrap(spaceSet());
      case 'S':
        return wrap(negate(spaceSet()));
      case 'b':
        return inClass ? 8 : { t: 'assert' };
      case 'B':
        if (inClass) throw new Error('\\B in class');
        return { t: 'assert' };
      case 'n':
        return this.code(10, inClass);
      case 'r':
        return this.code(13, inClass);
      case 't':
        return this.code(9, inClass);
      case 'v':
        return this.code(11, inClass);
      case 'f':
        return this.code(12, inClass);
      case '0':
        return this.code(0, inClass);
      case 'x': {
        const m = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.pos));
        if (m === null) throw new Error('bad \\x escape');
        this.pos += 2;
        return this.code(parseInt(m[0], 16), inClass);
      }
      case 'u': {
        const m = /^(?:[0-9A-Fa-f]{4}|\{[0-9A-Fa-f]{1,6}\})/.exec(this.src.slice(this.pos));
        if (m === null) throw new Error('bad \\u escape');
        this.pos += m[0].length;
        return this.code(parseInt(m[0].replace(/[{}]/g, ''), 16), inClass);
      }
      case 'c':
        this.pos++;
        return this.code(0, inClass);
      case 'p':
      case 'P': {
        const close = this.src.indexOf('}', this.pos);
        if (this.src[this.pos] !== '{' || close === -1) throw new Error('bad property escape');
        this.pos = close + 1;
        const s = wordSet();
        s[OTHER] = 1;
        return wrap(ch === 'P' ? fullSet() : s);
      }
      case 'k':
        throw new Error('back-references are not allowed');
      default:
        if (ch >= '1' && ch <= '9') {
          if (inClass) throw new Error('bad escape in class');
          throw new Error('back-references are not allowed');
        }
        return this.code(ch.charCodeAt(0), inClass);
    }
  }

  private code(c: number, inClass: boolean): number | Node {
    return inClass ? c : { t: 'chars', set: this.literal(c) };
  }
}

interface Info {
  first: CharSet;
  chars: CharSet;
  nullable: boolean;
  variable: boolean;
  unbounded: boolean;
}

function info(n: Node): Info {
  switch (n.t) {
    case 'chars':
      return { first: n.set, chars: n.set, nullable: false, variable: false, unbounded: false };
    case 'assert':
    case 'backref':
      return { first: emptySet(), chars: emptySet(), nullable: true, variable: false, unbounded: false };
    case 'group':
      return n.look
        ? { first: emptySet(), chars: emptySet(), nullable: true, variable: false, unbounded: false }
        : info(n.body);
    case 'quant': {
      const b = info(n.body);
      return {
        first: b.first,
        chars: b.chars,
        nullable: n.min === 0 || b.nullable,
        variable: b.variable || n.min !== n.max,
        unbounded: b.unbounded || n.max === Infinity,
      };
    }
    case 'alt': {
      const infos = n.alts.map(info);
      let first = emptySet();
      let chars = emptySet();
      for (const i of infos) {
        first = union(first, i.first);
        chars = union(chars, i.chars);
      }
      return {
        first,
        chars,
        nullable: infos.some((i) => i.nullable),
        variable: true,
        unbounded: infos.some((i) => i.unbounded),
      };
    }
    case 'seq': {
      let first = emptySet();
      let chars = emptySet();
      let nullable = true;
      let variable = false;
      let unbounded = false;
      for (const item of n.items) {
        const i = info(item);
        if (nullable) first = union(first, i.first);
        chars = union(chars, i.chars);
        nullable = nullable && i.nullable;
        variable = variable || i.variable;
        unbounded = unbounded || i.unbounded;
      }
      return { first, chars, nullable, variable, unbounded };
    }
  }
}

function containsVariableQuant(n: Node): boolean {
  switch (n.t) {
    case 'quant':
      return n.min !== n.max || containsVariableQuant(n.body);
    case 'group':
      return !n.look && containsVariableQuant(n.body);
    case 'seq':
      return n.items.some(containsVariableQuant);
    case 'alt':
      return n.alts.some(containsVariableQuant);
    default:
      return false;
  }
}

function overlappingAlternation(n: Node): boolean {
  switch (n.t) {
    case 'alt': {
      const firsts = n.alts.map((a) => info(a).first);
      for (let i = 0; i < firsts.length; i++)
        for (let j = i + 1; j < firsts.length; j++) if (overlaps(firsts[i]!, firsts[j]!)) return true;
      return n.alts.some(overlappingAlternation);
    }
    case 'group':
      return !n.look && overlappingAlternation(n.body);
    case 'seq':
      return n.items.some(overlappingAlternation);
    case 'quant':
      return overlappingAlternation(n.body);
    default:
      return false;
  }
}

function check(n: Node): string | undefined {
  switch (n.t) {
    case 'quant': {
      if (n.max > 1) {
        if (containsVariableQuant(n.body))
          return 'nested quantifiers (e.g. (a+)+) can backtrack catastrophically';
        if (info(n.body).nullable) return 'a repeated group that can match the empty string';
        if (overlappingAlternation(n.body))
          return 'a repeated alternation whose branches can start with the same character';
      }
      return check(n.body);
    }
    case 'group':
      return check(n.body);
    case 'alt':
      for (const a of n.alts) {
        const r = check(a);
        if (r !== undefined) return r;
      }
      return undefined;
    case 'seq': {
      for (const item of n.items) {
        const r = check(item);
        if (r !== undefined) return r;
      }
      for (let i = 0; i < n.items.length; i++) {
        const a = info(n.items[i]!);
        if (!a.unbounded) continue;
        for (let j = i + 1; j < n.items.length; j++) {
          const b = info(n.items[j]!);
          if (b.unbounded && overlaps(a.chars, b.chars))
            return 'adjacent unbounded quantifiers over overlapping characters (e.g. \\d+\\d*) backtrack polynomially';
          if (!b.nullable) break;
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
