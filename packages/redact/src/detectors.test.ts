import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor } from './index.js';

const strict = createRedactor({ level: 'strict' });
const standard = createRedactor();

// [input, secret that must disappear, expected placeholder type]
const positives: Array<[string, string, string]> = [
  ['key AKIAIOSFODNN7EXAMPL3 used', 'AKIAIOSFODNN7EXAMPL3', 'AWS_ACCESS_KEY_ID'],
  [
    'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEK3Y',
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEK3Y',
    'API_KEY',
  ],
  [
    'creds,Xq3vB8nR2mK9pL4sT7wY1zA6cD0eF5gH8jK2mN4p,x',
    'Xq3vB8nR2mK9pL4sT7wY1zA6cD0eF5gH8jK2mN4p',
    'AWS_SECRET_ACCESS_KEY',
  ],
  [
    'token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
    'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
    'GITHUB_TOKEN',
  ],
  [
    'github_pat_11ABCDEFG0123456789abcde_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijKLMNOPQRS',
    'github_pat_11ABCDEFG0123456789abcde',
    'GITHUB_TOKEN',
  ],
  [
    'slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
    'xoxb-123456789012-1234567890123',
    'SLACK_TOKEN',
  ],
  [
    'hook https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFGHI/AbCdEfGhIjKlMnOpQrStUvWx',
    'AbCdEfGhIjKlMnOpQrStUvWx',
    'SLACK_WEBHOOK',
  ],
  ['stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'STRIPE_KEY'],
  [
    'google AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe',
    'AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe',
    'GOOGLE_API_KEY',
  ],
  [
    'openai sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
    'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
    'OPENAI_API_KEY',
  ],
  ['npm npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'NPM_TOKEN'],
  // other documented vendor prefixes, bare (as `echo $TOKEN` or a leaked log line prints them)
  [
    'token dop_v1_4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e',
    'dop_v1_4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e',
    'DIGITALOCEAN_TOKEN',
  ],
  ['HF 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', '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', 'HUGGINGFACE_TOKEN'],
  ['shop 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', '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', 'SHOPIFY_TOKEN'],
  ['dbx dapi4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c', 'dapi4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c', 'DATABRICKS_TOKEN'],
  [
    'upload pypi-AgEIcHlwaS5vcmcXlHP6IxH-YqIg1MCTF-bkEr6r6jFRCtRivgZQ9gFVvsZN5BeD8L9u7B393x',
    'pypi-AgEIcHlwaS5vcmcXlHP6IxH-YqIg1MCTF-bkEr6r6jFRCtRivgZQ9gFVvsZN5BeD8L9u7B393x',
    'PYPI_TOKEN',
  ],
  [
    '# created: 2024-12-04\nAGE-SECRET-KEY-1X53E3RXP3ZQ6X64S02MRSKSA9P75KR7XGCWU908V2K3QCGZ6S8KGWAMZMC\n',
    'AGE-SECRET-KEY-1X53E3RXP3ZQ6X64S02MRSKSA9P75KR7XGCWU908V2K3QCGZ6S8KGWAMZMC',
    'AGE_SECRET_KEY',
  ],
  // PWD is a working directory only as a path opening an env line; ODBC's PWD= stays a password
  ['Driver={ODBC Driver 18};Server=db;UID=sa;PWD=/Secr3t-Pw;', '/Secr3t-Pw', 'PASSWORD'],
  ['PWD=Hunter2-Pw\n', 'Hunter2-Pw', 'PASSWORD'],
  // GitLab's documented token prefixes (glpat-, gldt-, glrt-) and a Google OAuth access token
  ['$ echo $CI_TOKEN\nglpat-kLCmFVv9cnr8wuRnrq7c\n', 'glpat-kLCmFVv9cnr8wuRnrq7c', 'GITLAB_TOKEN'],
  ['deploy gldt-Qx7vB2nR8mK3pL9sT4wY', 'gldt-Qx7vB2nR8mK3pL9sT4wY', 'GITLAB_TOKEN'],
  [
    'runner token glrt-t3_Zx9vQ2nR8mK3pL9sT4wYa.01.0w1v0x2kq',
    'Zx9vQ2nR8mK3pL9sT4wYa.01.0w1v0x2kq',
    'GITLAB_TOKEN',
  ],
  [
    'access ya29.a0AfB_RqQpW4L7SMg21cKFqkFL4vH8Xa1PkO4slRRhccmB0AN1s1lBv-wF6UAGbuPQ',
    'ya29.a0AfB_RqQpW4L7SMg21cKFqkFL4vH8Xa1PkO4slRRhccmB0AN1s1lBv-wF6UAGbuPQ',
    'GOOGLE_OAUTH_TOKEN',
  ],
  [
    'sg SG.AbCdEfGhIjKlMnOpQrStUv.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCde',
    'SG.AbCdEfGhIjKlMnOpQrStUv',
    'SENDGRID_API_KEY',
  ],
  [
    'AccountName=x;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;',
    'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq',
    'AZURE_STORAGE_KEY',
  ],
  [
    'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlMTIzNDU2',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ',
    'JWT',
  ],
  // unsigned (alg none or a signature stripped): header and claims only (detect-secrets jwt_test.py)
  [
    'token eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJuYW1lIjoiSm9lIiwKInN0YXR1cyI6ImVtcGxveWVlIgp9 ok',
    'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJuYW1lIjoiSm9lIiwKInN0YXR1cyI6ImVtcGxveWVlIgp9',
    'JWT',
  ],
  ['Authorization: Basic YWRtaW46czNjcjN0UGFzcw==', 'YWRtaW46czNjcjN0UGFzcw==', 'BASIC_AUTH'],
  [
    'Authorization: Bearer 9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c',
    '9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c',
    'BEARER_TOKEN',
  ],
  ['postgres://app:Sup3r-S3cret@db:5432/x', 'Sup3r-S3cret', 'PASSWORD'],
  ['Server=db;User Id=sa;Password=Sup3rS3cret!;', 'Sup3rS3cret!', 'PASSWORD'],
  ['{"password": "hunter2hunter2"}', 'hunter2hunter2', 'PASSWORD'],
  ['{\\"client_secret\\":\\"abcDEF123ghiJKL456\\"}', 'abcDEF123ghiJKL456', 'SECRET'],
  ["ALTER USER bob WITH PASSWORD 'n0t-in-l0gs';", 'n0t-in-l0gs', 'PASSWORD'],
  ['mysql --password S3cretPass9 -e x', 'S3cretPass9', 'PASSWORD'],
  // Glovebox's own credentials, as newSecret() mints them (prefix + 32 random bytes in base64url)
  [
    'curl -sH "x: gbx_t_q8Zr3v-Kx0_pLm2NwYt7Bc4dEf5GhIj6KlMnOpQrStU" /api',
    'gbx_t_q8Zr3v-Kx0_pLm2NwYt7Bc4dEf5GhIj6KlMnOpQrStU',
    'GLOVEBOX_API_TOKEN',
  ],
  [
    'session gbx_s_Wn4-x_9bQ2rT7yU1iO0pA3sD5fG8hJ6kL4zX2cV7bN1m expired',
    'gbx_s_Wn4-x_9bQ2rT7yU1iO0pA3sD5fG8hJ6kL4zX2cV7bN1m',
    'GLOVEBOX_SESSION_TOKEN',
  ],
  [
    'agent cred=gbx_a_Zq0Xw9Ce8Vr7Bt6Ny5Mu4Ki3Lo2Pj1Hg0Fd-Sa_Qw8Er7',
    'gbx_a_Zq0Xw9Ce8Vr7Bt6Ny5Mu4Ki3Lo2Pj1Hg0Fd-Sa_Qw8Er7',
    'GLOVEBOX_AGENT_CREDENTIAL',
  ],
  [
    'new kind gbx_k_3b9XcQ1vZr8TnL2mWp4yKs7dHf0gJa5e',
    'gbx_k_3b9XcQ1vZr8TnL2mWp4yKs7dHf0gJa5e',
    'GLOVEBOX_TOKEN',
  ],
  ['Cookie: sessionid=abc123def456ghi789; theme=dark', 'abc123def456ghi789', 'SESSION_ID'],
  ['Set-Cookie: sid=Zx9Yw8Vu7Ts6Rq5P; Path=/; HttpOnly', 'Zx9Yw8Vu7Ts6Rq5P', 'SESSION_ID'],
  ['X-Api-Key: 0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d', '0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d', 'API_KEY'],
  ['mail alice.smith+billing@example.co.uk now', 'alice.smith+billing@example.co.uk', 'EMAIL'],
  ['?email=alice.smith%40example.com&x=1', 'alice.smith%40example.com', 'EMAIL'],
  ['call +1 (415) 555-2671 now', '415) 555-2671', 'PHONE'],
  ['call 415.555.2671 now', '415.555.2671', 'PHONE'],
  ['call +44 20 7946 0958 now', '7946 0958', 'PHONE'],
  ['call +14155552671 now', '+14155552671', 'PHONE'],
  ['card 4111 1111 1111 1111 ok', '4111 1111 1111 1111', 'CREDIT_CARD'],
  ['card 2223-0000-4840-0011 ok', '2223-0000-4840-0011', 'CREDIT_CARD'],
  ['card 378282246310005 ok', '378282246310005', 'CREDIT_CARD'],
  ['ssn 536-22-8741 ok', '536-22-8741', 'US_SSN'],
  ['iban DE89 3704 0044 0532 0130 00 ok', '3704 0044 0532 0130', 'IBAN'],
  ['iban GB82WEST12345698765432 ok', 'GB82WEST12345698765432', 'IBAN'],
  [
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM\nAbCdEf0123456789+/abcdef==\n-----END RSA PRIVATE KEY-----',
    'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM',
    'PRIVATE_KEY',
  ],
  [
    '{"pem":"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\nAbCdEf0123==\\n-----END PRIVATE KEY-----\\n"}',
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
    'PRIVATE_KEY',
  ],
];

const strictPositives: Array<[string, string, string]> = [
  ['from 203.0.113.42 port 443', '203.0.113.42', 'IPV4'],
  ['from 2001:db8:85a3::8a2e:370:7334 ok', '2001:db8:85a3::8a2e:370:7334', 'IPV6'],
  ['dev 00:1a:2b:3c:4d:5e up', '00:1a:2b:3c:4d:5e', 'MAC_ADDRESS'],
  ['{"first_name": "Ada Lovelace"}', 'Ada Lovelace', 'PERSON_NAME'],
  // an address after a slash that does not end a product token opening a word stays an address
  ['GET http://203.0.113.42/x', '203.0.113.42', 'IPV4'],
  ['proxy=squid/203.0.113.42', '203.0.113.42', 'IPV4'],
  // a host address after a word and a slash (only Chromium's reduced X.0.0.0 is a version there)
  ['upstream backend/10.1.2.3 failed', '10.1.2.3', 'IPV4'],
  ['peer gw/203.0.113.9', '203.0.113.9', 'IPV4'],
];

/** Whole text, one character at a time through a stream, and past 1 KiB (the pre-scan's path). */
function everyWay(
  r: typeof standard,
  input: string,
): Array<{ text: string; counts: Record<string, number> }> {
  const s = r.createStream();
  let streamed = '';
  for (const ch of input) streamed += s.push(ch);
  streamed += s.end();
  const pad = 'ok '.repeat(400) + '\n';
  const padded = r.redactText(pad + input);
  return [
    r.redactText(input),
    { text: streamed, counts: s.counts },
    { text: padded.text.slice(pad.length), counts: padded.counts },
  ];
}

test('detects every built-in type and names it in the placeholder, whole, streamed and pre-scanned', () => {
  for (const [input, secret, type] of positives) {
    for (const { text, counts } of everyWay(standard, input)) {
      assert.ok(!text.includes(secret), `${type} leaked in: ${text}`);
      assert.ok(text.includes(`[REDACTED:${type}]`), `expected ${type} in: ${text}`);
      assert.ok((counts[type] ?? 0) >= 1);
    }
  }
});

test('strict level also masks addresses and names; standard leaves them', () => {
  for (const [input, secret, type] of strictPositives) {
    const s = strict.redactText(input);
    assert.ok(!s.text.includes(secret), `${type} leaked in strict: ${s.text}`);
    assert.equal(s.counts[type], 1);
    assert.equal(standard.redactText(input).text, input);
  }
});

const negatives = [
  'request 3f2a1c4e-8b9d-4e2f-a1b3-c4d5e6f7a8b9 done',
  'commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (short 9fceb02)',
  'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  'at 2024-01-15T10:30:45.123Z epoch 1700000000 ms 1700000000123',
  'released v1.22.3 and 4.17.21-beta.1 of lodash@4.17.21',
  'order ORD-2024-000123 and #1002345 and PO-4411-22',
  'bad card 4111111111111112 and 1234567812345678',
  'invalid ssn 000-12-3456 666-12-3456 912-34-5678',
  'invalid iban DE89370400440532013001',
  'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '"integrity": "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="',
  'image app@sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b',
  'DB_PASSWORD=${VAULT_DB_PASSWORD} token_count=42 password_length=12',
  'GET https://api.example.com/v1/orders/12345?page=2&sort=asc 200 15ms',
  'took 1234ms, 12.5 MiB, status=404 port :8443',
  'user@localhost and @types/node and git@1.2.3',
  'cert -----BEGIN CERTIFICATE-----\\nMIIBszCCAVmgAwIBAgIU\\n-----END CERTIFICATE-----',
  'time 10:30:45 and std::vector and a::b',
  'amount 1234.56 EUR at 48.858370,2.294481',
  'at Object.<anonymous> (/app/dist/routes/orders.js:42:17)',
  'schema gbx_test_3fa1c2d4e5f6 role gbx_agent_3fa1c2 cookie __Host-gbx_session set',
  // digests naming their algorithm under hash-like names (pip --hash, lock files), PWD in env dumps
  'requests==2.32.3 --hash=sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6',
  'file_hash=md5:8f14e45fceea167a5a36dedd4bea2543 content_hash: sha1-4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  'HOME=/root\nPWD=/home/app\nOLDPWD=/\n',
  '["PATH=/usr/local/bin","PWD=/usr/src/app"]',
  'glpattern-matching gl-pat and ya29 as words, shelf_QxVbNmKlPoIuYtReWqAsDfGhJkLzXcVbNm, shpat_short',
  // a public key under its name (WireGuard, age recipients, SSH) is published by design
  'PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\npublic_key: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p',
  // RFC 9110 product versions in a User-Agent are not addresses (strict reads dotted quads)
  '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"',
  `${'ok '.repeat(400)}UA Edg/131.0.0.0`,
];

test('hard negatives come out unchanged at both levels', () => {
  for (const input of negatives) {
    assert.equal(standard.redactText(input).text, input);
    assert.equal(strict.redactText(input).text, input, 'strict');
  }
});

test('loopback and unspecified addresses are not personal data', () => {
  const input = 'listen 0.0.0.0:80 and 127.0.0.1 and ::1';
  assert.equal(strict.redactText(input).text, input);
});

test('counts report types only, and redaction is idempotent', () => {
  const input = 'a@example.com b@example.com password=abcdef123';
  const first = standard.redactText(input);
  assert.deepEqual(first.counts, { EMAIL: 2, PASSWORD: 1 });
  const second = standard.redactText(first.text);
  assert.equal(second.text, first.text);
  assert.deepEqual(second.counts, {});
});

test('a password value keeps its &, ; and , unless a new key follows them', () => {
  const r = createRedactor({ level: 'standard' });
  for (const [input, secret] of [
    ['DB_PASSWORD=Tr0ub4dor&3-horse', '3-horse'],
    ['password=correct;horse;battery', 'horse;battery'],
    ['export PGPASSWORD=staple,Gun&Wheel', 'Gun&Wheel'],
    ['secret: fix&ed;value,here', 'ed;value'],
  ] as const) {
    for (const { text } of everyWay(r, input)) assert.ok(!text.includes(secret), `leaked in: ${text}`);
  }
  for (const [input, kept] of [
    ['https://x.example/login?password=hunter22&user=alice', '&user=alice'],
    ['Server=db;Password=s3cr3tValue;Database=orders', ';Database=orders'],
    ['{"password": "x1", "user": "bob"}', '"user": "bob"'],
    ['password=abc123, user=carol', 'user=carol'],
  ] as const) {
    assert.ok(
      r.redactText(input).text.includes(kept),
      `the next key was swallowed: ${r.redactText(input).text}`,
    );
  }
});

test('a public key named in two words is shown; other keys named so are masked; an age key run is masked whole', () => {
  const r = createRedactor();
  const age = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
  // `age-keygen` output: the public key is printed to be shared
  for (const line of [`# public key: ${age}`, `Public key: ${age}`, `public key = ${age}`])
    assert.equal(r.redactText(line).text, line);
  const secret = '9x8c7v6b5n4m3q2w1e0r9t8y7u6i5oZZ';
  for (const name of ['api key', 'private key', 'session key', 'signing key', 'key'])
    assert.ok(!r.redactText(`${name}: ${secret}`).text.includes(secret), name);
  // a run longer than a real key (pasted twice, no separator) leaves no tail visible
  const run = `AGE-SECRET-KEY-1${'QPZRY9X8GF'.repeat(7)}`;
  assert.equal(r.redactText(run).text, '[REDACTED:AGE_SECRET_KEY]');
});

// Real output gathered by an outside pass (OpenSSL 3.0, coreutils, xxd; throwaway keys)
test('attack: a private key in DER, base64 or hex without its PEM frame, is masked whole', () => {
  const r = createRedactor();
  const inputs = [
    '$ openssl pkey -in e.pem -outform DER | base64\nMC4CAQAwBQYDK2VwBCIEIPfGZZFhR1/OBi2x3Ugocx/Cz/BFBWOv7q0N2IPJ7bLz\n',
    'MIIEpAIBAAKCAQEAtu2Zle2foohxhznjO7E3PbStg3cz/5aL3i+x4KKUe07X8BObsD8IJT6lDyC4uQMM5NlrUoXPzgJmPZw+vUMZNkjv8Rb6gVFUxkdPDADl5dN/wUkTYFydVSDQADOpDGRw0/4iUzYfO7JdCrzT5Adzy42zTg/6szGd2fNfP85laK6dH+nA4CHh76FpDHR9Ahe4svKhe8TRjO32w0AUvIquT325iLPQP8CII35QPUWA3Qo2M/NxwjbS2VplOakNKNQPN2APolxmnoOx8/FUcShg577fPhPZm2ldEZTB2RLi5X6WCQ44zkB8RB+U37spqEusvzna3kEL5BltJZLNWygqBQIDAQABAoIBAAU+5LnC4QiVmvnUTC+eejWb1e9dIcgMmDGBX4hQHGvTAjuJRTYfGWiMabCe6qUr918kDy33fKxmvBzvez4Z3tVEO+GhDzYNPMR11lUc1nrj31GnevW3TWMb6B/e9PqDWKS/o8DZBOxexeIq5MGkGnfSthRapKc/i9kGH8WSF+B4hJEIECzruFDxFNmuylXd1x0tR6NfDwxfqc+q1WeKfL3choBDMDN7Th3xWCDlUnNlEueplOorlJ3DJl+XXKXcAeGeY/pUd+P7RVruJ59AERPyhqAVn6g1jPmTQWyZ1f8oGQQDu01YzZuJ9MRKhrjhDNlcKOl4vemyIcKP1C2IYVkCgYEA52bIUten5fJYrqTpTiI8I6hLDnLFDbl5jVbNhccXj6cJyHDfMkAWXdOC/8pOYZDi1ZLki18UF8zXvLAtxTeEViXk8JGJNYajUss/SXHaTXTJlZc/Exz/7yzYun5LD9fqGymCklf38gzgu8oCygIdRXuW/yOS/Nq6ax7iB4kNFy0CgYEAyl+xbJdldUoQNLLMVxW4rB8N0SgqgB1g1uW1dyUIEaZB6g1kFFP0g0vyuQ0899i9h6MHQuKmOtlTFF/qtw8Z901rnss9JwUf5EN3tuHlrpeC9RmmG8SmtzH/5ioU3Mlq6QRRVxPYXwP8LPfEWGbS09P4h3l6nk4J+vNUKPVGpTkCgYEAx09APBqEAws6VzKzwRi7s/rAqzEviSK4D4U0gIV7RcAaLQsLM7z/htEnhCo8WMzylAJx15mNNPK630rgIX4v/gOlrY+tHu1Yv3dQi3IFFbIB71bWfR/9UYTPJ9Kf1IWknsCiNmqOpW1yJE1bGaO4kqBg7mE1uZSr/JgdF2B0ZgECgYBtttdvsdx1bAPBLjYN+F64IdXR0N7JuiOoHbz1rQPk3afahgv94U4saF5c6Mpm7ABEqqPjJRFN0khyQVX0jKFdK4HvAuxSXTre+5zJb0qgDtAWpSMi5sgjhV3goGvTDveBALBAbyfcy0JJ9sFh08z0vnR8reVGMbTDcmvsEJ2OMQKBgQDBbzBSTR4P6EQNgQPChJwlliVKnKddXsSc2lzp0ZoHf92i6+fbX/Z63Tcr3tHs2XD+GR+i+qePrzf9fB8n3ofzrELYOvqEDVNVLvPnpBXWNXuMnovu9SUkOdFqRltmm/6Wo7LQyJ4xIR7Z5/k4sY3jDunbYzXxlSdbcm3HmZwh+g==\n',
    'MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC27ZmV7Z+iiHGH\nOeM7sTc9tK2DdzP/loveL7HgopR7TtfwE5uwPwglPqUPILi5Awzk2WtShc/OAmY9\nnD69Qxk2SO/xFvqBUVTGR08MAOXl03/BSRNgXJ1VINAAM6kMZHDT/iJTNh87sl0K\nvNPkB3PLjbNOD/qzMZ3Z818/zmVorp0f6cDgIeHvoWkMdH0CF7iy8qF7xNGM7fbD\nQBS8iq5PfbmIs9A/wIgjflA9RYDdCjYz83HCNtLZWmU5qQ0o1A83YA+iXGaeg7Hz\n8VRxKGDnvt8+E9mbaV0RlMHZEuLlfpYJDjjOQHxEH5TfuymoS6y/OdreQQvkGW0l\nks1bKCoFAgMBAAECggEABT7kucLhCJWa+dRML556NZvV710hyAyYMYFfiFAca9MC\nO4lFNh8ZaIxpsJ7qpSv3XyQPLfd8rGa8HO97Phne1UQ74aEPNg08xHXWVRzWeuPf\nUad69bdNYxvoH970+oNYpL+jwNkE7F7F4irkwaQad9K2FFqkpz+L2QYfxZIX4HiE\nkQgQLOu4UPEU2a7KVd3XHS1Ho18PDF+pz6rVZ4p8vdyGgEMwM3tOHfFYIOVSc2US\n56mU6iuUncMmX5dcpdwB4Z5j+lR34/tFWu4nn0ARE/KGoBWfqDWM+ZNBbJnV/ygZ\nBAO7TVjNm4n0xEqGuOEM2Vwo6Xi96bIhwo/ULYhhWQKBgQDnZshS16fl8liupOlO\nIjwjqEsOcsUNuXmNVs2FxxePpwnIcN8yQBZd04L/yk5hkOLVkuSLXxQXzNe8sC3F\nN4RWJeTwkYk1hqNSyz9JcdpNdMmVlz8THP/vLNi6fksP1+obKYKSV/fyDOC7ygLK\nAh1Fe5b/I5L82rprHuIHiQ0XLQKBgQDKX7Fsl2V1ShA0ssxXFbisHw3RKCqAHWDW\n5bV3JQgRpkHqDWQUU/SDS/K5DTz32L2HowdC4qY62VMUX+q3Dxn3TWueyz0nBR/k\nQ3e24eWul4L1GaYbxKa3Mf/mKhTcyWrpBFFXE9hfA/ws98RYZtLT0/iHeXqeTgn6\n81Qo9UalOQKBgQDHT0A8GoQDCzpXMrPBGLuz+sCrMS+JIrgPhTSAhXtFwBotCwsz\nvP+G0SeEKjxYzPKUAnHXmY008rrfSuAhfi/+A6Wtj60e7Vi/d1CLcgUVsgHvVtZ9\nH/1RhM8n0p/UhaSewKI2ao6lbXIkTVsZo7iSoGDuYTW5lKv8mB0XYHRmAQKBgG22\n12+x3HVsA8EuNg34Xrgh1dHQ3sm6I6gdvPWtA+Tdp9qGC/3hTixoXlzoymbsAESq\no+MlEU3SSHJBVfSMoV0rge8C7FJdOt77nMlvSqAO0BalIyLmyCOFXeCga9MO94EA\nsEBvJ9zLQkn2wWHTzPS+dHyt5UYxtMNya+wQnY4xAoGBAMFvMFJNHg/oRA2BA8KE\nnCWWJUqcp11exJzaXOnRmgd/3aLr59tf9nrdNyve0ezZcP4ZH6L6p4+vN/18Hyfe\nh/OsQtg6+oQNU1Uu8+ekFdY1e4yei+71JSQ50WpGW2ab/pajstDInjEhHtnn+Tix\njeMO6dtjNfGVJ1tybceZnCH6\ndone\n',
    '302e020100300506032b657004220420f7c6659161475fce062db1dd4828\n731fc2cff0450563afeead0dd883c9edb2f3\n',
  ];
  for (const input of inputs) {
    const out = r.redactText(input).text;
    for (const line of input.split('\n'))
      if (/^[A-Za-z0-9+/=]{20,}$|^[0-9a-f]{20,}$/.test(line))
        assert.ok(!out.includes(line.slice(8, 28)), `${line} readable:\n${out}`);
    assert.ok(!out.includes('done') || out.endsWith('done\n'), out);
  }
});

test('public keys, hex dumps and xxd groups are not secrets, phones or cards', () => {
  const r = createRedactor();
  for (const input of [
    '-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAnm1wFyHd/cUS8el2VR9AdN7OdT5gzZbjS+Sv/H4EE1BKA3WWJp+F\n82Uu/ByOZnaBCiINhV3JcxwEVhb8vnGM0u1yXr7MnRqikFemNwCtHaBFmJdyeot1\n8c17C4BbQdBLtVdizzl5/r2VzH9PBG5GyRaHGe1zKtlmRy2aUzpIFbv+cx3qGuRI\n4pLX/v9WGV8af0bwzabhNyYwgj4EjmsESMb8KFdazjhOPFGwH8eRxnYznN7teHqm\nB2ROkeXVSOf+ng82XJ8h7ZpqVJQw01zyWKeelJ0ZsxIjayNgReDDnqxttfA/vaib\ng9uKSZ9+j4pN8QpzYLzrUhelJQ43J4mjgwIDAQAB\n-----END RSA PUBLIC KEY-----\n-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEA0lWoSj2mOA41kpf+4ic/RbB0WHMqzuqPSyYbmdmy32XzcZ/fLB8e\n3OwjqO4YzZqq6GdnxqqFvxTAZWvjEVnIYTujQAwQUmDE3jDpjCrBgzm0BVLT9AwP\nq7GoRNJvUrl6PWOrxzKuD12gzYQfL2jtGdkLquXkY/itpl1sg9UXvttyp0uGGrzA\nUPFeSCpsHKLaEQpwyfLUMpKKh6oA5RWD6kaI1FQI+5hotHDjfr5Hi1+Iic+ZRAf5\nQTq9z0e2TmDJYSbQ2vtP6B8IT2BzHOtsvWIz4qBQrl0Oh3rFIkFy8ukcq6n3li+y\nPFbluksdmB7+BwpBrZoo09uC3AgDGq0hXwIDAQAB\n-----END RSA PUBLIC KEY-----\n',
    '00000000  7f 45 4c 46 02 01 01 00  00 00 00 00 00 00 00 00  |.ELF............|\n00000010  03 00 3e 00 01 00 00 00  d0 61 00 00 00 00 00 00  |..>......a......|\n00000020  40 00 00 00 00 00 00 00  70 47 02 00 00 00 00 00  |@.......pG......|\n00000030  00 00 00 00 40 00 38 00  0d 00 40 00 1f 00 1e 00  |....@.8...@.....|\n00000040  06 00 00 00 04 00 00 00  40 00 00 00 00 00 00 00  |........@.......|\n00000050  40 00 00 00 00 00 00 00  40 00 00 00 00 00 00 00  |@.......@.......|\n00000060  d8 02 00 00 00 00 00 00  d8 02 00 00 00 00 00 00  |................|\n00000070  08 00 00 00 00 00 00 00  03 00 00 00 04 00 00 00  |................|\n',
    '00000ec0: 6103 0000 1200 0f00 e04a 0100 0000 0000  a........J......\n00000ed0: 2600 0000 0000 0000 a502 0000 1100 1a00  &...............\n00000ee0: 4045 0200 0000 0000 0800 0000 0000 0000  @E..............\n00001240: 7474 6578 7400 7265 616c 6c6f 6361 7272  ttext.reallocarr\n00001250: 6179 0069 7377 7072 696e 7400 7374 7273  ay.iswprint.strs\n',
  ])
    assert.equal(r.redactText(input).text, input);
});

test('a French phone number and a card number in prose are still masked', () => {
  const r = createRedactor();
  const out = r.redactText('appelez le 01 23 45 67 89 ou payez avec 4111 1111 1111 1111 merci\n').text;
  assert.equal(out, 'appelez le [REDACTED:PHONE] ou payez avec [REDACTED:CREDIT_CARD] merci\n');
});

// Real output gathered by an outside pass: /etc/shadow (useradd, chpasswd), mkpasswd, openssl passwd,
// htpasswd, psql -At on pg_authid, redis-cli ACL LIST, openssl s_client -keylogfile
test('attack: password hashes that name their scheme, Redis ACL hashes and TLS key log secrets are masked', () => {
  const r = createRedactor();
  const cases: Array<[string, string[]]> = [
    [
      'deploy:$6$TDBwOidXQ7MRCwqV$A5LhGbHcfwMu/a/RAFZrXNotAW0fPMwzW6rpRRo8dS6H/j9tno2XMTMvxxAvYUqfRvHHpfcUqmpOPXzh.socT0:20791:0:99999:7:::\nroot:$y$j9T$eeGBFpGgRq1tsnfS37OGN1$FiqKEN16uXklGMG4NMzQlVdrq6ufZQaLH9jHw7thHX1:20791:0:99999:7:::\nbin:*:20228:0:99999:7:::\n',
      ['A5LhGbHcfwMu/a/RAFZrXNotAW0fPMwzW6rpRRo8dS6H', 'FiqKEN16uXklGMG4NMzQlVdrq6ufZQaLH9jHw7thHX1'],
    ],
    [
      '$2b$05$bNMVl98eYWRTys.Mvm/wt.Z.SjzS5cwZAHrTyT.JlnhSNpm1BtBla\n$1$nScfqA12$z5zzM32r4dfQb4YcsoD2N1\n$5$bWzG49e9BhRonDA3$brEro7WW/qrbV4DosDaTywDi3/kXMItLHMqhFxapYI7\nalice:$apr1$bAKQ0iEK$KF3lTPIjDFTAwDIDEW6fO.\ncarol:{SHA}AHzrMNj8DO7d3LYCZFYX+8l8K5o=\n',
      [
        'bNMVl98eYWRTys.Mvm/wt.Z.SjzS5cwZAHrTyT.JlnhSNpm1BtBla',
        'z5zzM32r4dfQb4YcsoD2N1',
        'brEro7WW/qrbV4DosDaTywDi3',
        'KF3lTPIjDFTAwDIDEW6fO.',
        'AHzrMNj8DO7d3LYCZFYX+8l8K5o=',
      ],
    ],
    [
      'app_rw|SCRAM-SHA-256$4096:ZmAcEaldBlFDGx1SfSJU5w==$0mJefAWR1BdhYqT09+LYAgqJCREkDGrSWAWomc7YCGc=:q2010gjlUmij9M8+P4oFesp0BZBa+/YsTjqb5mB1VnM=\nlegacy_md5|md56e7a37416175e3e97ee38717ec94139e\n',
      [
        '0mJefAWR1BdhYqT09+LYAgqJCREkDGrSWAWomc7YCGc=',
        'q2010gjlUmij9M8+P4oFesp0BZBa',
        '6e7a37416175e3e97ee38717ec94139e',
      ],
    ],
    [
      'user appuser on #0d22aedb7098298091e50f5487211cbf2eb963661c5079d266e62fde5a5be130 ~* resetchannels +@all\n',
      ['0d22aedb7098298091e50f5487211cbf2eb963661c5079d266e62fde5a5be130'],
    ],
    [
      'CLIENT_RANDOM b648d3a546fe38bea355abb4d6e3ce322c81b6758175f473704912ef111f77e0 e50ce3588b7c2ea1f646532c1a100222ed5410ae4a779144fce9eeb687a66621cdcb327f6f022149d8e2e67a381fd645\nSERVER_TRAFFIC_SECRET_0 e9e32dd97641f7b97f90d22535470d5efa0cacd002e87b3b6b14058f79c38eb0 5056138d7057328cb10eeb98232249a4274c22417e8383cb6d99b38a3b3853713ea09dd532f5e9ef920d106c477ef7d0\n',
      ['e50ce3588b7c2ea1f646532c1a100222ed5410ae', '5056138d7057328cb10eeb98232249a4274c2241'],
    ],
  ];
  for (const [input, secrets] of cases) {
    const out = r.redactText(input).text;
    for (const s of secrets) assert.ok(!out.includes(s), `${s} readable:\n${out}`);
  }
  const kept = [
    'bin:*:20228:0:99999:7:::\n',
    'price is $5$ per unit\n',
    'md5 checksum 6e7a37416175e3e97ee38717ec94139e\n',
    'CLIENT_RANDOM b648d3a546fe38bea355abb4d6e3ce322c81b6758175f473704912ef111f77e0\n',
    'cost: $1$ and $2$\n',
  ];
  for (const line of kept) assert.equal(r.redactText(line).text, line);
});
