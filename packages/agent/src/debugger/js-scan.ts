/**
 * A small JavaScript scanner: enough to find a statement boundary on a line and the names that may be
 * in scope there. It never decides what a name means: the injected hook reads each candidate at run
 * time and V8 resolves it (names that are not bound simply fail to read). A wrong guess here can
 * only produce a syntax error, which `Debugger.setScriptSource` reports without changing anything.
 */

type TokenType = 'ident' | 'keyword' | 'punct' | 'string' | 'template' | 'number' | 'regex' | 'private';

interface Token {
  type: TokenType;
  value: string;
  start: number;
  line: number;
  column: number;
}

const RESERVED = new Set([
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'debugger',
  'default',
  'delete',
  'do',
  'else',
  'export',
  'extends',
  'finally',
  'for',
  'function',
  'if',
  'import',
  'in',
  'instanceof',
  'new',
  'return',
  'super',
  'switch',
  'this',
  'throw',
  'try',
  'typeof',
  'var',
  'void',
  'while',
  'with',
  'yield',
  'let',
  'static',
  'enum',
  'await',
  'implements',
  'package',
  'protected',
  'interface',
  'private',
  'public',
  'null',
  'true',
  'false',
]);

/** Names never offered as candidates: not variables, or reading them means something else. */
const NOT_CANDIDATES = new Set([
  'undefined',
  'arguments',
  'NaN',
  'Infinity',
  'globalThis',
  'async',
  'of',
  'get',
  'set',
]);

const PLAIN_NAME = /^[A-Za-z_$][\w$]*$/;

const REGEX_AFTER_KEYWORD = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);

const PUNCT3 = ['===', '!==', '...', '**=', '<<=', '>>=', '>>>', '&&=', '||=', '??='];
const PUNCT2 = [
  '=>',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '**',
  '<<',
  '>>',
];

function isIdStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 36 || c === 95 || c >= 128;
}
function isIdPart(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}

