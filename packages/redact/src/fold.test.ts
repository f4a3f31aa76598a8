import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRedactor, createKnownSecrets, createRedactTransform, idleFlush } from './index.js';
import { generateCorpus } from './testing/index.js';
import type { Redactor } from './index.js';

/** `fold -w width`: every line cut into pieces of `width` characters. */
function fold(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => {
      const pieces: string[] = [];
      for (let i = 0; i < line.length; i += width) pieces.push(line.slice(i, i + width));
      return pieces.length === 0 ? '' : pieces.join('\n');
    })
    .join('\n');
}

function streamed(r: Redactor, chunks: readonly string[]): string {
  const s = r.createStream();
  let out = '';
  for (const c of chunks) out += s.push(c);
  return out + s.end();
}

/** True when a run of `run` characters of `secret` can be read in the output with its line breaks taken out. */
function readable(secret: string, output: string, run = 5): boolean {
  const flat = output.replace(/\r?\n/g, '');
  for (let i = 0; i + run <= secret.length; i++) if (flat.includes(secret.slice(i, i + run))) return true;
  return false;
}

const STRIPE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const PASSWORD = 'Tr0ub4dor.3-horse';
const CARD = '4111 1111 1111 1111';

const ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/app/bin',
  'HOME=/home/app',
  `STRIPE_KEY=${STRIPE}`,
  'LANG=C.UTF-8',
  `DB_PASSWORD=${PASSWORD}`,
  `AUTH=Bearer ${JWT}`,
  `note: paid with card ${CARD} exp 12/29`,
  '',
].join('\n');

for (const width of [8, 5, 13, 16, 24]) {
  test(`attack: fold -w ${width} of an env dump leaks no piece of any secret (whole, streamed, one char at a time)`, () => {
    const r = createRedactor();
    const folded = fold(ENV, width);
    const whole = r.redactText(folded).text;
    for (const secret of [STRIPE, JWT, PASSWORD, CARD.replace(/ /g, '')])
      assert.ok(!readable(secret, whole.replace(/ /g, '')), `${secret} readable at -w ${width}:\n${whole}`);
    assert.ok(whole.replace(/\n/g, '').includes('HOME=/home/app'), 'plain lines stay');
    assert.equal(streamed(r, [...folded]), whole);
  });
}

test('attack: a folded known secret (no recognisable shape) is masked', () => {
  const known = createKnownSecrets();
  const dbPassword = 'plain-looking-words-42';
  known.add(dbPassword, 'PASSWORD');
  const r = createRedactor({ knownSecrets: known });
  const folded = fold(`connected with ${dbPassword} to primary\nok\n`, 8);
  const out = r.redactText(folded).text;
  assert.ok(!readable(dbPassword, out), out);
  assert.equal(streamed(r, [...folded]), out);
});

test('attack: folded lines sent alternately to stdout and stderr are masked in the merged stream', () => {
  const r = createRedactor();
  const lines = fold(`STRIPE_KEY=${STRIPE}\nok\n`, 8).split(/(?<=\n)/);
  const s = r.createMergedStream<'stdout' | 'stderr'>();
  let out = '';
  lines.forEach((line, i) => {
    for (const p of s.push(i % 2 === 0 ? 'stdout' : 'stderr', line)) out += p.text;
  });
  for (const p of s.end()) out += p.text;
  assert.ok(!readable(STRIPE, out), out);
  assert.match(out, /ok\n$/);
});

test('a masked fold is one placeholder covering every piece; the lines around it stay', () => {
  const r = createRedactor();
  const out = r.redactText(fold(`before\nkey ${STRIPE} after\nnext line\n`, 8)).text;
  assert.equal(out.match(/\[REDACTED:STRIPE_KEY\]/g)?.length, 1, out);
  assert.ok(out.startsWith('before\n'), out);
  assert.ok(out.endsWith('next lin\ne\n'), out);
});

test('a single fold at a width the text already folded at twice is rejoined', () => {
  const r = createRedactor();
  const filler = 'x'.repeat(50);
  // the first line folds three times (width confirmed), the token line once
  const text = `${fold(`${filler}${filler}${filler}`, 40)}\n${fold(`request id 1234 used token ${STRIPE} end`, 40)}\n`;
  const out = r.redactText(text).text;
  assert.ok(!readable(STRIPE, out), out);
});

test('wrapped checksums, UUIDs and trace ids are kept (hard negatives folded at several widths)', () => {
  const r = createRedactor();
  const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const sha512 =
    'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';
  const uuid = '203db13e-70c7-462b-9a3d-bf32640cb0be';
  const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const text = `${sha256}  app.tar.gz\n${sha512}  app.zip\nrequest ${uuid} trace=${trace} at 1733300000\n`;
  for (const width of [8, 16, 32, 64, 80]) {
    const out = r.redactText(fold(text, width)).text.replace(/\n/g, '');
    for (const kept of [sha256, sha512, uuid, trace, '1733300000'])
      assert.ok(out.includes(kept), `${kept} damaged at -w ${width}`);
  }
});

