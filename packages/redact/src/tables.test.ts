import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor } from './index.js';
import { everyWay, leaked } from './testing/index.js';

const lines = (...l: string[]): string => l.join('\n') + '\n';
const ruled = (left: string, widths: number[], mid: string, right: string, fill = '─'): string =>
  left + widths.map((w) => fill.repeat(w)).join(mid) + right;

// Real output, trimmed to what matters: the box-drawn tables of psql `-P linestyle=unicode` and node's
// console.table, and psql's `-P border=2 -x` records.
const PSQL_UNICODE_ALIGNED = lines(
  '  rolname   │                                                              rolpassword                                                              ',
  ruled('', [12, 135], '┼', ''),
  ' app_rw     │ SCRAM-SHA-256$4096:ZmAcEaldBlFDGx1SfSJU5w==$0mJefAWR1BdhYqT09+LYAgqJCREkDGrSWAWomc7YCGc=:q2010gjlUmij9M8+P4oFesp0BZBa+/YsTjqb5mB1VnM=',
  ' legacy_md5 │ md56e7a37416175e3e97ee38717ec94139e',
  '(2 rows)',
);
const PSQL_UNICODE_BORDER2 = lines(
  ruled('┌', [4, 17, 26, 62, 16], '┬', '┐'),
  '│ id │      email      │        api_token         │                          pass_hash                           │ secret_answer  │',
  ruled('├', [4, 17, 26, 62, 16], '┼', '┤'),
  '│  1 │ bob@example.com │ tok_9f8e7d6c5b4a3f2e1d0c │ $2b$12$KIXQJ1x4qR8s9zq0wE1yUe8vH6vYq3n1yP2r5t7u9w0x1y2z3a4b6 │ Fluffy-The-Cat │',
  ruled('└', [4, 17, 26, 62, 16], '┴', '┘'),
  '(1 row)',
);
const PSQL_UNICODE_EXPANDED = lines(
  '─[ RECORD 1 ]─┬' + '─'.repeat(61),
  'id            │ 1',
  'email         │ bob@example.com',
  'api_token     │ tok_9f8e7d6c5b4a3f2e1d0c',
  'pass_hash     │ $2b$12$KIXQJ1x4qR8s9zq0wE1yUe8vH6vYq3n1yP2r5t7u9w0x1y2z3a4b6',
  'secret_answer │ Fluffy-The-Cat',
);
const PSQL_UNICODE_EXPANDED_BORDER2 = lines(
  '┌─[ RECORD 1 ]──┬' + '─'.repeat(62) + '┐',
  '│ id            │ 1                                                            │',
  '│ email         │ bob@example.com                                              │',
  '│ api_token     │ tok_9f8e7d6c5b4a3f2e1d0c                                     │',
  '│ pass_hash     │ $2b$12$KIXQJ1x4qR8s9zq0wE1yUe8vH6vYq3n1yP2r5t7u9w0x1y2z3a4b6 │',
  '│ secret_answer │ Fluffy-The-Cat                                               │',
  ruled('└', [15, 62], '┴', '┘'),
);
const PSQL_EXPANDED_BORDER2 = lines(
  '+-[ RECORD 1 ]--+--------------------------------------------------------------+',
  '| id            | 1                                                            |',
  '| email         | bob@example.com                                              |',
  '| api_token     | tok_9f8e7d6c5b4a3f2e1d0c                                     |',
  '| pass_hash     | $2b$12$KIXQJ1x4qR8s9zq0wE1yUe8vH6vYq3n1yP2r5t7u9w0x1y2z3a4b6 |',
  '| secret_answer | Fluffy-The-Cat                                               |',
  '+---------------+--------------------------------------------------------------+',
);
const RECORD_SECRETS = [
  'tok_9f8e7d6c5b4a3f2e1d0c',
  '$2b$12$KIXQJ1x4qR8s9zq0wE1yUe8vH6vYq3n1yP2r5t7u9w0x1y2z3a4b6',
];

