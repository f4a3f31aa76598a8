import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Literal } from './literal.js';
import { prefixTrieSource } from './detectors.js';

const positions = (re: RegExp, text: string): Array<[number, number]> =>
  [...text.matchAll(re)].map((m) => [m.index, m.index + m[0].length]);

test('a literal found from its tail is found where indexOf finds it', () => {
  const cases: Array<[string, number, string]> = [
    ['-----BEGIN', 5, 'a -----BEGIN x -----BEGIN'],
    ['-----BEGIN', 5, 'BEGIN ----BEGIN -----BEGI'],
    ['eyJ', 1, 'yJ eyJ eeyJ'],
    ['AccountKey=', 7, 'Key= AccountKey= ccountKey='],
    ['sk_', 1, 'k_ sk_ rk_'],
  ];
  for (const [lit, skip, text] of cases) {
    const l = new Literal(lit, skip);
    for (let from = 0; from <= text.length; from++)
      assert.equal(l.find(text, from), text.indexOf(lit, from), `${lit} in ${text} from ${from}`);
  }
  fc.assert(
    fc.property(fc.stringMatching(/^[-BEGIN x]{0,40}$/), fc.nat(40), (text, from) => {
      assert.equal(new Literal('-----BEGIN', 5).find(text, from), text.indexOf('-----BEGIN', from));
    }),
  );
});

test('the prefix-factored alternation matches exactly where the plain one does', () => {
  const words = ['pass', 'pw', 'pin', 'secret', 'sess', 'seed', 'sid', 'sig', 'cvv', 'cvc', 'key'];
  const plain = new RegExp(words.join('|'), 'gi');
  const trie = new RegExp(prefixTrieSource(words), 'gi');
  assert.equal(prefixTrieSource(['ab', 'ac', 'd']), '(?:a(?:b|c)|d)');
  fc.assert(
    fc.property(fc.stringMatching(/^[PpAaSsWwIiNnEeCcRrTtDdGgVvKkYy _=]{0,60}$/), (text) => {
      assert.deepEqual(positions(trie, text), positions(plain, text));
    }),
  );
});
