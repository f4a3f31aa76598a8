// Builders shared by this package's tests and benchmarks; not part of the public entry.
import { Writable } from 'node:stream';
import { signCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import { chainEvent, type AuditEventInput, type ChainedEvent } from './event.js';
import { writeExport, type AuditRecord } from './export-format.js';
import type { AuditKeyring } from './keys.js';

const START = Date.parse('2026-01-01T00:00:00.000Z');

/** A plausible, varied event input for position `i`. */
export function sampleInput(i: number): AuditEventInput {
  const kinds = [
    'action.intent',
    'action.result',
    'session.started',
    'request.created',
    'auth.login',
  ] as const;
  const type = kinds[i % kinds.length]!;
  return {
    type,
    time: new Date(START + i * 1000).toISOString(),
    actor: { kind: i % 7 === 0 ? 'agent' : 'user', id: `user-${i % 13}` },
    sessionId: `ses_${(i % 5).toString().padStart(4, '0')}`,
    action: 'snapshot',
    target: 'payments-api',
    decision: {
      allowed: true,
      determiningPolicies: ['oncall-can-snapshot'],
      policyVersion: 'v42',
      reasons: ['on-call'],
    },
    outcome: i % 11 === 0 ? 'failure' : 'success',
    details: { bytes: i * 17, redacted: { email: i % 3, jwt: i % 2 }, variables: ['order', 'user.id'] },
  };
}

/** Chains `count` sample events, placing a checkpoint after every `checkpointEvery`-th one. */
export function buildTrail(
  count: number,
  ring: AuditKeyring,
  options: { checkpointEvery?: number; rotateAt?: number; input?: (i: number) => AuditEventInput } = {},
): { records: AuditRecord[]; events: ChainedEvent[] } {
  const records: AuditRecord[] = [];
  const events: ChainedEvent[] = [];
  let head: ChainedEvent | null = null;
  const every = options.checkpointEvery ?? 10;
  for (let i = 1; i <= count; i++) {
    head = chainEvent(head, (options.input ?? sampleInput)(i), `evt_${i.toString().padStart(8, '0')}`);
    events.push(head);
    records.push({ kind: 'event', event: head });
    if (options.rotateAt === i) ring.rotate(head.time);
    if (i % every === 0) {
      records.push({
        kind: 'checkpoint',
        checkpoint: signCheckpoint({ seq: head.seq, headHash: head.hash, time: head.time }, ring.active),
      });
    }
  }
  return { records, events };
}

/** Writes an export to a string. */
export async function exportToString(
  records: AuditRecord[],
  ring: AuditKeyring,
  witness: SignedCheckpoint | null = null,
): Promise<string> {
  const parts: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      parts.push(chunk.toString('utf8'));
      callback();
    },
  });
  await writeExport(records, sink, {
    publicKeys: ring.publicKeys(),
    createdAt: '2026-01-01T00:00:00.000Z',
    witness,
  });
  return parts.join('');
}

/** Yields `text` in chunks of `size` bytes, to exercise line splitting across chunk edges. */
export async function* inChunks(text: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  for (let start = 0; start < bytes.length; start += size) {
    await Promise.resolve();
    yield bytes.subarray(start, start + size);
  }
}

/** The dispatcher's store interface over an array, as the gateway's store implements it over a table. */
export class MemoryCursorStore {
  readonly events: ChainedEvent[] = [];
  readonly cursors = new Map<string, number>();
  #head: ChainedEvent | null = null;

  append(count: number): ChainedEvent[] {
    const added: ChainedEvent[] = [];
    for (let i = 0; i < count; i++) {
      const seq = (this.#head?.seq ?? 0) + 1;
      this.#head = chainEvent(this.#head, sampleInput(seq), `evt_${seq.toString().padStart(8, '0')}`);
      this.events.push(this.#head);
      added.push(this.#head);
    }
    return added;
  }

  readAfter(seq: number, limit: number): Promise<ChainedEvent[]> {
    return Promise.resolve(this.events.filter((event) => event.seq > seq).slice(0, limit));
  }

  getCursor(sink: string): Promise<number> {
    return Promise.resolve(this.cursors.get(sink) ?? 0);
  }

  setCursor(sink: string, seq: number): Promise<void> {
    this.cursors.set(sink, seq);
    return Promise.resolve();
  }

  headSeq(): Promise<number> {
    return Promise.resolve(this.#head?.seq ?? 0);
  }
}

/** Polls `condition` until it holds; fails after `timeoutMs` (a deadline, not a timing assertion). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
