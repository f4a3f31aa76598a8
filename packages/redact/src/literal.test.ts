import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Literal } from './literal.js';
import { prefixTrieSource } from './detectors/regex-detector.js';
import { builtinDetectors } from './detectors/registry.js';
import { Engine } from './engine.js';
import { generateCorpus } from './testing/index.js';
import type { Span } from './span.js';

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

test('a detector finds nothing in a text that holds none of its declared triggers', () => {
  const docs = [
    ...generateCorpus({ seed: 11, documents: 400 }).map((d) => d.text),
    'GET https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sr=b&sig=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA%3D%3D',
    'CI_JOB_TOKEN glpat-kLCmFVv9cnr8wuRnrq7c, gcloud token ya29.a0AfB_RqQpW4L7SMg21cKFqkFL4vH8Xa1PkO4slRRhc',
    'dop_v1_4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e 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 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 dapi4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
    'pypi-AgEIcHlwaS5vcmcXlHP6IxH-YqIg1MCTF-bkEr6r6jFRCtRivgZQ9gFVvsZN5BeD8L9u7B393x AGE-SECRET-KEY-1X53E3RXP3ZQ6X64S02MRSKSA9P75KR7XGCWU908V2K3QCGZ6S8KGWAMZMC',
    '1733311440.117893 [0 10.0.3.7:53422] "AUTH" "default" "Rd-Mon-8xQ2-kLp"\n127.0.0.1:6379> AUTH Prompt-Pw-7qX\n',
    'carol:{SHA}AHzrMNj8DO7d3LYCZFYX+8l8K5o=\nx:$1$nScfqA12$z5zzM32r4dfQb4YcsoD2N1\nlegacy|md56e7a37416175e3e97ee38717ec94139e\n',
  ];
  // the same texts with every trigger broken, so each declared detector is exercised both ways
  const broken = docs.map((t) => t.replace(/[@:'%?&=_-]/g, ' ').replace(/[Bb]/g, 'p'));
  for (const level of ['standard', 'strict'] as const) {
    const ctx = new Engine({ level });
    for (const d of builtinDetectors()) {
      if (d.triggers === undefined) continue;
      let found = 0;
      for (const text of [...docs, ...broken]) {
        const spans: Span[] = [];
        d.scan(text, spans, ctx);
        found += spans.length;
        if (!d.triggers.some((t) => text.includes(t)))
          assert.deepEqual(spans, [], `${d.name} found something without a trigger in ${text}`);
      }
      assert.ok(found > 0, `${d.name} is exercised`);
    }
  }
});
