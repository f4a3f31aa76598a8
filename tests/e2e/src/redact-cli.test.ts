import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CLI, cli } from './harness.js';

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

test('attack: glovebox redact masks a secret folded at 8 columns (fold -w 8), in every piece', async () => {
  const key = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
  const line = `STRIPE_KEY=${key} region=eu-west-1`;
  const folded = `${line.match(/.{1,8}/g)!.join('\n')}\nok\n`;
  const r = await cli(['redact'], {}, folded);
  assert.equal(r.code, 0, r.stderr);
  const flat = r.stdout.replace(/\n/g, '');
  for (let i = 0; i + 5 <= key.length; i++) assert.ok(!flat.includes(key.slice(i, i + 5)), r.stdout);
  assert.match(r.stdout, /ok\n$/);
});

test('attack: glovebox redact writes a live input line without waiting for the next one (tail -f)', async () => {
  const child = spawn(process.execPath, [CLI, 'redact'], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // a CLI that holds the line would wait forever: stop it, and the test fails with what it wrote
  const guard = setTimeout(() => child.kill(), 15_000);
  let stdout = '';
  const seen = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) resolve();
    });
    child.on('close', () =>
      reject(new Error(`no line while the input stayed open: ${JSON.stringify(stdout)}`)),
    );
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  // stdin stays open, as behind `tail -f`: the line must come out while more input may follow
  child.stdin.write('user=ann@example.org listening\n');
  try {
    await seen;
  } finally {
    clearTimeout(guard);
  }
  assert.equal(stdout, 'user=[REDACTED:EMAIL] listening\n');
  child.stdin.end('bye\n');
  assert.equal(await closed, 0);
  assert.equal(stdout, 'user=[REDACTED:EMAIL] listening\nbye\n');
});