test('streamed output equals whole output on folded text for any split and width', () => {
  const docs = generateCorpus({ seed: 7, documents: 40 }).map((d) => d.text);
  for (const level of ['standard', 'strict'] as const) {
    const r = createRedactor({ level });
    fc.assert(
      fc.property(
        fc.constantFrom(...docs),
        fc.integer({ min: 1, max: 90 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (doc, width, cuts) => {
          const text = fold(doc, width);
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let prev = 0;
          for (const p of points) {
            chunks.push(text.slice(prev, p));
            prev = p;
          }
          chunks.push(text.slice(prev));
          assert.equal(streamed(r, chunks), r.redactText(text).text);
        },
      ),
      { numRuns: 150 },
    );
  }
});

// A held line must never wait for a line that may not come: a live command's last line (a prompt,
// `started`, the line before a long wait) is released when the source pauses. The first fold
// reading held it until the next line and was withdrawn for that.
test('attack: the last line of a live stream is released by flush() without a following line', () => {
  const r = createRedactor();
  const s = r.createStream();
  let out = s.push('started\n');
  out += s.flush();
  assert.equal(out, 'started\n');
  // the stream goes on as before after a flush
  out += s.push(`STRIPE_KEY=${STRIPE}\n`) + s.flush();
  assert.equal(out, 'started\nSTRIPE_KEY=[REDACTED:STRIPE_KEY]\n');
  assert.equal(s.flush(), '', 'nothing is released twice');
  assert.equal(s.end(), '');
  assert.throws(() => s.flush(), TypeError);
});

test('attack: the merged stdout/stderr stream releases its last line on flush()', () => {
  const r = createRedactor();
  const s = r.createMergedStream<'stdout' | 'stderr'>();
  const pieces = [...s.push('stdout', 'listening on :8080\n'), ...s.flush()];
  assert.deepEqual(pieces, [{ source: 'stdout', text: 'listening on :8080\n' }]);
  const err = [...s.push('stderr', 'warn: slow\n'), ...s.flush()];
  assert.deepEqual(err, [{ source: 'stderr', text: 'warn: slow\n' }]);
  assert.deepEqual(s.end(), []);
});

test('attack: the node Transform releases its last line when the source goes quiet', async () => {
  const t = createRedactTransform(createRedactor());
  const first = new Promise<string>((resolve) => t.once('data', (d: Buffer | string) => resolve(String(d))));
  t.write('ready\n');
  // no more input and no end: the line arrives once the source has been idle
  assert.equal(await first, 'ready\n');
  t.end();
});

test('a flush when the source paused keeps a line without its newline held, and the folds already whole', () => {
  const r = createRedactor();
  const folded = fold(`STRIPE_KEY=${STRIPE}\n`, 8);
  const s = r.createStream();
  let out = s.push(folded) + s.flush();
  // the whole fold was there before the pause: masked as in the whole text
  assert.equal(out, r.redactText(folded).text);
  out = s.push('partial') + s.flush();
  assert.equal(out, '', 'a line without its newline is held until it ends');
  assert.equal(s.end(), 'partial');
});

test('idleFlush calls back once per silence and never after cancel', async () => {
  let calls = 0;
  let wake: () => void = () => undefined;
  const idle = idleFlush(() => {
    calls++;
    wake();
  }, 5);
  await new Promise<void>((resolve) => {
    wake = resolve;
    idle.touch();
    idle.touch();
  });
  assert.equal(calls, 1);
  idle.touch();
  idle.cancel();
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(calls, 1);
  assert.throws(() => idleFlush(() => undefined, -1), TypeError);
});

test('streamed output with flushes at any point equals whole output on text that is not folded', () => {
  const docs = generateCorpus({ seed: 11, documents: 40 }).map((d) => d.text);
  const r = createRedactor({ level: 'strict' });
  fc.assert(
    fc.property(fc.constantFrom(...docs), fc.array(fc.nat(), { maxLength: 20 }), (doc, cuts) => {
      const points = [...new Set(cuts.map((c) => c % (doc.length + 1)))].sort((a, b) => a - b);
      const s = r.createStream();
      let out = '';
      let prev = 0;
      for (const p of points) {
        out += s.push(doc.slice(prev, p)) + s.flush();
        prev = p;
      }
      out += s.push(doc.slice(prev)) + s.end();
      assert.equal(out, r.redactText(doc).text);
    }),
    { numRuns: 200 },
  );
});

test('one folded line never reads as the header of the next (whole text equals streamed)', () => {
  const r = createRedactor();
  // `PASSWORD` + `,L` join into a header-shaped line, `go` + `!,` into a row under it
  const text = 'PASSWORD\n,L\ngo\n!,';
  const whole = r.redactText(text);
  assert.equal(whole.text, text);
  assert.deepEqual(whole.counts, {});
  assert.equal(streamed(r, [...text]), text);
});
