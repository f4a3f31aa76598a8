import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { createRedactor, createRedactTransform } from './index.js';
import { generateCorpus } from './testing/index.js';
import type { Redactor } from './index.js';

function streamed(r: Redactor, chunks: readonly string[]): { text: string; counts: Record<string, number> } {
  const s = r.createStream();
  let out = '';
  for (const c of chunks) out += s.push(c);
  out += s.end();
  return { text: out, counts: s.counts };
}

function splitAt(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  out.push(text.slice(prev));
  return out;
}

const corpus = generateCorpus({ seed: 42, documents: 60 }).map((d) => d.text);
const fragments = [
  ...corpus,
  'password=',
  'Authorization: Bearer ',
  '-----BEGIN RSA PRIVATE KEY-----\n',
  '-----END RSA PRIVATE KEY-----\n',
  'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM\n',
  '@example.com',
  '4111 1111 1111 1111',
  '\n',
  '\r\n',
  ' ',
  '"',
  ':',
  '=',
];

const textArb = fc
  .array(
    fc.oneof(
      fc.constantFrom(...fragments),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 10 }),
    ),
    {
      maxLength: 12,
    },
  )
  .map((parts) => parts.join(''));

for (const level of ['standard', 'strict'] as const) {
  test(`streamed output equals whole-text output for any split (${level})`, () => {
    const r = createRedactor({ level });
    fc.assert(
      fc.property(textArb, fc.array(fc.nat(), { maxLength: 30 }), (text, cuts) => {
        const whole = r.redactText(text);
        const got = streamed(r, splitAt(text, cuts));
        assert.equal(got.text, whole.text);
        assert.deepEqual(got.counts, whole.counts);
      }),
      { numRuns: 300 },
    );
  });
}

test('a multi-line private key split one character at a time is still masked', () => {
  const r = createRedactor();
  const body = Array.from(
    { length: 20 },
    (_, i) => `MIIEpAIBAAKCAQEA${String(i).padStart(4, '0')}Tz2mr7SZiAMfQyuvBjMabcdefABCDEF0123456789+/`,
  ).join('\n');
  const pem = `log line\n-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----\nafter\n`;
  const got = streamed(r, [...pem]);
  assert.equal(got.text, 'log line\n[REDACTED:PRIVATE_KEY]\nafter\n');
  assert.equal(got.text, r.redactText(pem).text);
});

test('a truncated private key (no END line) is masked up to where the base64 stops', () => {
  const r = createRedactor();
  const pem =
    '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC\nAbCdEfGhIjKlMnOp0123\nnext: plain words here\n';
  const out = r.redactText(pem).text;
  assert.ok(!out.includes('MIIEvQIBADANBgkq'));
  assert.ok(out.endsWith('next: plain words here\n'));
});

test('memory stays bounded: a line without newline is emitted once it passes the segment limit', () => {
  const r = createRedactor();
  const s = r.createStream();
  let emitted = 0;
  for (let i = 0; i < 200; i++) emitted += s.push('field=value, '.repeat(100)).length;
  assert.ok(emitted > 200 * 1300 - 80_000, 'most of the text was released before end()');
  s.end();
});

test('over-long lines are cut identically in whole-text and streamed mode', () => {
  const r = createRedactor();
  const line = Array.from({ length: 9000 }, (_, i) => `k${i}=v${i} mail${i}@example.com`).join(', ');
  const whole = r.redactText(line);
  assert.equal(streamed(r, splitAt(line, [1, 70_000, 70_001, 130_000, 200_003])).text, whole.text);
  assert.equal(whole.counts.EMAIL, 9000);
});

test('push after end is API misuse', () => {
  const s = createRedactor().createStream();
  s.end();
  assert.throws(() => s.push('x'), TypeError);
  assert.throws(() => s.end(), TypeError);
});

test('createRedactTransform redacts bytes split inside multi-byte characters and secrets', async () => {
  const r = createRedactor();
  const input = Buffer.from('héllo ünïcode alice@example.com and token=S3cr3tT0ken99\n', 'utf8');
  const chunks = [...input].map((b) => Buffer.from([b]));
  const t = createRedactTransform(r);
  let out = '';
  for await (const c of Readable.from(chunks).pipe(t)) out += String(c);
  assert.equal(out, 'héllo ünïcode [REDACTED:EMAIL] and token=[REDACTED:TOKEN]\n');
  assert.deepEqual(t.counts, { EMAIL: 1, TOKEN: 1 });
});
