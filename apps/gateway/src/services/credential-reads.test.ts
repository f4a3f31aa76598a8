import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenRecord } from '../store/index.js';
import { CredentialReads } from './credential-reads.js';

const token = (revokedAt: number | null): TokenRecord => ({
  id: 'tok_1',
  userId: 'usr_1',
  kind: 'session',
  hash: 'h1',
  createdAt: 0,
  expiresAt: 10_000,
  revokedAt,
  mfaAt: null,
  label: null,
  loginId: null,
});

/** A store whose token reads answer what `answer` holds when they are answered. */
function fakeStore() {
  const state = { reads: 0, answer: token(null), release: null as null | (() => void) };
  const store = {
    getTokenByHash: async () => {
      state.reads++;
      if (state.release === null) return state.answer;
      const seen = state.answer;
      await new Promise<void>((resolve) => (state.release = resolve));
      return seen;
    },
    getTokenById: async () => null,
    getUserById: async () => null,
  };
  return { state, store };
}

test('a token is read once while the credential generation stays the same', async () => {
  const { state, store } = fakeStore();
  const reads = new CredentialReads(store);
  for (let i = 0; i < 3; i++) assert.equal((await reads.at('g1').tokenByHash('h1'))?.revokedAt, null);
  assert.equal(state.reads, 1);
  state.answer = token(5);
  assert.equal((await reads.at('g2').tokenByHash('h1'))?.revokedAt, 5, 'a new generation reads again');
  assert.equal(state.reads, 2);
});

test('attack: a read answered before a revocation is kept after a check saw the revocation', async () => {
  const { state, store } = fakeStore();
  const reads = new CredentialReads(store);
  // A check at g1 reads the token; the answer (not revoked) is in flight...
  state.release = () => undefined;
  const slow = reads.at('g1').tokenByHash('h1');
  await new Promise((r) => setImmediate(r));
  // ...the revocation commits (g2) and another check reads it...
  state.answer = token(5);
  const release = state.release;
  state.release = null;
  assert.equal((await reads.at('g2').tokenByHash('h1'))?.revokedAt, 5);
  // ...then the old answer arrives: it must not replace what g2 read.
  release();
  assert.equal((await slow)?.revokedAt, null, 'the slow check gets what it read');
  assert.equal((await reads.at('g2').tokenByHash('h1'))?.revokedAt, 5);
});

test('kept records cannot be changed by whoever reads them', async () => {
  const { store } = fakeStore();
  const reads = new CredentialReads(store);
  const first = (await reads.at('g1').tokenByHash('h1'))!;
  assert.throws(() => {
    (first as { revokedAt: number | null }).revokedAt = 1;
  }, TypeError);
});
