import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor } from './index.js';
import {
  evaluateRedaction,
  generateCorpus,
  leaked,
  REGRESSION_CORPUS,
  splitIntoChunks,
} from './testing/index.js';

const docs = generateCorpus({ seed: 20240901, documents: 700 });

for (const level of ['standard', 'strict'] as const) {
  const r = createRedactor({ level });
  const streamed = (text: string): string => {
    const s = r.createStream();
    let out = '';
    for (const c of splitIntoChunks(text, text.length)) out += s.push(c);
    return out + s.end();
  };
  for (const [mode, redact] of [
    ['whole', (t: string) => r.redactText(t).text],
    ['chunked 1-64', streamed],
  ] as const) {
    test(`labeled corpus, ${level}, ${mode}: recall >= 0.99 per type, hard negatives >= 0.99`, () => {
      const res = evaluateRedaction(docs, redact, level);
      for (const [type, score] of Object.entries(res.perType))
        assert.ok(score.recall >= 0.99, `${type} recall ${score.recall}`);
      assert.ok(res.negatives.rate >= 0.99, `hard negatives ${res.negatives.rate}`);
      assert.ok(res.precision >= 0.99, `precision ${res.precision}`);
      assert.ok(Object.keys(res.perType).length >= (level === 'strict' ? 24 : 20), 'every type is exercised');
    });
  }
}

test('the evaluator counts a secret as leaked when any 8-character run survives', () => {
  assert.equal(leaked('abcdefghijkl', 'x abcdefghijkl y', 'x ***defghijk* y'), true);
  assert.equal(leaked('abcdefghijkl', 'x abcdefghijkl y', 'x [REDACTED] y'), false);
  assert.equal(leaked('short', 'a short b', 'a short b'), true);
  const r = createRedactor();
  const res = evaluateRedaction(docs.slice(0, 50), (t) => t, 'standard');
  assert.equal(res.recall, 0, 'the identity function catches nothing');
  assert.equal(res.negatives.rate, 1);
  const none = evaluateRedaction(docs.slice(0, 50), () => '', 'standard');
  assert.equal(none.recall, 1);
  assert.ok(none.negatives.rate < 0.01, 'deleting everything destroys the hard negatives');
  assert.ok(evaluateRedaction(docs.slice(0, 50), (t) => r.redactText(t).text, 'standard').recall > 0.99);
});

test('corpus generation is deterministic for a seed', () => {
  assert.deepEqual(generateCorpus({ seed: 5, documents: 20 }), generateCorpus({ seed: 5, documents: 20 }));
  assert.notDeepEqual(generateCorpus({ seed: 5, documents: 20 }), generateCorpus({ seed: 6, documents: 20 }));
});

for (const c of REGRESSION_CORPUS) {
  test(`regression: ${c.name}`, () => {
    const r = createRedactor({ level: c.level });
    // past 1 KiB the WebAssembly pre-scan finds the candidates; below it the JavaScript path
    const pad = 'ok '.repeat(400) + '\n';
    for (const out of [
      r.redactText(c.input).text,
      r.redactText(pad + c.input).text.slice(pad.length),
      (() => {
        const s = r.createStream();
        let o = '';
        for (const ch of c.input) o += s.push(ch);
        return o + s.end();
      })(),
    ]) {
      for (const secret of c.leak)
        assert.equal(leaked(secret, c.input, out), false, `leaked ${c.name}: ${out}`);
      for (const keep of c.keep) assert.ok(out.includes(keep), `damaged ${c.name}: ${out}`);
    }
  });
}
