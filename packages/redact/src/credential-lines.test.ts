import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor } from './index.js';
import type { Redactor } from './index.js';
import { leaked } from './testing/index.js';

/** Whole, streamed one character at a time, and after a long line (another batch path). */
function everyWay(r: Redactor, input: string): string[] {
  const s = r.createStream();
  let streamed = '';
  for (const ch of input) streamed += s.push(ch);
  streamed += s.end();
  const pad = 'ok '.repeat(400) + '\n';
  return [r.redactText(input).text, streamed, r.redactText(pad + input).text.slice(pad.length)];
}

// Formats as each tool's documentation shows them (MySQL reference manual SET PASSWORD / CREATE
// USER / SHOW PROCESSLIST, PostgreSQL "The Password File", GNU inetutils netrc, RFC 4954 and
// RFC 4616 for SMTP AUTH); the values are invented.
// [what, input, values that must not survive, text that must]
const cases: Array<[string, string, string[], string[]]> = [
  [
    'mysql SHOW PROCESSLIST row running SET PASSWORD FOR … = …',
    "+----+------+-----------+------+---------+------+----------+---------------------------------------------+\n| Id | User | Host      | db   | Command | Time | State    | Info                                        |\n+----+------+-----------+------+---------+------+----------+---------------------------------------------+\n|  7 | app  | localhost | shop | Query   |    0 | starting | SET PASSWORD FOR 'jeffrey'@'%' = 'Plum7-Orbit!' |\n",
    ['Plum7-Orbit!'],
    ["SET PASSWORD FOR 'jeffrey'@'%' = ", 'starting'],
  ],
  [
    'SET PASSWORD = …, = PASSWORD(…), lower case, and IDENTIFIED WITH plugin BY …',
    "mysql> set password = 'Anchor8-Tulip';\nSET PASSWORD FOR 'bob'@'localhost' = PASSWORD('Cedar-Brook-77');\nCREATE USER 'jeffrey'@'localhost' IDENTIFIED WITH caching_sha2_password BY 'Maple-Drift-42';\nALTER USER 'x'@'%' IDENTIFIED WITH mysql_native_password AS '*6C8989366EAF75BB670AD8EA7A7FC1176A95CEF4';\n",
    ['Anchor8-Tulip', 'Cedar-Brook-77', 'Maple-Drift-42', '6C8989366EAF75BB670AD8EA7A7FC1176A95CEF4'],
    ["'jeffrey'@'localhost' IDENTIFIED WITH caching_sha2_password BY ", "SET PASSWORD FOR 'bob'@'localhost'"],
  ],
  [
    '.pgpass lines (hostname:port:database:username:password), wildcards and escaped colons',
    'db.internal:5432:shop:app:Pgp4ss-F1le-Pw\n*:*:*:replicator:R3pl-Secret-Pw\n10.0.0.7:6432:*:etl:Colon\\:In-Pw9\n',
    ['Pgp4ss-F1le-Pw', 'R3pl-Secret-Pw', 'Colon\\:In-Pw9'],
    ['db.internal:5432:shop:app:', '*:*:*:replicator:', '10.0.0.7:6432:*:etl:'],
  ],
  [
    '.netrc on one line and over several lines',
    'machine ftp.example.com login myuser password Harbor-Oak-19\nmachine api.heroku.com\n  login ops@example.com\n  password 01234567-89ab-cdef-0123-456789abcdef\ndefault login anonymous password Guest-Pw-77x\n',
    ['Harbor-Oak-19', '01234567-89ab-cdef-0123-456789abcdef', 'Guest-Pw-77x'],
    ['machine ftp.example.com login myuser password ', 'machine api.heroku.com', 'default login anonymous'],
  ],
  [
    'SMTP AUTH PLAIN with an initial response (RFC 4954 example transcript)',
    'S: 220-smtp.example.com ESMTP Server\nC: EHLO client.example.com\nS: 250-smtp.example.com Hello client.example.com\nS: 250-AUTH GSSAPI DIGEST-MD5\nS: 250-AUTH=LOGIN PLAIN\nS: 250 STARTTLS\nC: AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=\nS: 235 2.7.0 Authentication successful\n',
    ['dGVzdAB0ZXN0ADEyMzQ='],
    ['250-AUTH GSSAPI DIGEST-MD5', '250-AUTH=LOGIN PLAIN', 'C: AUTH PLAIN '],
  ],
  [
    'SMTP AUTH LOGIN exchange (swaks-style arrows): the answers after 334 prompts',
    ' -> AUTH LOGIN\n<-  334 VXNlcm5hbWU6\n -> am9obkBleGFtcGxlLmNvbQ==\n<-  334 UGFzc3dvcmQ6\n -> U210cC1Mb2dpbi1QdzI=\n<-  235 2.7.0 Authentication successful\n',
    ['am9obkBleGFtcGxlLmNvbQ==', 'U210cC1Mb2dpbi1QdzI='],
    ['334 VXNlcm5hbWU6', '334 UGFzc3dvcmQ6', '235 2.7.0 Authentication successful'],
  ],
  [
    'AUTH LOGIN with the user name as initial response, password after the prompt',
    'AUTH LOGIN am9obkBleGFtcGxlLmNvbQ==\n334 UGFzc3dvcmQ6\nU210cC1Mb2dpbi1QdzI=\n235 ok\n',
    ['am9obkBleGFtcGxlLmNvbQ==', 'U210cC1Mb2dpbi1QdzI='],
    ['334 UGFzc3dvcmQ6', '235 ok'],
  ],
  // Redis MONITOR output (redis.io "MONITOR"), HELLO's AUTH option, redis-cli's prompt and `-a`
  [
    'Redis AUTH as MONITOR prints it, with and without a user, and inside HELLO',
    'OK\n1733311440.117893 [0 10.0.3.7:53422] "AUTH" "default" "Rd-Mon-8xQ2-kLp"\n1733311440.2 [0 10.0.3.7:53423] "auth" "Only-Pw-5tR2"\n1733311441.002931 [0 lua] "HELLO" "3" "AUTH" "app" "Hl-3Auth-4vZ9"\n1733311441.1 [0 10.0.3.7:53422] "GET" "cart:9f1c"\n',
    ['Rd-Mon-8xQ2-kLp', 'Only-Pw-5tR2', 'Hl-3Auth-4vZ9'],
    ['"AUTH" "default" ', '"HELLO" "3" "AUTH" "app" ', '"GET" "cart:9f1c"', '1733311440.117893'],
  ],
  [
    'Redis AUTH typed at a redis-cli prompt, and redis-cli -a on the command line',
    "127.0.0.1:6379> AUTH Prompt-Pw-7qX\nOK\ncache.internal:6380[2]> auth svc Prompt-Pw-8wY\n$ redis-cli -h cache.internal -p 6379 -a 'Rc-Cli-5wP8-nZ' --no-auth-warning INFO\n",
    ['Prompt-Pw-7qX', 'Prompt-Pw-8wY', 'Rc-Cli-5wP8-nZ'],
    ['127.0.0.1:6379> AUTH ', 'cache.internal:6380[2]> auth svc ', '--no-auth-warning INFO'],
  ],
  // PuTTY user guide, appendix C (PPK file format): `Private-Lines: N`, then N lines of base64
  [
    'PuTTY .ppk private lines',
    'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: ed25519-key-20241204\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIPzxUSmCGZ1bbKQ9gNm1cyv2sr1p8nnXmrm0zJkw\n/2R1\nPrivate-Lines: 2\nAAAAIGTcHNWU9khOq0trS5Wc6oVdkI7iQd9Fz2Wq1kOwPBJrPqK55b5\nQ9gNm1cyv2sr1p8nnXmrm0zJkw==\nPrivate-MAC: 59887277f47eea6109e8faef0932e1fce67c8037b6da26df66294f7a08a63dba\n',
    ['AAAAIGTcHNWU9khOq0trS5Wc6oVdkI7iQd9Fz2Wq1kOwPBJrPqK55b5', 'Q9gNm1cyv2sr1p8nnXmrm0zJkw=='],
    ['Private-Lines: 2\n', 'Private-MAC: 5988', 'Comment: ed25519-key-20241204'],
  ],
];

