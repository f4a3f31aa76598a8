import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { buildConditionHook, buildHook } from './hook.js';

describe('hook text', () => {
  test('refuses names and keys that are not plain identifiers', () => {
    assert.throws(() => buildHook('__k', 1, ['a;b']), TypeError);
    assert.throws(() => buildHook('x.y', 1, ['a']), TypeError);
    assert.throws(() => buildHook('__k', 1, ['await']), TypeError);
    assert.throws(() => buildConditionHook('__k', -1, ['a']), TypeError);
  });

  test('stays on one line', () => {
    assert.doesNotMatch(buildHook('__k', 3, ['a', 'b']), /\n/);
  });

  test('the gate counts down and calls the runtime only when it reaches zero; 0 is off', () => {
    const ctx = { calls: [] as unknown[], a: 7 };
    const setup = `globalThis.__k = { c: [0, 3], hit(id, read) { calls.push([id, read(0), read(-1)]); this.c[id] = 2; } };`;
    const body = `function f() { ${buildHook('__k', 1, ['a'])} return 1; } for (let i = 0; i < 7; i++) f(); __k.c[1] = 0; for (let i = 0; i < 7; i++) f();`;
    runInNewContext(`${setup}${body}`, ctx);
    assert.equal(ctx.calls.length, 3, 'after 3 hits, then every 2nd, then nothing once off');
    const first = ctx.calls[0] as unknown[];
    assert.equal(first[0], 1);
    assert.equal(first[1], 7);
  });

  test('as a breakpoint condition it is always false', () => {
    const ctx = { a: 1, hits: 0 };
    const r = runInNewContext(
      `globalThis.__k = { c: [0, 1], hit() { hits++; } }; ${buildConditionHook('__k', 1, ['a'])}`,
      ctx,
    ) as unknown;
    assert.equal(r, false);
    assert.equal(ctx.hits, 1);
  });
});
