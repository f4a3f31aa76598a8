import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRow, Store } from '../store/index.js';
import { storedRecords } from './audit-records.js';

/** Just the two reads `storedRecords` makes, over rows and checkpoints held here. */
function fakeStore(seqs: number[], checkpoints: number[], onOrphanRead?: () => void) {
  const row = (seq: number) => ({ seq, event: `e${seq}` }) as unknown as AuditRow;
  const store = {
    readAuditAfter: async (after: number, limit: number) =>
      seqs
        .filter((s) => s > after)
        .slice(0, limit)
        .map(row),
    readCheckpoints: async (after: number, upto: number) => {
      if (upto === Number.MAX_SAFE_INTEGER) onOrphanRead?.();
      return checkpoints
        .filter((s) => s > after && s <= upto)
        .map((seq) => ({ seq, checkpoint: JSON.stringify({ seq }) }));
    },
  };
  return store as unknown as Store;
}

const shape = async (store: Store) => {
  const out: string[] = [];
  for await (const r of storedRecords(store, 0, 2)) {
    if (r.kind === 'stored') out.push(`e${r.seq}`);
    else if (r.kind === 'checkpoint') out.push(`c${r.checkpoint.seq}`);
  }
  return out;
};

// A live `audit verify` failed in CI: "the trail ends at seq 109 before its checkpoint at seq 110".
// Events 110 and its checkpoint were written between the last page of events and the read of the
// checkpoints past it, which took the new checkpoint for one whose events had been cut away.
test('events and a checkpoint appended while the trail is read are read with it, not as a cut tail', async () => {
  const seqs = [1, 2, 3];
  const checkpoints = [3];
  let appended = false;
  const store = fakeStore(seqs, checkpoints, () => {
    if (appended) return;
    appended = true;
    seqs.push(4, 5);
    checkpoints.push(5);
  });
  assert.deepEqual(await shape(store), ['e1', 'e2', 'e3', 'c3', 'e4', 'e5', 'c5']);
});

test('a checkpoint whose events are gone is still handed to the verifier, after the last event', async () => {
  assert.deepEqual(await shape(fakeStore([1, 2, 3], [3, 5])), ['e1', 'e2', 'e3', 'c3', 'c5']);
});
