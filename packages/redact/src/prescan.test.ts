import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CLASS_B64,
  CLASS_DIGIT,
  CLASS_DOT,
  CLASS_RUN,
  CLASS_TABLE,
  MIN_B64_RUN,
  MIN_NUMBER_RUN,
  PRESCAN_MIN,
  prescan,
  prescanModuleBytes,
  setPrescanEnabled,
} from './prescan.js';
import { createRedactor } from './redactor.js';
import { prefixTrieSource } from './detectors/regex-detector.js';
import { KEY_HINT_WORDS } from './key-hints.js';
import { generateCorpus, generateLogText } from './testing/index.js';

/** The runs the pre-scan must list, found one character at a time. */
function expectedRuns(text: string): { num: number[]; b64: number[] } {
  const num: number[] = [];
  const b64: number[] = [];
  let ns = 0;
  let digits = 0;
  let dots = 0;
  let bs = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    const k = c < 128 ? CLASS_TABLE[c]! : 0;
    if ((k & CLASS_RUN) !== 0) {
      if ((k & CLASS_DIGIT) !== 0) digits++;
      if ((k & CLASS_DOT) !== 0) dots++;
    } else {
      if (i - ns >= MIN_NUMBER_RUN && (digits >= 8 || dots >= 3)) num.push(ns, i, digits);
      ns = i + 1;
      digits = 0;
      dots = 0;
    }
    if ((k & CLASS_B64) === 0) {
      if (i - bs >= MIN_B64_RUN) b64.push(bs, i);
      bs = i + 1;
    }
  }
  return { num, b64 };
}

const starts = (re: RegExp, text: string): number[] => [...text.matchAll(re)].map((m) => m.index);

const HINT = new RegExp(prefixTrieSource(KEY_HINT_WORDS, '[-._[\\]]*'), 'i');

/**
 * The candidate lists the pre-scan must produce: every place each literal starts, and the end of
 * every maximal key run holding a hint word with only blanks, quotes and backslashes before a
 * delimiter.
 */
function expectedLists(text: string): number[][] {
  const keyEnds = [...text.matchAll(/[A-Za-z0-9_.[\]-]+(?=[ \t"'\\]*[=:])/g)]
    .filter((m) => HINT.test(m[0]))
    .map((m) => m.index + m[0].length);
  return [
    starts(/(?=[A-Z]{2}[0-9]{2})/g, text),
    starts(/(?=A[A-Z]|GO|SG)/g, text),
    starts(/(?=bear)/gi, text),
    starts(/(?=basic)/gi, text),
    starts(/(?=:\/\/)/g, text),
    starts(/(?=--[A-Za-z])/g, text),
    starts(/(?=gh[\s\S]_|gith|[\s\S]pm_|x[oa]|wh|[\s\S]k[_-]|[\s\S]{5}:\/\/h)/gi, text),
    keyEnds,
  ];
}

function actualRuns(text: string): { num: number[]; b64: number[] } {
  const runs = prescan(text);
  assert.ok(runs !== undefined, 'the pre-scan runs on a long text');
  assert.deepEqual(
    [
      runs.iban,
      runs.upperVendor,
      runs.bearer,
      runs.basic,
      runs.url,
      runs.flag,
      runs.lowerVendor,
      runs.keyRunEnds,
      // a literal tested from a later character may list a start before the text's beginning
    ].map((l) => [...l].filter((x) => x >= 0)),
    expectedLists(text),
    'candidate lists',
  );
  return { num: [...runs.num], b64: [...runs.b64] };
}

test('the assembled module validates', () => {
  const wasm = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
  assert.equal(wasm?.validate(prescanModuleBytes()), true);
});

test('the pre-scan lists exactly the long runs, at word edges and across words', () => {
  const pad = (s: string): string => s + ' '.repeat(Math.max(0, PRESCAN_MIN + 1 - s.length));
  const cases: string[] = [
    // runs ending right at a 64-character word edge and at the end of the text
    'x'.repeat(64 - 9) + '123456789',
    'x'.repeat(128 - 9) + '1234-5678 9',
    // a base64 run spanning three words, one of exactly 40, one of 39
    `${'A1b+/'.repeat(30)} ${'Ab3'.repeat(13)}A ${'Ab3'.repeat(13)}`,
    // characters beyond Latin-1 whose low byte is a digit or letter are in no class
    `12345\u0130678901 \u0141bcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP \ud800123456789`,
    '1.2.3.4 ... 1.2.3 (415) 555-2671 +44 20 7946 0958',
    // literal candidates in any letter case, at word edges, and look-alikes outside ASCII
    `${'x'.repeat(62)}BeArEr BASIC basIc DE89 AKIA GOCSPX SG. \u212Aey \u017Fg AIza ${'y'.repeat(50)}BEAR basi bea Bea Ab A1 G O GO SG S1 DE8 D E89 de89`,
    // key runs: quoted, escaped, spaced, across a word edge, without a hint, hint outside the run
    `${'z'.repeat(60)}db_PassWord = 1 "token": 2 \\"apiKey\\": 3 user_id=4 status=5 pass word=6 x.sig[0]:7 SEC_RET=8 p.a.s.s.w.o.r.d=9 t-o-k_e.n=1 a[u]th:2 to9ken=3 https://a:b@c ://x :/ / -----BEGIN --password --1 -- x ---z ghp_ GH__ github_pat_ npm_ xoxb- xapp-1 whsec_ sk_live sk-ant rk_ https://hooks.slack`,
    `${'k'.repeat(1100)}secret=1 ${'q'.repeat(70)}=2 'mfa'  \t: 3 sess\\x=4 "a"pass"=5 ssn:\u0130`,
  ];
  for (const c of cases) {
    for (const text of [pad(c), pad(c).trimEnd() + '9'.repeat(PRESCAN_MIN)]) {
      assert.deepEqual(actualRuns(text), expectedRuns(text), JSON.stringify(text.slice(0, 80)));
    }
  }
  // every length around word edges
  for (let n = PRESCAN_MIN + 1; n < PRESCAN_MIN + 140; n++) {
    const text = '7'.repeat(n);
    assert.deepEqual(actualRuns(text), expectedRuns(text));
    const b = 'Ab1'.repeat(n).slice(0, n);
    assert.deepEqual(actualRuns(b), expectedRuns(b));
  }
  fc.assert(
    fc.property(
      fc.array(
        fc.constantFrom(
          '0',
          '5',
          '9',
          ' ',
          '.',
          '-',
          '+',
          '(',
          ')',
          'a',
          'Z',
          '/',
          '=',
          ':',
          '\n',
          'é',
          '\u0130',
        ),
        { minLength: PRESCAN_MIN + 1, maxLength: PRESCAN_MIN + 600 },
      ),
      (chars) => {
        const text = chars.join('');
        assert.deepEqual(actualRuns(text), expectedRuns(text));
      },
    ),
    { numRuns: 200 },
  );
});

test('redaction is the same with and without the pre-scan', () => {
  const docs = generateCorpus({ documents: 400, seed: 11 }).map((d) => d.text);
  const texts = [generateLogText(200_000, 5)];
  for (let i = 0; i < docs.length; i += 8) texts.push(docs.slice(i, i + 8).join('\n'));
  for (const level of ['standard', 'strict'] as const) {
    const r = createRedactor({ level });
    for (const text of texts) {
      assert.ok(text.length > PRESCAN_MIN);
      const withPrescan = r.redactText(text);
      const was = setPrescanEnabled(false);
      try {
        assert.deepEqual(r.redactText(text), withPrescan);
      } finally {
        setPrescanEnabled(was);
      }
    }
  }
});
