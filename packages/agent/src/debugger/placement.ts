/**
 * Probe placement with a real JavaScript parser (acorn): where a statement starts, which names are in
 * scope there, and what kind of function encloses it. Loaded only when a probe is set (the module
 * imports acorn), so the agent's start-up does not pay for the parser.
 */
import { parse, type Node, type Options } from 'acorn';

/** The statement a probe goes before, and what the hook may read there. */
export interface StatementSite {
  /** Character offset, zero-based line and column (generated code) of the statement's first token. */
  offset: number;
  line: number;
  column: number;
  /** The enclosing functions, innermost first: their kind decides whether LiveEdit can patch them. */
  enclosing: Array<{ async: boolean; generator: boolean }>;
  /** True when the statement is module or script top-level code (runs once, at load). */
  topLevel: boolean;
}

/** A parsed script: every statement a probe can go before. */
export interface ScriptPlan {
  /** Statement sites in source order. */
  sites: StatementSite[];
  /** Zero-based lines on which at least one site starts, ascending. */
  lines: number[];
}

/** Names never offered to the reader: not variables, or reading them means something else. */
const NOT_CANDIDATES = new Set(['undefined', 'arguments', 'NaN', 'Infinity', 'globalThis', 'await', 'yield']);
const MAX_NAMES = 64;

type AnyNode = Node & Record<string, unknown>;
const isNode = (v: unknown): v is AnyNode =>
  typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';

function children(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const key of Object.keys(node)) {
    if (key === 'loc' || key === 'range') continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const c of v) if (isNode(c)) out.push(c);
    } else if (isNode(v)) out.push(v);
  }
  return out;
}

const FUNCTION = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
/** Nodes whose `body` (or `consequent`) is a list of statements a hook may be inserted into. */
const STATEMENT_LISTS: Record<string, string> = {
  Program: 'body',
  BlockStatement: 'body',
  StaticBlock: 'body',
  SwitchCase: 'consequent',
};

/**
 * Parses `source` as V8 would have compiled it (ES module first, then script with a top-level
 * `return` allowed, as CommonJS bodies are) and lists every statement a hook can go before. Throws
 * SyntaxError when neither parses.
 */
export function planScript(source: string): ScriptPlan {
  const program = parseAny(source);
  const sites: StatementSite[] = [];
  visit(program, [], sites);
  sites.sort((a, b) => a.offset - b.offset);
  const lines = [...new Set(sites.map((s) => s.line))].sort((a, b) => a - b);
  return { sites, lines };
}

function parseAny(source: string): AnyNode {
  const base: Options = { ecmaVersion: 'latest', locations: true, allowHashBang: true };
  try {
    return parse(source, { ...base, sourceType: 'module' }) as unknown as AnyNode;
  } catch {
    return parse(source, {
      ...base,
      sourceType: 'script',
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
    }) as unknown as AnyNode;
  }
}

/** The first statement that starts on `line` (zero-based), if any. */
export function siteOnLine(plan: ScriptPlan, line: number): StatementSite | undefined {
  return plan.sites.find((s) => s.line === line);
}

/** Up to `count` candidate lines on each side of `line`, nearest first within each side. */
export function nearestLines(lines: readonly number[], line: number, count = 2): number[] {
  const before = lines.filter((l) => l < line).slice(-count);
  const after = lines.filter((l) => l > line).slice(0, count);
  return [...before, ...after];
}

function visit(node: AnyNode, ancestors: AnyNode[], sites: StatementSite[]): void {
  const listKey = STATEMENT_LISTS[node.type];
  if (listKey !== undefined) {
    const list = node[listKey];
    if (Array.isArray(list)) {
      for (const stmt of list) {
        // A directive ('use strict') must stay first: a hook before it would turn it into a string.
        if (isNode(stmt) && typeof stmt['directive'] !== 'string')
          sites.push(siteFor(stmt, [node, ...ancestors]));
      }
    }
  }
  const next = [node, ...ancestors];
  for (const c of children(node)) visit(c, next, sites);
}

const ancestorsOf = new WeakMap<StatementSite, AnyNode[]>();

function siteFor(stmt: AnyNode, ancestors: AnyNode[]): StatementSite {
  const loc = stmt.loc!.start;
  const site: StatementSite = {
    offset: stmt.start,
    line: loc.line - 1,
    column: loc.column,
    enclosing: ancestors
      .filter((a) => FUNCTION.has(a.type))
      .map((a) => ({ async: a['async'] === true, generator: a['generator'] === true })),
    topLevel: !ancestors.some((a) => FUNCTION.has(a.type) || a.type === 'StaticBlock'),
  };
  ancestorsOf.set(site, ancestors);
  return site;
}

/**
 * The names a hook at `site` may read: `locals` bound in the scopes around it (parameters and
 * declarations, innermost first) and `closure`, other names the enclosing function refers to.
 */
