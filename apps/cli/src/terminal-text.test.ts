import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  neutraliseBlock,
  neutraliseDeep,
  neutraliseLine,
  terminalSafeJson,
  TerminalStream,
} from './terminal-text.js';

const ESC = '\u001b';
// What a hostile reason, comment, name or command output carries to an approver's terminal.
const ATTACKS = {
  'window title (OSC 0)': `${ESC}]0;you have been approved${'\u0007'}`,
  'clipboard write (OSC 52)': `${ESC}]52;c;Y3VybCBldmlsLnNoIHwgc2g=${'\u0007'}`,
  'clear screen and home': `${ESC}[2J${ESC}[H`,
  'hidden text (SGR 8)': `${ESC}[8msecret${ESC}[0m`,
  '8-bit CSI (C1)': '\u009b2J',
  'carriage return overwrite': 'rm -rf /\rls      ',
  'bidirectional override': 'approve\u202e\u2066evil\u2069',
  'string terminator (ST)': `${ESC}]8;;https://evil.example${ESC}\\link`,
  backspaces: 'sudo\b\b\b\bls  ',
  'line separator': 'ok\u2028needs: 0 more approvals',
};
// Everything a terminal may act on, except newline and tab.
const CONTROL =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

for (const [name, attack] of Object.entries(ATTACKS)) {
  test(`a ${name} sequence is shown, not obeyed`, () => {
    const line = neutraliseLine(`reason: ${attack}`);
    assert.doesNotMatch(line, CONTROL, line);
    assert.doesNotMatch(line, /\n|\t/);
    assert.doesNotMatch(neutraliseBlock(attack), CONTROL);
  });
}

test('escapes stay readable: ESC as \\e, others as \\xNN or \\uNNNN', () => {
  assert.equal(neutraliseLine(`a${ESC}]0;t\u0007b`), 'a\\e]0;t\\x07b');
  assert.equal(neutraliseLine('x\u009b2Jy'), 'x\\x9b2Jy');
  assert.equal(neutraliseLine('one\ntwo\tthree'), 'one\\ntwo\\tthree');
  assert.equal(neutraliseLine('ordinary text, ünïcödé and emoji 👩‍💻'), 'ordinary text, ünïcödé and emoji 👩‍💻');
});

test('block text keeps lines, tabs and CRLF line ends; a lone CR becomes visible', () => {
  assert.equal(neutraliseBlock('a\tb\nc\r\nd'), 'a\tb\nc\r\nd');
  assert.equal(neutraliseBlock('shown\rhidden'), 'shown\\rhidden');
});

test('neutraliseDeep reaches every string, keys included', () => {
  const safe = neutraliseDeep({ [`k${ESC}`]: [`v${ESC}[2J`, 1, null, { n: `\u0007` }] });
  assert.deepEqual(safe, { 'k\\e': ['v\\e[2J', 1, null, { n: '\\x07' }] });
});

test('a stream holds a trailing CR until it knows whether LF follows', () => {
  const s = new TerminalStream();
  assert.equal(
    s.push('line one\r') + s.push('\nline two\r') + s.push('over') + s.end(),
    'line one\r\nline two\\rover',
  );
  const t = new TerminalStream();
  assert.equal(t.push(ESC) + t.push('[2J'), '\\e[2J', 'a sequence split over chunks is still neutralised');
  assert.equal(t.push('x\r') + t.end(), 'x\\r');
});

test('property: no control character survives, and JSON output means the same data', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (text) => {
      assert.doesNotMatch(neutraliseLine(text), CONTROL);
      assert.doesNotMatch(neutraliseLine(text), /[\n\t]/);
      const block = neutraliseBlock(text);
      assert.doesNotMatch(block.replace(/\r\n/g, '\n'), CONTROL);
      const json = terminalSafeJson({ text });
      assert.doesNotMatch(json.replace(/\n/g, ''), CONTROL);
      assert.deepEqual(JSON.parse(json), { text });
    }),
    { numRuns: 2000 },
  );
});