/** Tokenizes JavaScript; throws SyntaxError on an unterminated string, comment or template. */
export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const n = src.length;
  let i = 0;
  let line = 0;
  let lineStart = 0;
  // For each open `{`: true when it is the `${` of a template.
  const braces: boolean[] = [];

  const push = (type: TokenType, value: string, start: number): void => {
    tokens.push({ type, value, start, line, column: start - lineStart });
  };
  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };
  const regexAllowed = (): boolean => {
    const prev = tokens[tokens.length - 1];
    if (prev === undefined) return true;
    if (prev.type === 'punct')
      return prev.value !== ')' && prev.value !== ']' && prev.value !== '++' && prev.value !== '--';
    if (prev.type === 'keyword') return REGEX_AFTER_KEYWORD.has(prev.value);
    return false;
  };
  // Scans template characters from i (just after "`" or "}") to the closing "`" or the next "${".
  const scanTemplate = (start: number): void => {
    while (i < n) {
      const c = src.charCodeAt(i);
      if (c === 92) {
        if (src.charCodeAt(i + 1) === 10) newline(i + 1);
        i += 2;
        continue;
      }
      if (c === 10) newline(i);
      if (c === 96) {
        i++;
        push('template', src.slice(start, i), start);
        return;
      }
      if (c === 36 && src.charCodeAt(i + 1) === 123) {
        i += 2;
        push('template', src.slice(start, i), start);
        braces.push(true);
        return;
      }
      i++;
    }
    throw new SyntaxError('unterminated template literal');
  };

  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10) {
      newline(i);
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff) {
      i++;
      continue;
    }
    if (c === 0x2028 || c === 0x2029) {
      newline(i);
      i++;
      continue;
    }
    const start = i;
    if (c === 47 /* / */) {
      const d = src.charCodeAt(i + 1);
      if (d === 47) {
        while (i < n && src.charCodeAt(i) !== 10) i++;
        continue;
      }
      if (d === 42) {
        const end = src.indexOf('*/', i + 2);
        if (end < 0) throw new SyntaxError('unterminated comment');
        for (let k = i; k < end; k++) if (src.charCodeAt(k) === 10) newline(k);
        i = end + 2;
        continue;
      }
      if (regexAllowed()) {
        i++;
        let inClass = false;
        while (i < n) {
          const r = src.charCodeAt(i);
          if (r === 92) i += 2;
          else if (r === 10) throw new SyntaxError('unterminated regular expression');
          else {
            if (r === 91) inClass = true;
            else if (r === 93) inClass = false;
            else if (r === 47 && !inClass) break;
            i++;
          }
        }
        i++;
        while (i < n && isIdPart(src.charCodeAt(i))) i++;
        push('regex', src.slice(start, i), start);
        continue;
      }
    }
    if (c === 39 || c === 34) {
      i++;
      while (i < n && src.charCodeAt(i) !== c) {
        if (src.charCodeAt(i) === 92) i++;
        else if (src.charCodeAt(i) === 10) throw new SyntaxError('unterminated string');
        i++;
      }
      i++;
      push('string', src.slice(start, i), start);
      continue;
    }
    if (c === 96) {
      i++;
      scanTemplate(start);
      continue;
    }
    if (c === 125 /* } */ && braces.length > 0 && braces[braces.length - 1] === true) {
      braces.pop();
      i++;
      scanTemplate(start);
      continue;
    }
    if (isIdStart(c) || c === 35 /* # */ || c === 92 /* \u escape */) {
      i++;
      while (i < n && (isIdPart(src.charCodeAt(i)) || src.charCodeAt(i) === 92)) i++;
      const word = src.slice(start, i);
      push(c === 35 ? 'private' : RESERVED.has(word) ? 'keyword' : 'ident', word, start);
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 46 && src.charCodeAt(i + 1) >= 48 && src.charCodeAt(i + 1) <= 57)) {
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (isIdPart(d) || d === 46) i++;
        else if (
          (d === 43 || d === 45) &&
          /[eE]/.test(src[i - 1] ?? '') &&
          !/^0[xX]/.test(src.slice(start, i))
        )
          i++;
        else break;
      }
      push('number', src.slice(start, i), start);
      continue;
    }
    let p = src.slice(i, i + 3);
    if (src.slice(i, i + 4) === '>>>=') p = '>>>=';
    else if (!PUNCT3.includes(p)) {
      p = src.slice(i, i + 2);
      if (p === '?.' && !(src.charCodeAt(i + 2) >= 48 && src.charCodeAt(i + 2) <= 57)) {
        // optional chaining
      } else if (!PUNCT2.includes(p)) p = src[i]!;
    }
    if (p === '{') braces.push(false);
    else if (p === '}') braces.pop();
    i += p.length;
    push('punct', p, start);
  }
  return tokens;
}

type BraceKind = 'block' | 'function' | 'class' | 'object' | 'switch';

interface Open {
  index: number;
  value: '{' | '(' | '[';
  kind?: BraceKind;
  /** For function bodies: index of the first token of the parameters. */
  paramsStart?: number;
}

/** Where a hook goes and what it may read. */
export interface HookPlan {
  /** Character offset of the statement the hook is inserted before. */
  offset: number;
  /** Zero-based line and column of that statement (generated code). */
  line: number;
  column: number;
  /** Names declared by the innermost enclosing function (parameters and declarations). */
  locals: string[];
  /** Other names that function refers to (closure or module values, or globals, filtered at run time). */
  closure: string[];
}

/**
 * Finds the first statement that starts on `line` (zero-based), or on one of the next `slide` lines,
 * at or after `column`, and the candidate names at that point.
 */
