import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor } from './index.js';
import { everyWay } from './testing/index.js';

const r = createRedactor();

/** Whole text, streamed a character at a time, and after a long line: all must read the same. */

function same(input: string, expected: string): void {
  for (const text of everyWay(r, input)) assert.equal(text, expected);
}

// Real output (trimmed) of `node -e 'console.log({...})'` (util.inspect) and JSON.stringify.
test('node util.inspect: Set, Map, Buffer and arrays under sensitive names mask their elements, not the tag', () => {
  same(
    [
      '{',
      "  secrets: Set(1) { 'SetSecret-Val-1' },",
      '  token: <Buffer 42 75 66 66 65 72 2d 54 6f 6b 2d 56 61 6c 2d 35 35>,',
      "  creds: [ 'Arr-Cred-1' ],",
      "  commit: '9fceb02d0ae598e95dc970b74767f19372d61af8',",
      '{',
      "  passwords: Map(2) { 'alice' => 'Map-Pw-Alice-1', 'bob' => 'Map-Pw-Bob-2' },",
      "  apiKeys: Set(1) { 'SetKey-Aa11Bb22Cc33' },",
      '  password: <Buffer 42 75 66 50 77 2d 56 61 6c 2d 39>,',
      "  tokens: [ 'ArrTok-Xy12Zw34Qq56Rr78' ]",
      '}',
      '{',
      "  passwords: [ 'Arr-Pw-One-1', 'Arr-Pw-Two-2' ],",
      "  api_keys: [ 'ArrKey-Val-Q1' ]",
      '}',
    ].join('\n'),
    [
      '{',
      "  secrets: Set(1) { '[REDACTED:SECRET]' },",
      '  token: <Buffer [REDACTED:TOKEN]>,',
      "  creds: [ 'Arr-Cred-1' ],",
      "  commit: '9fceb02d0ae598e95dc970b74767f19372d61af8',",
      '{',
      "  passwords: Map(2) { 'alice' => '[REDACTED:PASSWORD]', 'bob' => '[REDACTED:PASSWORD]' },",
      "  apiKeys: Set(1) { '[REDACTED:API_KEY]' },",
      '  password: <Buffer [REDACTED:PASSWORD]>,',
      "  tokens: [ '[REDACTED:TOKEN]' ]",
      '}',
      '{',
      "  passwords: [ '[REDACTED:PASSWORD]', '[REDACTED:PASSWORD]' ],",
      "  api_keys: [ '[REDACTED:API_KEY]' ]",
      '}',
    ].join('\n'),
  );
});

test('JSON arrays under sensitive names mask each element', () => {
  same(
    '{"passwords":["Arr-Pw-One-1","Arr-Pw-Two-2"],"api_keys":["ArrKey-Val-Q1"]}',
    '{"passwords":["[REDACTED:PASSWORD]","[REDACTED:PASSWORD]"],"api_keys":["[REDACTED:API_KEY]"]}',
  );
});

// Real output (trimmed) of python3 print() of dicts.
test('python repr: bytes, tuples, lists and dicts under sensitive names', () => {
  same(
    "{'password': 'Py-Repr-Pw-777', 'token': b'Py-Bytes-Tok-888', 'keys': ('id', 'name')}",
    "{'password': '[REDACTED:PASSWORD]', 'token': b'[REDACTED:TOKEN]', 'keys': ('id', 'name')}",
  );
  same(
    "{'secrets': ['Py-List-Sec-1'], 'passwords': {'alice': 'Py-Dict-Pw-2'}}",
    "{'secrets': ['[REDACTED:SECRET]'], 'passwords': {'alice': '[REDACTED:PASSWORD]'}}",
  );
  same("{'secrets': ('Py-Tuple-999',)}", "{'secrets': ('[REDACTED:SECRET]',)}");
  same("{'tokens': (b'Py-Bytes-Tok-888', None)}", "{'tokens': (b'[REDACTED:TOKEN]', None)}");
});

test('a collection that does not close on its line is masked up to the line end', () => {
  same(
    "passwords: [ 'Arr-Pw-One-1', 'Arr-Pw-Two-2',",
    "passwords: [ '[REDACTED:PASSWORD]', '[REDACTED:PASSWORD]',",
  );
});

test('a map keyed by api keys or tokens masks its random-looking keys; names of passwords stay', () => {
  same(
    "apiKeys: Map(1) { 'sk-Zx81Qa77Lm20Pp' => 'billing' }",
    "apiKeys: Map(1) { '[REDACTED:API_KEY]' => '[REDACTED:API_KEY]' }",
  );
});

// Real output of `npm config list` (trimmed): npm prints `(protected)` for what it hides.
test('npm config list: (protected) and other parenthesised placeholders are kept', () => {
  const input = [
    '//npm.internal.example.com/:_authToken = (protected)',
    '//npm3.example.com/:_password = (protected)',
    'email = (protected)',
    'password: (not set)',
    'token: (sensitive value)',
  ].join('\n');
  same(input, input);
});

test('hard negatives: harmless names, field names, counts, empty and tagged collections stay', () => {
  for (const line of [
    "users: [ 'alice', 'bob' ]",
    "tags: Set(1) { 'x-frontend' }",
    "headers: Map(1) { 'accept' => 'text/html' }",
    "keys: [ 'id', 'name', 'created_at' ]",
    "{'keys': ('Py-Tuple-999',)}",
    'passwords: 3',
    'passwords: []',
    'secrets: Set(0) {}',
    'passwords: [Array]',
    'password: [Getter]',
    'token: [Object]',
    'password: [REDACTED:PASSWORD]',
    "password: [ '[REDACTED:PASSWORD]' ]",
    "tokens: [ 'hello', 'world' ]",
    '"tokens": [101, 2023, 2003, 102]',
    "'tokens': {'prompt': 812, 'completion': 64}",
    'Private-Key: (2048 bit, 2 primes)',
    '{"credentials": {"user": "ci-bot"}}',
    "secrets: [ { name: 'default-token-x' } ]",
  ])
    same(line, line);
});

// Real output (trimmed) of util.inspect of a long array and of JSON.stringify(x, null, 2).
test('a list a sensitive key opens at its line end masks the elements on the lines below', () => {
  same(
    ['{', '  passwords: [', "    'Arr-Pw-One-1',", "    'Arr-Pw-Two-2'", '  ]', '}'].join('\n'),
    ['{', '  passwords: [', "    '[REDACTED:PASSWORD]',", "    '[REDACTED:PASSWORD]'", '  ]', '}'].join('\n'),
  );
  same(
    [
      '{',
      '  "passwords": [',
      '    "Arr-Pw-One-1"',
      '  ],',
      '  "api_keys": [',
      '    "ArrKey-Val-Q1"',
      '  ]',
      '}',
    ].join('\n'),
    [
      '{',
      '  "passwords": [',
      '    "[REDACTED:PASSWORD]"',
      '  ],',
      '  "api_keys": [',
      '    "[REDACTED:API_KEY]"',
      '  ]',
      '}',
    ].join('\n'),
  );
  for (const kept of [
    ['{', '  "users": [', '    "alice"', '  ],', '  "note": "Arr-Pw-One-1"', '}'],
    ['  "keys": [', '    "id",', '    "name"', '  ]'],
    ['  "tokens": [', '    101,', '    2023', '  ]'],
    ['  "secrets": [', '    {', '      "name": "default-token-x"', '    }', '  ]'],
    ['  "passwords": [', '  ]', '  "owner-note-value-123",'],
  ])
    same(kept.join('\n'), kept.join('\n'));
});