export function namesAt(site: StatementSite): { locals: string[]; closure: string[] } {
  const ancestors = ancestorsOf.get(site) ?? [];
  const fnIndex = ancestors.findIndex((a) => FUNCTION.has(a.type) || a.type === 'StaticBlock');
  const scopeChain = fnIndex < 0 ? ancestors : ancestors.slice(0, fnIndex + 1);
  const add = (list: string[], name: string): void => {
    if (!NOT_CANDIDATES.has(name) && !list.includes(name) && list.length < MAX_NAMES) list.push(name);
  };
  const locals: string[] = [];
  for (const scope of scopeChain) for (const n of declaredIn(scope)) add(locals, n);
  const fn = fnIndex < 0 ? ancestors[ancestors.length - 1] : ancestors[fnIndex];
  const closure: string[] = [];
  if (fn !== undefined) for (const n of referencedIn(fn)) if (!locals.includes(n)) add(closure, n);
  return { locals, closure };
}

/** Names a scope node binds for code inside it: parameters, `var`s of a function, block declarations. */
function declaredIn(scope: AnyNode): string[] {
  const out: string[] = [];
  if (FUNCTION.has(scope.type)) {
    for (const p of (scope['params'] as AnyNode[] | undefined) ?? []) patternNames(p, out);
    const body = scope['body'] as AnyNode | undefined;
    if (body !== undefined) collectVars(body, out);
    return out;
  }
  if (scope.type === 'CatchClause' && isNode(scope['param'])) patternNames(scope['param'], out);
  if (
    (scope.type === 'ForStatement' && isNode(scope['init'])) ||
    ((scope.type === 'ForOfStatement' || scope.type === 'ForInStatement') && isNode(scope['left']))
  ) {
    const decl = (scope['init'] ?? scope['left']) as AnyNode;
    if (decl.type === 'VariableDeclaration') declarationNames(decl, out);
  }
  const listKey = STATEMENT_LISTS[scope.type];
  if (listKey !== undefined) {
    const list = scope[listKey];
    if (Array.isArray(list)) for (const s of list) if (isNode(s)) statementBindings(s, out);
    if (scope.type === 'Program') collectVars(scope, out);
  }
  return out;
}

function statementBindings(s: AnyNode, out: string[]): void {
  const decl =
    s.type === 'ExportNamedDeclaration' || s.type === 'ExportDefaultDeclaration'
      ? (s['declaration'] as AnyNode | null)
      : s;
  if (decl === null || decl === undefined) return;
  if (decl.type === 'VariableDeclaration') declarationNames(decl, out);
  else if ((decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') && isNode(decl['id']))
    out.push(String(decl['id']['name']));
  else if (decl.type === 'ImportDeclaration')
    for (const spec of (decl['specifiers'] as AnyNode[]) ?? []) patternNames(spec['local'] as AnyNode, out);
}

/** `var` and function declarations anywhere below `node`, not inside nested functions. */
function collectVars(node: AnyNode, out: string[]): void {
  for (const c of children(node)) {
    if (c.type === 'FunctionDeclaration') {
      if (isNode(c['id'])) out.push(String(c['id']['name']));
      continue;
    }
    if (FUNCTION.has(c.type) || c.type === 'StaticBlock') continue;
    if (c.type === 'VariableDeclaration' && c['kind'] === 'var') declarationNames(c, out);
    collectVars(c, out);
  }
}

function declarationNames(decl: AnyNode, out: string[]): void {
  for (const d of (decl['declarations'] as AnyNode[]) ?? []) patternNames(d['id'] as AnyNode, out);
}

function patternNames(p: AnyNode | undefined | null, out: string[]): void {
  if (p === undefined || p === null) return;
  switch (p.type) {
    case 'Identifier':
      out.push(String(p['name']));
      return;
    case 'ObjectPattern':
      for (const prop of (p['properties'] as AnyNode[]) ?? [])
        patternNames((prop.type === 'RestElement' ? prop['argument'] : prop['value']) as AnyNode, out);
      return;
    case 'ArrayPattern':
      for (const e of (p['elements'] as Array<AnyNode | null>) ?? []) patternNames(e, out);
      return;
    case 'RestElement':
      patternNames(p['argument'] as AnyNode, out);
      return;
    case 'AssignmentPattern':
      patternNames(p['left'] as AnyNode, out);
      return;
    default:
      return;
  }
}

/** Identifiers a function (or program) reads as variables, in order of appearance. */
function referencedIn(root: AnyNode): string[] {
  const out = new Set<string>();
  const walk = (node: AnyNode, parent: AnyNode | undefined, key: string): void => {
    if (node.type === 'Identifier' && isVariableReference(parent, key)) out.add(String(node['name']));
    for (const k of Object.keys(node)) {
      if (k === 'loc') continue;
      const v = node[k];
      if (Array.isArray(v)) {
        for (const c of v) if (isNode(c)) walk(c, node, k);
      } else if (isNode(v)) walk(v, node, k);
    }
  };
  walk(root, undefined, '');
  return [...out];
}

function isVariableReference(parent: AnyNode | undefined, key: string): boolean {
  if (parent === undefined) return true;
  switch (parent.type) {
    case 'MemberExpression':
      return key === 'object' || parent['computed'] === true;
    case 'Property':
    case 'PropertyDefinition':
    case 'MethodDefinition':
      return key === 'value' || (key === 'key' && parent['computed'] === true);
    case 'LabeledStatement':
    case 'BreakStatement':
    case 'ContinueStatement':
    case 'MetaProperty':
      return false;
    case 'ImportSpecifier':
    case 'ImportDefaultSpecifier':
    case 'ImportNamespaceSpecifier':
      return key === 'local';
    case 'ExportSpecifier':
      return key === 'local';
    default:
      return true;
  }
}
