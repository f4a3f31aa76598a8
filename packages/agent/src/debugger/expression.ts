import { GloveboxError } from '@glovebox/core';
import type { ExprNode } from './runtime/types.js';

/**
 * The restricted expression language of conditions and logpoint templates. It has names, `this`,
 * literals, member access (`a.b`, `a?.b`, `a[0]`, `a["k"]`), `!`, unary `-`, comparisons,
 * `&&`/`||` and arithmetic on primitives — and nothing that can run code: no calls, no assignment, no
 * `new`. The in-isolate interpreter reads data properties only (never getters or Proxy traps), so
 * this is stricter than V8's `throwOnSideEffect`.
 */

/** Names an expression refers to, by index; shared with the hook's reader. */
export class NameTable {
  readonly names: string[];
  constructor(initial: readonly string[]) {
    this.names = [...initial];
  }
  /** Index of `name`, added at the end when new. */
  index(name: string): number {
    const i = this.names.indexOf(name);
    if (i >= 0) return i;
    this.names.push(name);
    return this.names.length - 1;
  }
}

const MAX_EXPRESSION = 500;
const MAX_TEMPLATE = 2000;
const MAX_TEMPLATE_PARTS = 20;
const MAX_DEPTH = 24;

const KEYWORDS = new Set(['true', 'false', 'null', 'undefined', 'this']);
const FORBIDDEN_NAMES = new Set([
  'new',
  'function',
  'class',
  'delete',
  'void',
  'typeof',
  'yield',
  'await',
  'import',
  'super',
  'arguments',
  'eval',
  'in',
  'instanceof',
  'let',
  'var',
  'const',
  'return',
]);
const BINARY: Array<{ ops: string[] }> = [
  { ops: ['||'] },
  { ops: ['&&'] },
  { ops: ['===', '!==', '==', '!='] },
  { ops: ['<=', '>=', '<', '>'] },
  { ops: ['+', '-'] },
  { ops: ['*', '/', '%'] },
];
const OPERATORS = [
  '===',
  '!==',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '?.',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '.',
  '[',
  ']',
  '(',
  ')',
];

type Tok =
  { t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'id'; v: string } | { t: 'op'; v: string };

function invalid(message: string): GloveboxError {
  return new GloveboxError('GBX_DEBUG_EXPRESSION_INVALID', message);
}

