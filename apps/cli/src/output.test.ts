import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestedFormat } from './output.js';

test('the output format is read from the command line before parsing', () => {
  const cases: [string[], string][] = [
    [['whoami'], 'table'],
    [['whoami', '--json'], 'json'],
    [['--json', 'whoami'], 'json'],
    [['whoami', '--output', 'yaml'], 'yaml'],
    [['whoami', '--output=json'], 'json'],
    [['-o', 'yaml', 'whoami'], 'yaml'],
    [['-ojson', 'whoami'], 'json'],
    [['whoami', '--output', 'xml'], 'table'],
    [['exec', 'ses', '--', 'tool', '--json', '-o', 'yaml'], 'table'],
    [['exec', '--json', '--', 'tool', '-o', 'yaml'], 'json'],
  ];
  for (const [args, format] of cases) assert.equal(requestedFormat(args), format, args.join(' '));
});