for (const [what, input, secrets, kept] of cases) {
  test(`attack: ${what}`, () => {
    const r = createRedactor();
    for (const out of everyWay(r, input)) {
      for (const s of secrets) assert.ok(!leaked(s, input, out), `${s} leaked:\n${out}`);
      for (const k of kept) assert.ok(out.includes(k), `${k} lost:\n${out}`);
    }
  });
}

test('hard negatives: colon-separated records, prose and capability lines are kept', () => {
  const r = createRedactor({ level: 'strict' });
  const kept = [
    'root:x:0:0:root:/root:/bin/bash',
    '12:30:45:123:info',
    '2024-05-01 12:30:45:123:worker:started',
    'app:8080:GET:/health:200',
    'the machine learning password reset flow is documented',
    'password policy updated',
    '250-AUTH LOGIN PLAIN',
    '250 AUTH PLAIN LOGIN NTLM',
    'S: 250-AUTH=LOGIN CRAM-MD5',
    'order 4417 identified by reference',
    'AUTH LOGIN',
    '10:42:01 auth: "AUTH" failed for user "svc"',
    'Private-Lines: 1',
    'Private-Lines: 3\nnot base64 here',
  ];
  for (const line of kept) {
    const text = `${line}\n`;
    assert.equal(r.redactText(text).text, text, line);
  }
});
