import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'acorn';
import ts from 'typescript';
import { buildHook } from './hook.js';
import { namesAt, nearestLines, planScript, siteOnLine } from './placement.js';
import { chooseSite, sitesByLine } from './placement-resolve.js';
import * as placement from './placement.js';
import { SourceMapIndex } from './source-map.js';
import type { ResolvedLocation } from './locations.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../src/debugger/fixtures/styles/${name}`, import.meta.url), 'utf8');

/** Inserts a hook at every site of `source` and checks the result still parses the same way. */
function everySitePatchable(source: string, module: boolean): number {
  const plan = planScript(source);
  for (const site of plan.sites) {
    const { locals, closure } = namesAt(site);
    const patched =
      source.slice(0, site.offset) + buildHook('__k', 1, [...locals, ...closure]) + source.slice(site.offset);
    assert.doesNotThrow(
      () =>
        parse(patched, {
          ecmaVersion: 'latest',
          sourceType: module ? 'module' : 'script',
          allowHashBang: true,
          allowReturnOutsideFunction: !module,
        }),
      `line ${site.line + 1}`,
    );
  }
  return plan.sites.length;
}

const lineOf = (source: string, text: string): number =>
  source.split('\n').findIndex((l) => l.includes(text));

describe('probe placement over real-world module styles', () => {
  test('semicolon-free ESM: every statement line takes a probe, ASI included', () => {
    const src = fixture('semicolon-free.js.txt');
    const plan = planScript(src);
    for (const text of [
      "const lines = text.split('\\n')",
      'if (lines.length > limit)',
      ';[1, 2]',
      'const re = /a+b/g',
      'let total = lines',
      'for (const n of',
    ])
      assert.ok(siteOnLine(plan, lineOf(src, text)), text);
    assert.equal(
      siteOnLine(plan, lineOf(src, '.map((l) => l.length)')),
      undefined,
      'a continuation line is not a statement',
    );
    assert.ok(everySitePatchable(src, true) > 10);
  });

  test('regex after if (…), templates with braces, labels, switch, class fields and static blocks', () => {
    const src = fixture('edge-cases.js.txt');
    const plan = planScript(src);
    assert.ok(siteOnLine(plan, lineOf(src, 'if (x) /re/.test(x)')));
    assert.ok(siteOnLine(plan, lineOf(src, 'Store.count = 1')), 'static block');
    assert.ok(siteOnLine(plan, lineOf(src, 'this.#items.set(k, v)')), 'arrow class field body');
    assert.ok(siteOnLine(plan, lineOf(src, 'x++')), 'switch case');
    assert.equal(siteOnLine(plan, lineOf(src, "  'use strict'")), undefined, 'a directive stays first');
    assert.equal(siteOnLine(plan, lineOf(src, 'a: 1,')), undefined, 'inside an object literal');
    assert.ok(everySitePatchable(src, false) > 10);
  });

  test('top-level await: module code is placed and known to be top level', () => {
    const src = fixture('top-level-await.mjs.txt');
    const plan = planScript(src);
    const site = siteOnLine(plan, lineOf(src, 'await null'))!;
    assert.ok(site.topLevel);
    assert.equal(siteOnLine(plan, lineOf(src, 'return config.port'))!.topLevel, false);
    everySitePatchable(src, true);
  });

  test('names in scope: parameters, declarations of enclosing blocks, and closure names', () => {
    const src = fixture('semicolon-free.js.txt');
    const site = siteOnLine(planScript(src), lineOf(src, 'if (re.test(text))'))!;
    const { locals, closure } = namesAt(site);
    for (const n of ['path', 'text', 'lines', 're', 'total']) assert.ok(locals.includes(n), n);
    for (const n of ['count', 'limit', 'readFile']) assert.ok(closure.includes(n), n);
    assert.deepEqual(site.enclosing, [{ async: true, generator: false }]);
  });

  test('a refused line names the nearest lines that can take a probe', () => {
    assert.deepEqual(nearestLines([1, 3, 8, 9, 12], 5), [1, 3, 8, 9]);
    assert.deepEqual(nearestLines([1, 3], 0), [1, 3]);
  });
});

