import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRedactor } from './index.js';
import { generateCorpus, leaked } from './testing/index.js';
import type { RedactedPiece, Redactor } from './index.js';

type Source = 'stdout' | 'stderr';

function run(r: Redactor, chunks: ReadonlyArray<[Source, string]>) {
  const s = r.createMergedStream<Source>();
  const pieces: Array<RedactedPiece<Source>> = [];
  for (const [source, chunk] of chunks) pieces.push(...s.push(source, chunk));
  pieces.push(...s.end());
  const of = (source: Source) =>
    pieces
      .filter((p) => p.source === source)
      .map((p) => p.text)
      .join('');
  return {
    pieces,
    all: pieces.map((p) => p.text).join(''),
    stdout: of('stdout'),
    stderr: of('stderr'),
    counts: s.counts,
  };
}

const TOKEN = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

test('attack: a secret split between stdout and stderr is masked (separate streams leak it)', () => {
  const r = createRedactor();
  const chunks: Array<[Source, string]> = [
    ['stdout', `export GITHUB=${TOKEN.slice(0, 20)}`],
    ['stderr', `${TOKEN.slice(20)}\n`],
    ['stdout', 'done\n'],
  ];
  const separate = { stdout: r.createStream(), stderr: r.createStream() };
  let apart = '';
  for (const [source, chunk] of chunks) apart += separate[source].push(chunk);
  apart += separate.stdout.end() + separate.stderr.end();
  assert.ok(leaked(TOKEN, chunks.map((c) => c[1]).join(''), apart), 'seen to leak without merging');

  const merged = run(r, chunks);
  assert.ok(!leaked(TOKEN, chunks.map((c) => c[1]).join(''), merged.all), merged.all);
  assert.equal(merged.stdout, 'export GITHUB=[REDACTED:GITHUB_TOKEN]done\n');
  assert.equal(merged.stderr, '\n');
  assert.deepEqual(merged.counts, { GITHUB_TOKEN: 1 });
});

test('pieces keep their source and order; each source alone reads as its own redacted text', () => {
  const r = createRedactor();
  const got = run(r, [
    ['stdout', 'line one alice@example.com\n'],
    ['stderr', 'warn: retry\n'],
    ['stdout', 'line two\n'],
  ]);
  assert.deepEqual(got.pieces, [
    { source: 'stdout', text: 'line one [REDACTED:EMAIL]\n' },
    { source: 'stderr', text: 'warn: retry\n' },
    { source: 'stdout', text: 'line two\n' },
  ]);
});

const corpus = generateCorpus({ seed: 77, documents: 40 }).map((d) => d.text);
const chunkArb = fc.array(
  fc.tuple(
    fc.constantFrom<Source>('stdout', 'stderr'),
    fc.oneof(fc.constantFrom(...corpus, TOKEN, 'password=', '\n', ' '), fc.string({ maxLength: 30 })),
  ),
  { maxLength: 16 },
);

for (const level of ['standard', 'strict'] as const) {
  test(`merged output equals the whole-text output of the chunks in arrival order (${level})`, () => {
    const r = createRedactor({ level });
    fc.assert(
      fc.property(chunkArb, fc.nat(), (chunks, cut) => {
        // a chunk split further must not change anything either
        const split = chunks.flatMap(([source, chunk]): Array<[Source, string]> => {
          const at = chunk.length === 0 ? 0 : cut % chunk.length;
          return [
            [source, chunk.slice(0, at)],
            [source, chunk.slice(at)],
          ];
        });
        const whole = r.redactText(chunks.map((c) => c[1]).join(''));
        for (const input of [chunks, split]) {
          const got = run(r, input);
          assert.equal(got.all, whole.text);
          assert.deepEqual(got.counts, whole.counts);
        }
      }),
      { numRuns: 300 },
    );
  });
}

test('push after end and a non-string chunk are API misuse', () => {
  const s = createRedactor().createMergedStream();
  assert.throws(() => s.push('stdout', 1 as unknown as string), TypeError);
  s.end();
  assert.throws(() => s.push('stdout', 'x'), TypeError);
  assert.throws(() => s.end(), TypeError);
});