function lex(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^(?:0[xX][0-9a-fA-F]+|\d*\.?\d+(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
      if (m === null) throw invalid('bad number');
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\') {
          const e = text[j + 1];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
          j += 2;
        } else s += text[j++];
      }
      if (j >= text.length) throw invalid('unterminated string');
      out.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(text.slice(i))!;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) throw invalid(`unexpected character at ${i}`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

class Parser {
  #toks: Tok[];
  #pos = 0;
  #depth = 0;
  #names: NameTable;
  constructor(toks: Tok[], names: NameTable) {
    this.#toks = toks;
    this.#names = names;
  }
  parse(): ExprNode {
    const e = this.#binary(0);
    if (this.#pos !== this.#toks.length) throw invalid('unexpected token after the expression');
    return e;
  }
  #peekOp(...ops: string[]): string | undefined {
    const t = this.#toks[this.#pos];
    return t?.t === 'op' && ops.includes(t.v) ? t.v : undefined;
  }
  #enter(): void {
    if (++this.#depth > MAX_DEPTH) throw invalid('expression nested too deeply');
  }
  #binary(level: number): ExprNode {
    const spec = BINARY[level];
    if (spec === undefined) return this.#unary();
    this.#enter();
    let left = this.#binary(level + 1);
    for (let op = this.#peekOp(...spec.ops); op !== undefined; op = this.#peekOp(...spec.ops)) {
      this.#pos++;
      left = { k: 'bin', op, a: left, b: this.#binary(level + 1) };
    }
    this.#depth--;
    return left;
  }
  #unary(): ExprNode {
    this.#enter();
    let node: ExprNode;
    if (this.#peekOp('!') !== undefined) {
      this.#pos++;
      node = { k: 'not', a: this.#unary() };
    } else if (this.#peekOp('-') !== undefined) {
      this.#pos++;
      node = { k: 'neg', a: this.#unary() };
    } else node = this.#postfix();
    this.#depth--;
    return node;
  }
  #postfix(): ExprNode {
    let node = this.#primary();
    for (;;) {
      if (this.#peekOp('.', '?.') !== undefined) {
        this.#pos++;
        const t = this.#toks[this.#pos++];
        if (t?.t !== 'id') throw invalid('a property name must follow "."');
        node = { k: 'get', o: node, p: { k: 'lit', v: t.v } };
      } else if (this.#peekOp('[') !== undefined) {
        this.#pos++;
        const t = this.#toks[this.#pos++];
        if (t === undefined || (t.t !== 'num' && t.t !== 'str'))
          throw invalid('only literal keys are allowed in [ ]');
        if (this.#peekOp(']') === undefined) throw invalid('missing ]');
        this.#pos++;
        node = { k: 'get', o: node, p: { k: 'lit', v: t.v } };
      } else if (this.#peekOp('(') !== undefined) {
        throw invalid('calls are not allowed');
      } else return node;
    }
  }
  #primary(): ExprNode {
    const t = this.#toks[this.#pos++];
    if (t === undefined) throw invalid('unexpected end of expression');
    if (t.t === 'num' || t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'op') {
      if (t.v !== '(') throw invalid(`unexpected "${t.v}"`);
      const e = this.#binary(0);
      if (this.#peekOp(')') === undefined) throw invalid('missing )');
      this.#pos++;
      return e;
    }
    if (KEYWORDS.has(t.v)) {
      if (t.v === 'true') return { k: 'lit', v: true };
      if (t.v === 'false') return { k: 'lit', v: false };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (t.v === 'this') return { k: 'this' };
      return { k: 'undef' };
    }
    if (FORBIDDEN_NAMES.has(t.v)) throw invalid(`"${t.v}" is not allowed`);
    return { k: 'id', i: this.#names.index(t.v) };
  }
}

/** Parses a condition or `{expression}` of a template. Throws GBX_DEBUG_EXPRESSION_INVALID. */
export function parseExpression(text: string, names: NameTable): ExprNode {
  if (text.length === 0 || text.length > MAX_EXPRESSION)
    throw invalid(`an expression must be 1..${MAX_EXPRESSION} characters`);
  return new Parser(lex(text), names).parse();
}

/**
 * Parses a logpoint template: text with `{expression}` parts; `{{` and `}}` are literal braces.
 *
 * @example
 * parseTemplate('order {order.id} total {total}', names);
 */
export function parseTemplate(text: string, names: NameTable): Array<string | ExprNode> {
  if (text.length === 0 || text.length > MAX_TEMPLATE)
    throw invalid(`a template must be 1..${MAX_TEMPLATE} characters`);
  const parts: Array<string | ExprNode> = [];
  let literal = '';
  let i = 0;
  let expressions = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '{' && text[i + 1] === '{') {
      literal += '{';
      i += 2;
    } else if (c === '}' && text[i + 1] === '}') {
      literal += '}';
      i += 2;
    } else if (c === '{') {
      const end = text.indexOf('}', i + 1);
      if (end < 0) throw invalid('unclosed { in template');
      if (++expressions > MAX_TEMPLATE_PARTS)
        throw invalid(`at most ${MAX_TEMPLATE_PARTS} expressions per template`);
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(parseExpression(text.slice(i + 1, end).trim(), names));
      i = end + 1;
    } else if (c === '}') {
      throw invalid('unmatched } in template (write }} for a brace)');
    } else {
      literal += c;
      i++;
    }
  }
  if (literal !== '') parts.push(literal);
  return parts;
}