export function planHook(
  src: string,
  line: number,
  column = 0,
  slide = 3,
  maxNames = 64,
): HookPlan | undefined {
  const tokens = tokenize(src);
  const stack: Open[] = [];
  const matchOpen = new Map<number, number>();
  const kinds = new Map<number, BraceKind>();
  for (let j = 0; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.type === 'template' && t.value.endsWith('${')) {
      stack.push({ index: j, value: '{', kind: 'object' });
      continue;
    }
    if (t.type === 'template' && t.value.startsWith('}')) {
      stack.pop();
      continue;
    }
    if (t.line >= line && t.line <= line + slide && (t.line > line || t.column >= column)) {
      if (isStatementStart(tokens, j, stack, matchOpen, kinds)) {
        const fn = [...stack].reverse().find((o) => o.kind === 'function');
        const { locals, closure } = collectNames(tokens, fn, matchOpen, kinds, maxNames);
        return { offset: t.start, line: t.line, column: t.column, locals, closure };
      }
    }
    if (t.line > line + slide) return undefined;
    if (t.type !== 'punct') continue;
    if (t.value === '(' || t.value === '[') stack.push({ index: j, value: t.value });
    else if (t.value === '{') {
      const kind = braceKind(tokens, j, stack, matchOpen);
      kinds.set(j, kind);
      const open: Open = { index: j, value: '{', kind };
      if (kind === 'function') open.paramsStart = paramsStart(tokens, j, matchOpen);
      stack.push(open);
    } else if (t.value === ')' || t.value === ']' || t.value === '}') {
      const o = stack.pop();
      if (o !== undefined) matchOpen.set(j, o.index);
    }
  }
  return undefined;
}

function braceKind(tokens: Token[], j: number, stack: Open[], matchOpen: Map<number, number>): BraceKind {
  const prev = tokens[j - 1];
  const top = stack[stack.length - 1];
  const inStatements =
    top === undefined ||
    (top.value === '{' && (top.kind === 'block' || top.kind === 'function' || top.kind === 'switch'));
  if (prev === undefined) return 'block';
  for (let k = j - 1; k >= 0 && k >= j - 6; k--) {
    const t = tokens[k]!;
    if (t.type === 'keyword' && t.value === 'class') return 'class';
    if (
      t.type === 'punct' &&
      (t.value === ';' ||
        t.value === '{' ||
        t.value === '}' ||
        t.value === '(' ||
        t.value === '=' ||
        t.value === ',')
    )
      break;
  }
  if (prev.type === 'punct') {
    if (prev.value === '=>') return 'function';
    if (prev.value === ')') {
      const open = matchOpen.get(j - 1);
      const before = open === undefined ? undefined : tokens[open - 1];
      if (before === undefined) return 'block';
      if (before.type === 'keyword') {
        if (before.value === 'function') return 'function';
        if (before.value === 'switch') return 'switch';
        return 'block';
      }
      if (
        before.type === 'ident' ||
        before.type === 'string' ||
        before.type === 'number' ||
        before.type === 'private'
      )
        return 'function';
      if (before.type === 'punct' && (before.value === ']' || before.value === '*')) return 'function';
      return 'block';
    }
    if (prev.value === ';' || prev.value === '{' || prev.value === '}')
      return inStatements ? 'block' : 'object';
    return 'object';
  }
  if (prev.type === 'keyword' && ['else', 'try', 'finally', 'do'].includes(prev.value)) return 'block';
  return 'object';
}

function paramsStart(tokens: Token[], j: number, matchOpen: Map<number, number>): number {
  const prev = tokens[j - 1];
  if (prev?.value === '=>') {
    const p = tokens[j - 2];
    if (p?.value === ')') return (matchOpen.get(j - 2) ?? j) + 1;
    return j - 2;
  }
  if (prev?.value === ')') return (matchOpen.get(j - 1) ?? j) + 1;
  return j;
}

const NOT_STATEMENT_START = new Set([
  '}',
  ')',
  ']',
  ',',
  '.',
  '?.',
  '=>',
  ':',
  '?',
  '=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '&&',
  '||',
  '??',
  '==',
  '===',
  '!=',
  '!==',
  '<',
  '>',
  '<=',
  '>=',
  '|',
  '&',
  '^',
  '**',
  '>>',
  '<<',
  '>>>',
]);

