import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId, newSecret } from './ids.js';

test('ids drawn across many blocks of pooled randomness are well-formed and never repeat', () => {
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  for (let i = 0; i < 20_000; i++) {
    const id = newId('evt');
    assert.match(id, /^evt_[0-9a-hjkmnp-tv-z]{16}$/);
    seen.add(id);
    for (const ch of id.slice(4)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  assert.equal(seen.size, 20_000);
  // 320,000 characters over 32 symbols: each near 10,000 (a stuck or reused block would skew it)
  assert.equal(counts.size, 32);
  for (const [ch, n] of counts) assert.ok(n > 9_000 && n < 11_000, `${ch}: ${n}`);
});

test('secrets are not drawn from the ids pool: 256 bits each, base64url', () => {
  const a = newSecret('gbx_t');
  assert.match(a, /^gbx_t_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, newSecret('gbx_t'));
});