// [what, input, values that must not survive, text that must]
const cases: Array<[string, string, string[], string[]]> = [
  [
    "node -e 'console.table([{user,password}])'",
    lines(
      '┌─────────┬──────┬────────────┐',
      '│ (index) │ user │ password   │',
      '├─────────┼──────┼────────────┤',
      "│ 0       │ 'a'  │ 'Tbl-Pw-6' │",
      "│ 1       │ 'b'  │ 'Tbl-Pw-7' │",
      '└─────────┴──────┴────────────┘',
    ),
    ['Tbl-Pw-6', 'Tbl-Pw-7'],
    ["│ 0       │ 'a'  │ '", '│ (index) │ user │ password   │'],
  ],
  [
    'psql -P linestyle=unicode (border 1): pg_authid',
    PSQL_UNICODE_ALIGNED,
    [
      'SCRAM-SHA-256$4096:ZmAcEaldBlFDGx1SfSJU5w==$0mJefAWR1BdhYqT09+LYAgqJCREkDGrSWAWomc7YCGc=:q2010gjlUmij9M8+P4oFesp0BZBa+/YsTjqb5mB1VnM=',
      'md56e7a37416175e3e97ee38717ec94139e',
    ],
    [' app_rw     │ ', ' legacy_md5 │ ', '(2 rows)'],
  ],
  [
    'psql -P linestyle=unicode -P border=2',
    PSQL_UNICODE_BORDER2,
    [...RECORD_SECRETS, 'Fluffy-The-Cat'],
    ['│  1 │ ', '(1 row)'],
  ],
  [
    'psql -P linestyle=unicode -x (border 1)',
    PSQL_UNICODE_EXPANDED,
    [...RECORD_SECRETS, 'Fluffy-The-Cat'],
    ['id            │ 1\n', 'secret_answer │ '],
  ],
  [
    'psql -P linestyle=unicode -P border=2 -x',
    PSQL_UNICODE_EXPANDED_BORDER2,
    [...RECORD_SECRETS, 'Fluffy-The-Cat'],
    ['│ id            │ 1                                                            │'],
  ],
  [
    'psql -P border=2 -x (ASCII)',
    PSQL_EXPANDED_BORDER2,
    [...RECORD_SECRETS, 'Fluffy-The-Cat'],
    [
      '| id            | 1                                                            |',
      '| secret_answer | ',
    ],
  ],
  [
    'psql -P border=2 -x, two records',
    lines(
      '+-[ RECORD 1 ]---------+',
      '| id       | 1         |',
      '| password | Box-Pw-1x |',
      '+-[ RECORD 2 ]---------+',
      '| id       | 2         |',
      '| password | Box-Pw-2y |',
      '+----------+-----------+',
    ),
    ['Box-Pw-1x', 'Box-Pw-2y'],
    ['| id       | 2         |'],
  ],
  [
    'psql unicode_header_linestyle=double, border 2 and border 1',
    lines(
      '┌────┬───────────┬──────┐',
      '│ id │ password  │ note │',
      '╞════╪═══════════╪══════╡',
      '│  1 │ Box-Pw-1x │ ok   │',
      '└────┴───────────┴──────┘',
      '(1 row)',
      '',
      ' id │ password  │ note ',
      '════╪═══════════╪══════',
      '  2 │ Box-Pw-2y │ fine',
      '(1 row)',
    ),
    ['Box-Pw-1x', 'Box-Pw-2y'],
    ['│ ok   │', '│ fine'],
  ],
  [
    'psql unicode_border_linestyle=double unicode_column_linestyle=double, aligned and -x',
    lines(
      '╔════╦═══════════╦══════╗',
      '║ id ║ password  ║ note ║',
      '╟────╫───────────╫──────╢',
      '║  1 ║ Box-Pw-1x ║ ok   ║',
      '╚════╩═══════════╩══════╝',
      '(1 row)',
      '',
      '╔═[ RECORD 1 ]═════════╗',
      '║ id       ║ 1         ║',
      '║ password ║ Box-Pw-2y ║',
      '╟─[ RECORD 2 ]─────────╢',
      '║ id       ║ 2         ║',
      '║ password ║ Box-Pw-3z ║',
      '╚══════════╩═══════════╝',
    ),
    ['Box-Pw-1x', 'Box-Pw-2y', 'Box-Pw-3z'],
    ['║ ok   ║', '║ id       ║ 2         ║'],
  ],
  [
    'heavy box (python tabulate heavy_grid)',
    lines(
      '┏━━━━━━━━┳━━━━━━━━━━━━━━━┓',
      '┃ id     ┃ api_key       ┃',
      '┣━━━━━━━━╋━━━━━━━━━━━━━━━┫',
      '┃ 7      ┃ Heavy-Key-4qW ┃',
      '┗━━━━━━━━┻━━━━━━━━━━━━━━━┛',
    ),
    ['Heavy-Key-4qW'],
    ['┃ 7      ┃ '],
  ],
];

