import type { KeyObject } from 'node:crypto';
import type { ChainedEvent, ChainHead } from '../event.js';
import type { AuditRecord } from '../export-format.js';
import { isObject, toKeyMap } from './export.js';
import type { VerifyCommonOptions, VerifyReport } from './report.js';
import { TrailVerifier } from './trail-verifier.js';
import { each } from '../each.js';

/** Options of {@link verifyEvents}. */
export interface VerifyEventsOptions extends VerifyCommonOptions {
  /** The head the store reports; a trail that stops short of it is truncated. */
  expectedHead?: ChainHead;
  /** Verify only what follows this known-good head (the records start right after it). */
  from?: ChainHead;
}

function feed(verifier: TrailVerifier, record: AuditRecord | ChainedEvent, position: number): void {
  if (!isObject(record)) {
    verifier.event(record, position);
    return;
  }
  switch ((record as { kind?: unknown }).kind) {
    case 'checkpoint':
      verifier.checkpoint((record as { checkpoint: unknown }).checkpoint, position);
      return;
    case 'event':
      verifier.event((record as { event: unknown }).event, position);
      return;
    case 'stored': {
      const stored = record as Extract<AuditRecord, { kind: 'stored' }>;
      let value: unknown;
      try {
        value = JSON.parse(stored.text);
      } catch {
        value = undefined;
      }
      verifier.event(value, position, stored.text, stored.columns);
      return;
    }
    default:
      verifier.event(record, position);
  }
}

/**
 * Verifies a trail as a store yields it, in seq order: events (as objects, or as stored text
 * with the store's search columns, each compared with the hashed event) and checkpoints placed
 * right after the event they sign.
 *
 * @example
 * const report = await verifyEvents(store.records(), ring.verificationKeys(), { expectedHead, witness });
 */
export async function verifyEvents(
  records: AsyncIterable<AuditRecord | ChainedEvent> | Iterable<AuditRecord | ChainedEvent>,
  publicKeys: Iterable<unknown> | ReadonlyMap<string, KeyObject>,
  options: VerifyEventsOptions = {},
): Promise<VerifyReport> {
  const verifier = new TrailVerifier(toKeyMap(publicKeys), options);
  let position = 0;
  try {
    for await (const record of each(records)) {
      position++;
      feed(verifier, record, position);
      if (verifier.settled) break;
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    verifier.fail({
      problem: 'unreadable',
      message: `the trail cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
    });
  }
  verifier.endOfInput(position + 1);
  const expected = options.expectedHead;
  if (expected !== undefined && !verifier.settled) {
    if (expected.seq > verifier.lastSeq) {
      verifier.fail({
        problem: 'truncated',
        firstBadSeq: verifier.lastSeq + 1,
        message: `the trail stops at seq ${verifier.lastSeq} but the store's head is seq ${expected.seq}`,
      });
    } else if (expected.seq === verifier.lastSeq && expected.hash !== verifier.lastHash) {
      verifier.fail({
        problem: 'changed',
        firstBadSeq: verifier.lastSeq,
        message: `the event at seq ${verifier.lastSeq} does not match the store's head hash`,
      });
    }
  }
  verifier.checkWitness();
  return verifier.report('provided');
}