function isStatementStart(
  tokens: Token[],
  j: number,
  stack: Open[],
  matchOpen: Map<number, number>,
  kinds: Map<number, BraceKind>,
): boolean {
  const t = tokens[j]!;
  if (t.type === 'punct' && t.value === ';') return false;
  if (t.type === 'punct' && NOT_STATEMENT_START.has(t.value)) return false;
  if (
    t.type === 'keyword' &&
    ['else', 'catch', 'finally', 'case', 'default', 'in', 'instanceof', 'extends'].includes(t.value)
  )
    return false;
  if (t.type === 'template' && t.value.startsWith('}')) return false;
  const top = stack[stack.length - 1];
  if (
    top !== undefined &&
    !(top.value === '{' && (top.kind === 'block' || top.kind === 'function' || top.kind === 'switch'))
  )
    return false;
  const prev = tokens[j - 1];
  if (prev === undefined) return true;
  if (prev.type !== 'punct') return false;
  if (prev.value === ';') return true;
  if (prev.value === '}') {
    // The end of an object literal or class expression is still inside an expression statement.
    const kind = kinds.get(matchOpen.get(j - 1) ?? -1);
    return kind === 'block' || kind === 'function' || kind === 'switch' || kind === 'class';
  }
  if (prev.value === '{') return top !== undefined && top.index === j - 1;
  if (prev.value === ':') return top?.kind === 'switch';
  return false;
}

function collectNames(
  tokens: Token[],
  fn: Open | undefined,
  matchOpen: Map<number, number>,
  kinds: Map<number, BraceKind>,
  maxNames: number,
): { locals: string[]; closure: string[] } {
  const from = fn?.paramsStart ?? 0;
  const bodyOpen = fn?.index ?? -1;
  let to = tokens.length;
  if (fn !== undefined) {
    for (const [close, open] of matchOpen) if (open === bodyOpen) to = close;
    if (to === tokens.length) to = findClose(tokens, bodyOpen);
  }
  const declared: string[] = [];
  const referenced: string[] = [];
  const addUnique = (list: string[], name: string): void => {
    if (!NOT_CANDIDATES.has(name) && PLAIN_NAME.test(name) && !list.includes(name)) list.push(name);
  };
  // Nested functions inside the body: their own parameters and declarations are not ours.
  let nestedDepth = 0;
  const nestedCloses: number[] = [];
  for (let j = from; j < to; j++) {
    const t = tokens[j]!;
    if (t.type === 'punct' && t.value === '{' && j !== bodyOpen && kinds.get(j) === 'function') {
      nestedDepth++;
      nestedCloses.push(findClose(tokens, j));
    }
    if (nestedCloses.length > 0 && j === nestedCloses[nestedCloses.length - 1]) {
      nestedCloses.pop();
      nestedDepth--;
    }
    if (t.type !== 'ident') continue;
    const prev = tokens[j - 1];
    if (prev?.type === 'punct' && (prev.value === '.' || prev.value === '?.')) continue;
    addUnique(referenced, t.value);
    const inParams = fn !== undefined && j < bodyOpen;
    if (nestedDepth === 0 && (inParams || isDeclared(tokens, j))) addUnique(declared, t.value);
  }
  const locals = declared.slice(0, maxNames);
  const closure = referenced.filter((n) => !declared.includes(n)).slice(0, maxNames);
  return { locals, closure };
}