for (const level of ['standard', 'strict'] as const) {
  test(`box-drawn tables and psql border 2 records mask the cells of sensitive columns (${level})`, () => {
    const r = createRedactor({ level });
    for (const [what, input, secrets, keep] of cases) {
      for (const out of everyWay(r, input)) {
        for (const s of secrets) assert.equal(leaked(s, input, out), false, `${what}: ${s} in\n${out}`);
        for (const k of keep) assert.ok(out.includes(k), `${what}: lost ${k} in\n${out}`);
      }
    }
  });
}

test('the cell is masked, not the box around it', () => {
  const r = createRedactor();
  assert.equal(
    r.redactText(lines('│ id │ password  │', '├────┼───────────┤', '│  1 │ Box-Pw-1x │')).text,
    lines('│ id │ password  │', '├────┼───────────┤', '│  1 │ [REDACTED:PASSWORD] │'),
  );
  assert.equal(
    r.redactText(lines('┌─[ RECORD 1 ]─┬───────────┐', '│ password     │ Box-Pw-1x │')).text,
    lines('┌─[ RECORD 1 ]─┬───────────┐', '│ password     │ [REDACTED:PASSWORD] │'),
  );
});

test('box-drawn tables without sensitive columns, and box-drawn trees, come out unchanged', () => {
  const r = createRedactor();
  const keep = [
    lines(
      '┌────┬─────────┐',
      '│ id │ status  │',
      '├────┼─────────┤',
      '│  1 │ shipped │',
      '└────┴─────────┘',
      '(1 row)',
    ),
    lines(
      '┌─────────┬────┬───────────┐',
      '│ (index) │ id │ status    │',
      '├─────────┼────┼───────────┤',
      "│ 0       │ 1  │ 'shipped' │",
      '└─────────┴────┴───────────┘',
    ),
    lines('─[ RECORD 1 ]───────', 'id       │ 1', 'status   │ shipped-Zq81-Xw', '─[ RECORD 2 ]───────'),
    lines(
      '+-[ RECORD 1 ]----+-----------------+',
      '| id              | 7               |',
      '| build_ref       | a9Qx-77Lm-Pz31  |',
      '+-----------------+-----------------+',
    ),
    lines(
      '.',
      '├── password-reset',
      '│   ├── api_token.ts',
      '│   └── secret.ts',
      '└── README.md',
      '',
      'app@1.0.0 /srv/app',
      '├─┬ passport@0.7.0',
      '│ └── passport-strategy@1.0.0',
      '└── token-bucket@1.2.0',
    ),
  ];
  for (const input of keep) for (const out of everyWay(r, input)) assert.equal(out, input);
});

// psql -P border=0 (real output gathered by an outside pass): no bars, the columns are where the
// dash runs of the rule under the header are; lower-case names, which space-aligned headers
// (`kubectl`, `docker`) do not have
const PSQL_BORDER0 = lines(
  '     email             api_token         secret_answer  ',
  '--------------- ------------------------ --------------',
  'bob@example.com tok_9f8e7d6c5b4a3f2e1d0c Fluffy-The-Cat',
  '(1 row)',
);

test('attack: psql border=0 reads its columns from the rule under the header', () => {
  const r = createRedactor();
  for (const out of everyWay(r, PSQL_BORDER0)) {
    for (const s of ['tok_9f8e7d6c5b4a3f2e1d0c', 'Fluffy-The-Cat'])
      assert.ok(!leaked(s, PSQL_BORDER0, out), `${s} leaked:\n${out}`);
    assert.ok(out.includes('(1 row)'), out);
    assert.ok(out.includes('api_token'), out);
  }
  // a ruled table with no sensitive column stays as it is
  const plain = lines(' id  name ', '---- -----', '   1 alice', '(1 row)');
  assert.equal(r.redactText(plain).text, plain);
});