describe('TypeScript output through source maps', () => {
  const tsSource = [
    'export class Cart {',
    '  items: number[] = [];',
    '  static readonly max = 10',
    '  add(n: number): number {',
    '    const next = n * 2',
    '    this.items.push(next)',
    '    return this.items.length',
    '  }',
    '}',
    'export async function total(cart: Cart): Promise<number> {',
    '  await null;',
    '  const sum = cart.items.reduce((a, b) => a + b, 0);',
    '  return sum',
    '}',
    '',
  ].join('\n');
  for (const module of [ts.ModuleKind.CommonJS, ts.ModuleKind.ESNext]) {
    test(`tsc ${module === ts.ModuleKind.CommonJS ? 'CommonJS' : 'ESM'}: each TS statement line maps to a probe site`, () => {
      const out = ts.transpileModule(tsSource, {
        compilerOptions: {
          module,
          target: ts.ScriptTarget.ES2022,
          sourceMap: true,
          useDefineForClassFields: true,
        },
        fileName: '/app/src/cart.ts',
      });
      const map = SourceMapIndex.parse(JSON.parse(out.sourceMapText!), 'file:///app/src/cart.js.map');
      const sourceIndex = map.sources.indexOf('/app/src/cart.ts');
      assert.ok(sourceIndex >= 0, map.sources.join());
      const loc = (line: number) => ({
        script: { scriptId: '1', url: 'file:///app/src/cart.js', sourceMapURL: '', isModule: false },
        file: '/app/src/cart.ts',
        line,
        map: { index: map, sourceIndex },
      });
      const plan = planScript(out.outputText);
      const byLine = sitesByLine(plan, loc(0));
      for (const text of [
        'const next = n * 2',
        'this.items.push(next)',
        'const sum = cart.items',
        'return sum',
      ])
        assert.ok(byLine.has(lineOf(tsSource, text)), text);
      assert.throws(
        () => chooseSite(placement, plan, loc(lineOf(tsSource, '  }'))),
        (e: { code?: string; details?: { nearest?: number[] } }) =>
          e.code === 'GBX_DEBUG_LINE_NOT_PROBEABLE' && (e.details?.nearest?.length ?? 0) > 0,
      );
    });
  }
});

/** Zero-based lines of a TypeScript file on which a run-time statement starts (type-only ones excluded). */
function tsStatementLines(source: string): number[] {
  const file = ts.createSourceFile('service.ts', source, ts.ScriptTarget.Latest, true);
  const out = new Set<number>();
  const visit = (node: ts.Node): void => {
    const list =
      ts.isSourceFile(node) || ts.isBlock(node) || ts.isCaseClause(node) ? node.statements : undefined;
    for (const s of list ?? [])
      if (!ts.isInterfaceDeclaration(s) && !ts.isTypeAliasDeclaration(s))
        out.add(file.getLineAndCharacterOfPosition(s.getStart(file)).line);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return [...out].sort((a, b) => a - b);
}

describe('compiled TypeScript corpus (tsc, esbuild, swc) through their source maps', () => {
  const tsSource = fixture('compiled/service.ts.txt');
  const statementLines = tsStatementLines(tsSource);
  for (const [name, output, module] of [
    ['tsc CommonJS', 'tsc-cjs/service.js', false],
    ['esbuild ESM', 'esbuild-esm/service.mjs', true],
    ['swc CommonJS', 'swc-cjs/service.js', false],
  ] as const) {
    const code = fixture(`compiled/${output}.txt`);
    const json: unknown = JSON.parse(fixture(`compiled/${output}.map.txt`));
    const map = SourceMapIndex.parse(json, `file:///app/out/${output}.map`);
    const sourceIndex = map.sources.indexOf('/app/src/service.ts');
    const loc = (line: number): ResolvedLocation => ({
      script: { scriptId: '1', url: `file:///app/out/${output}`, sourceMapURL: '', isModule: module },
      file: '/app/src/service.ts',
      line,
      map: { index: map, sourceIndex },
    });

    test(`${name}: every TS statement line maps to a probe site on that line`, () => {
      assert.ok(sourceIndex >= 0, map.sources.join());
      assert.ok(statementLines.length > 20, `${statementLines.length} statement lines`);
      const plan = planScript(code);
      for (const line of statementLines) {
        const text = tsSource.split('\n')[line]!.trim();
        const { site } = chooseSite(placement, plan, loc(line));
        // The site the agent picks is one the map sends that line to, and maps back to it.
        const forward = map.generatedPositionsFor(sourceIndex, line)?.positions ?? [];
        assert.ok(
          forward.some((p) => p.line === site.line),
          `${text}: site on generated line ${site.line + 1}`,
        );
        assert.equal(map.originalPositionFor(site)?.line, line, text);
      }
    });

    test(`${name}: an exported declaration's line probes the declaration, not an export helper`, () => {
      // swc's CommonJS output maps the `_export` getters (`return OrderService;`) to the declaration
      // lines too; a probe there would fire on every import access, with none of the module's names.
      const plan = planScript(code);
      for (const text of [
        'export class OrderService',
        'export async function runAll',
        'export const double',
      ]) {
        const { site } = chooseSite(placement, plan, loc(lineOf(tsSource, text)));
        assert.ok(site.topLevel, `${text}: generated line ${site.line + 1}`);
      }
    });

    test(`${name}: a hook fits before every site`, () => {
      assert.ok(everySitePatchable(code, module) > 20);
    });

    test(`${name}: comment, blank and type-only lines are refused, not moved`, () => {
      const plan = planScript(code);
      for (const text of [
        '// A service-like module',
        '  id: string;',
        '  customer?: { email?: string };',
        'type Handler =',
        '/* a block comment between members */',
        "  readonly name: string = 'orders';",
      ]) {
        const line = lineOf(tsSource, text);
        assert.ok(line >= 0 && !statementLines.includes(line), text);
        assert.throws(
          () => chooseSite(placement, plan, loc(line)),
          (e: { code?: string }) => e.code === 'GBX_DEBUG_LINE_NOT_PROBEABLE',
          text,
        );
      }
      const blank = tsSource.split('\n').findIndex((l, i) => l === '' && i > 0);
      assert.throws(() => chooseSite(placement, plan, loc(blank)), /no statement starts on line/);
    });
  }
});
