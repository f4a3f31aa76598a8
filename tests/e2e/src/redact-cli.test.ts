import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from './harness.js';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

test('glovebox redact masks stdin to stdout with the product engine', async () => {
  const input = [
    '2026-11-29T04:00:00Z GET /orders/ord_123 user=jane.doe@example.com',
    `Authorization: Bearer ${JWT}`,
    'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY trace=4bf92f3577b34da6a3ce929d0e0e4736',
    '',
  ].join('\n');
  const r = await cli(['redact'], {}, input);
  assert.equal(r.code, 0, r.stderr);
  for (const secret of ['jane.doe@example.com', JWT.slice(0, 40), 'wJalrXUtnFEMI'])
    assert.ok(!r.stdout.includes(secret), secret);
  for (const kept of ['2026-11-29T04:00:00Z', 'ord_123', '4bf92f3577b34da6a3ce929d0e0e4736'])
    assert.ok(r.stdout.includes(kept), kept);
});

test('glovebox redact --format jsonl masks by key and by value, line by line', async () => {
  const input = `${JSON.stringify({ user: 'ann', password: 'hunter2', contact: { email: 'ann@example.org' }, id: 7 })}\nnot json ann@example.org\n`;
  const r = await cli(['redact', '--format', 'jsonl'], {}, input);
  assert.equal(r.code, 0, r.stderr);
  const [first, second] = r.stdout.trim().split('\n');
  const doc = JSON.parse(first!) as {
    user: string;
    password: string;
    contact: { email: string };
    id: number;
  };
  assert.equal(doc.user, 'ann');
  assert.equal(doc.id, 7);
  assert.notEqual(doc.password, 'hunter2');
  assert.notEqual(doc.contact.email, 'ann@example.org');
  assert.ok(!second!.includes('ann@example.org'));
});

test('glovebox redact rejects bad flags with exit 2', async () => {
  assert.equal((await cli(['redact', '--format', 'xml'], {}, '')).code, 2);
  assert.equal((await cli(['redact', '--level', 'lax'], {}, '')).code, 2);
});