function findClose(tokens: Token[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    const v = tokens[j]!;
    if (v.type === 'template') {
      if (v.value.endsWith('${')) depth++;
      if (v.value.startsWith('}')) depth--;
      continue;
    }
    if (v.type !== 'punct') continue;
    if (v.value === '{' || v.value === '(' || v.value === '[') depth++;
    else if (v.value === '}' || v.value === ')' || v.value === ']') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return tokens.length;
}

/** True when the identifier at j is bound by a declaration (let/const/var/function/class/catch). */
function isDeclared(tokens: Token[], j: number): boolean {
  const prev = tokens[j - 1];
  if (prev === undefined) return false;
  if (prev.type === 'keyword' && ['let', 'const', 'var', 'function', 'class'].includes(prev.value))
    return true;
  if (prev.type === 'punct' && prev.value === '*' && tokens[j - 2]?.value === 'function') return true;
  if (prev.type === 'punct' && prev.value === '(' && tokens[j - 2]?.value === 'catch') return true;
  // Inside a destructuring pattern or after a comma of a declaration list: walk back to the keyword.
  let depth = 0;
  for (let k = j - 1; k >= 0 && k >= j - 200; k--) {
    const t = tokens[k]!;
    if (t.type === 'punct') {
      if (t.value === '}' || t.value === ']' || t.value === ')') depth++;
      else if (t.value === '{' || t.value === '[') {
        if (depth === 0) {
          const before = tokens[k - 1];
          if (before?.type === 'keyword' && ['let', 'const', 'var'].includes(before.value)) {
            const next = tokens[j + 1];
            return !(next?.type === 'punct' && next.value === ':');
          }
          if (
            before?.type === 'punct' &&
            (before.value === ',' || before.value === '{' || before.value === '[' || before.value === ':')
          )
            continue;
          return false;
        }
        depth--;
      } else if (t.value === '(') {
        if (depth === 0) return false;
        depth--;
      } else if (depth === 0 && (t.value === ';' || t.value === '=' || t.value === '=>')) {
        if (t.value === '=') {
          // `let a = 1, b` — skip back over the initializer to the declaration keyword.
          continue;
        }
        return false;
      } else if (depth === 0 && t.value === ',') {
        const next = tokens[j + 1];
        if (next?.type === 'punct' && next.value === ':') return false;
        continue;
      }
    } else if (t.type === 'keyword') {
      if (depth === 0 && ['let', 'const', 'var'].includes(t.value)) {
        // Only a name right after a comma (or the keyword) is a declarator, not one inside an initializer.
        return tokens[j - 1]?.value === ',' || tokens[j - 1] === t;
      }
      if (depth === 0 && ['return', 'if', 'for', 'while', 'function', 'class'].includes(t.value))
        return false;
    }
  }
  return false;
}

/**
 * The text inserted before the statement: reads the runtime from a global property and, only when its
 * gate for this probe is on, hands it a reader for the candidate names. One line, no newline, so every
 * line number of the script stays the same.
 */
export function buildHook(globalKey: string, id: number, names: readonly string[]): string {
  const reader = readerSource(globalKey, id, names);
  return `{const __gbx=globalThis.${globalKey};if(__gbx!==undefined&&__gbx.a[${id}]===1)__gbx.hit(${id},${reader});}`;
}

/**
 * The same hook as an expression that is always false, for a breakpoint condition: the runtime runs
 * inside V8's condition evaluation and the breakpoint never pauses.
 */
export function buildConditionHook(globalKey: string, id: number, names: readonly string[]): string {
  const reader = readerSource(globalKey, id, names);
  const g = `globalThis.${globalKey}`;
  return `(${g}!==undefined&&${g}.a[${id}]===1&&${g}.hit(${id},${reader}),false)`;
}

function readerSource(globalKey: string, id: number, names: readonly string[]): string {
  if (!PLAIN_NAME.test(globalKey)) throw new TypeError('invalid global key');
  if (!Number.isInteger(id) || id < 0) throw new TypeError('invalid probe id');
  const cases = names
    .map((name, i) => {
      if (!PLAIN_NAME.test(name) || RESERVED.has(name)) throw new TypeError('invalid name');
      return `case ${i}:return ${name};`;
    })
    .join('');
  return `(__gbxN)=>{switch(__gbxN){${cases}default:return this}}`;
}
