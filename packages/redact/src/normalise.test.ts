import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createRedactor } from './index.js';
import { everyWay, leaked } from './testing/index.js';

const STRIPE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
const CARD = '4111 1111 1111 1111';
const EMAIL = 'alice.smith@example.com';

const each = (s: string, f: (ch: string) => string): string => [...s].map(f).join('');
const hex2 = (ch: string): string => ch.charCodeAt(0).toString(16).padStart(2, '0');
const ESC = '\u001b';

/** How an attacker (or a tool) re-encodes a value so that a plain pattern no longer matches it. */
const disguises: Array<[string, (v: string) => string]> = [
  // runs of 40 or more characters are decoded: the value with some context, as a config blob holds it
  ['base64', (v) => Buffer.from(`payment value=${v} region=eu`).toString('base64')],
  ['hex', (v) => Buffer.from(`token ${v}`).toString('hex')],
  ['gzip+base64', (v) => gzipSync(Buffer.from(`secret: ${v}\n`)).toString('base64')],
  ['URL encoding of every character', (v) => each(v, (ch) => `%${hex2(ch)}`)],
  ['\\u escapes', (v) => each(v, (ch) => `\\u00${hex2(ch)}`)],
  ['\\x escapes', (v) => each(v, (ch) => `\\x${hex2(ch)}`)],
  ['HTML entities', (v) => each(v, (ch) => `&#x${hex2(ch)};`)],
  ['decimal HTML entities', (v) => each(v, (ch) => `&#${ch.charCodeAt(0)};`)],
  ['zero-width characters between characters', (v) => [...v].join('\u200b')],
  ['bidi controls between characters', (v) => [...v].join('\u202e\u202c')],
  [
    'ANSI colour codes between characters',
    (v) => [...v].map((ch) => `${ESC}[3${ch.length}m${ch}`).join('') + `${ESC}[0m`,
  ],
  [
    'full-width characters',
    (v) => each(v, (ch) => (ch >= '!' && ch <= '~' ? String.fromCharCode(ch.charCodeAt(0) + 0xfee0) : ch)),
  ],
];

for (const level of ['standard', 'strict'] as const) {
  test(`attack: a Stripe key, a card and an e-mail address in disguise are masked (${level})`, () => {
    const r = createRedactor({ level });
    for (const [name, disguise] of disguises) {
      for (const value of [STRIPE, CARD, EMAIL]) {
        const encoded = disguise(value);
        const input = `log: ${encoded} end\n`;
        for (const out of everyWay(r, input)) {
          assert.ok(
            !out.includes(encoded.slice(0, 24)) || encoded.length < 24,
            `${name} of ${value}: ${out}`,
          );
          assert.ok(out.includes('[REDACTED:'), `${name} of ${value}: ${out}`);
          assert.ok(out.startsWith('log: ') && out.endsWith(' end\n'), `${name}: context damaged: ${out}`);
          assert.equal(leaked(value, input, out), false);
        }
      }
    }
  });
}

test('ordinary encoded and decorated text comes out unchanged', () => {
  const r = createRedactor({ level: 'strict' });
  const keep = [
    'GET /search?q=caf%C3%A9%20au%20lait&page=2 200 12ms',
    '{"msg":"d\\u00e9j\\u00e0 vu","path":"C:\\\\x\\\\y","ok":true}',
    '<a href="/orders?id=42&amp;sort=asc">orders &lt;42&gt;</a>',
    `${ESC}[32mINFO${ESC}[0m server listening on port 8080 took 12ms`,
    'took 12µs, ５ retries, naïve résumé',
    'digest sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b',
    'git 9fceb02d0ae598e95dc970b74767f19372d61af8 and e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    `cert ${Buffer.from(Array.from({ length: 60 }, (_, i) => (i * 37) % 256)).toString('base64')}`,
    `data ${Buffer.from('hello world, nothing to see here at all').toString('base64')}`,
  ];
  for (const input of keep) assert.equal(r.redactText(input).text, input);
});

test('encoded runs in upper-case hex, or holding a control byte, are decoded and masked', () => {
  // a control byte past the first eight decoded bytes does not stop a decoding that reads as text
  const r = createRedactor();
  const text = `token ${STRIPE} \u0001 seen twice`;
  const runs = [
    Buffer.from(text).toString('hex').toUpperCase(),
    Buffer.from(text).toString('base64').replace(/=+$/, ''),
  ];
  for (const encoded of runs) {
    const out = r.redactText(`blob ${encoded} end\n`).text;
    assert.equal(out, 'blob [REDACTED:STRIPE_KEY] end\n', encoded);
  }
});
