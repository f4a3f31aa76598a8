import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkComplexity, decodePolicyText, POLICY_LIMITS } from './guard.js';
import { callCedar, cedarTrapped, wasm } from './cedar.js';

test('decodePolicyText refuses invalid UTF-8, NUL and oversized files', () => {
  const cases: [Uint8Array, RegExp | undefined][] = [
    [new TextEncoder().encode('permit(principal, action, resource); // é'), undefined],
    [Uint8Array.from([0x70, 0xc3, 0x28]), /not valid UTF-8/],
    [Uint8Array.from([0xff, 0xfe, 0x00]), /not valid UTF-8/],
    [new TextEncoder().encode('permit\0'), /NUL character at offset 6/],
    [new Uint8Array(POLICY_LIMITS.maxFileBytes + 1).fill(0x20), /more than the 262144 allowed/],
  ];
  for (const [bytes, error] of cases) {
    const result = decodePolicyText(bytes);
    if (error === undefined) assert.ok('text' in result);
    else assert.match('error' in result ? result.error : '', error);
  }
});

const wrap = (body: string): string => `@id("x") permit(principal, action, resource) when { ${body} };`;

test('checkComplexity counts nesting and operators outside strings and comments', () => {
  const deep = POLICY_LIMITS.maxNesting + 1;
  const cases: [string, 'policy' | 'schema', RegExp | undefined][] = [
    [wrap(`${'('.repeat(deep)}true${')'.repeat(deep)}`), 'policy', /line 1: nesting deeper than 16/],
    [wrap(`${'['.repeat(deep)}1${']'.repeat(deep)} == [1]`), 'policy', /nesting deeper/],
    [
      wrap(`${'('.repeat(POLICY_LIMITS.maxNesting - 1)}true${')'.repeat(POLICY_LIMITS.maxNesting - 1)}`),
      'policy',
      undefined,
    ],
    [wrap(`"${'((((('.repeat(100)}" == ""`), 'policy', undefined],
    [`// ${'('.repeat(100)}\n${wrap('true')}`, 'policy', undefined],
    [wrap(Array(200).fill('1').join(' + ') + ' > 0'), 'policy', /more than 160 operators/],
    [wrap(`context${'.a'.repeat(200)} == 1`), 'policy', /more than 160 operators/],
    [Array(100).fill(wrap('1 + 1 == 2')).join('\n'), 'policy', undefined],
    [`namespace N { type T = ${'Set<'.repeat(deep)}Long${'>'.repeat(deep)}; }`, 'schema', /nesting deeper/],
    [wrap(`"\\"(" == "("`), 'policy', undefined],
  ];
  for (const [text, mode, error] of cases) {
    const problem = checkComplexity(text, mode);
    if (error === undefined) assert.equal(problem, undefined, text.slice(0, 80));
    else assert.match(problem ?? '', error, text.slice(0, 80));
  }
});

// Regression: deep input traps the wasm module and poisons it for the process. Everything the
// guard admits must parse, validate, format and evaluate without a trap, including the worst
// shapes at the limits combined.
test('worst-case policies within the limits do not trap Cedar', () => {
  const d = POLICY_LIMITS.maxNesting - 1; // wrap() adds the `when { }` level
  const ops = POLICY_LIMITS.maxOperatorsPerPolicy;
  const chain = (n: number, op: string, item: string): string => Array(n).fill(item).join(` ${op} `);
  const bodies = [
    `${'('.repeat(d)}${chain(ops - 2, '+', '1')} > 0${')'.repeat(d)}`,
    `${'['.repeat(d)}${chain(ops - 2, '+', '1')}${']'.repeat(d)} == [1]`,
    `${'('.repeat(d)}context${'.a'.repeat(ops - 2)} == 1${')'.repeat(d)}`,
    `${'if true then '.repeat(ops / 3 - 1)}true${' else false'.repeat(ops / 3 - 1)}`,
    `${'('.repeat(d)}${chain(ops - 1, '&&', 'true')}${')'.repeat(d)}`,
    `${'{a:'.repeat(d)}${chain(ops - 2, '*', '1')}${'}'.repeat(d)} == {a:1}`,
  ];
  for (const body of bodies) {
    const text = wrap(body);
    assert.equal(checkComplexity(text, 'policy'), undefined, body.slice(0, 60));
    const parts = callCedar(() => wasm.policySetTextToParts(text));
    assert.equal(parts.type, 'success');
    callCedar(() => wasm.policyToJson(text));
    callCedar(() => wasm.formatPolicies({ policyText: text }));
    callCedar(() =>
      wasm.isAuthorized({
        principal: { type: 'U', id: 'a' },
        action: { type: 'Action', id: 'a' },
        resource: { type: 'R', id: 'r' },
        context: {},
        entities: [],
        policies: { staticPolicies: { x: text } },
      }),
    );
  }
  assert.equal(cedarTrapped(), false);
});
