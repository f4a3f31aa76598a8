import type { KeyObject } from 'node:crypto';
import { signedCheckpointSchema, verifyCheckpointSignature, type SignedCheckpoint } from '../checkpoint.js';
import { columnMismatch, type AuditColumns } from '../columns.js';
import { GENESIS_HASH, type ChainedEvent } from '../event.js';
import { inspectEvent, type InspectedEvent } from '../event-check.js';
import { diagnose, fits, type Next, type Pending } from './diagnose.js';
import { DeferredEvents, readChainFields, type ChainFields } from './raw-events.js';
import type { Verdict, VerifyCommonOptions, VerifyReport, WitnessedHead } from './report.js';

const DEFAULT_PROGRESS_EVERY = 50_000;

function rawSeq(raw: unknown): number | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const seq = (raw as { seq?: unknown }).seq;
  return typeof seq === 'number' ? seq : undefined;
}

/** Renders an untrusted stored value for a message: JSON, at most 64 characters. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

/**
 * The chain verifier as a state machine fed record by record, shared by the offline (export) and
 * live (store) paths. After the first anomaly it reads a little further to name the tampering.
 */
export class TrailVerifier {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #witnesses = new Map<number, string>();
  #witnessSeq = 0;
  readonly #onProgress: VerifyCommonOptions['onProgress'];
  readonly #progressEvery: number;
  #lastSeq = 0;
  #lastHash = GENESIS_HASH;
  #lastPrevHash = '';
  #events = 0;
  #checkpoints = 0;
  #lastCheckpointSeq = 0;
  #pending: Pending | null = null;
  #verdict: Verdict | null = null;
  readonly #deferred = new DeferredEvents();
  readonly #scratch = { buffer: Buffer.allocUnsafe(4096) };

  constructor(
    keys: ReadonlyMap<string, KeyObject>,
    options: VerifyCommonOptions & { from?: WitnessedHead } = {},
  ) {
    this.#keys = keys;
    if (options.from !== undefined) {
      this.#lastSeq = options.from.seq;
      this.#lastHash = options.from.hash;
      this.#lastCheckpointSeq = options.from.seq;
    }
    for (const witness of options.witnesses ?? []) this.addWitness(witness);
    this.#onProgress = options.onProgress;
    this.#progressEvery = options.progressEvery ?? DEFAULT_PROGRESS_EVERY;
  }

  get settled(): boolean {
    return this.#verdict !== null;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get lastHash(): string {
    return this.#lastHash;
  }

  get checkpointCount(): number {
    return this.#checkpoints;
  }

  get lastCheckpointSeq(): number {
    return this.#lastCheckpointSeq;
  }

  /** Holds the trail against another head witnessed outside the store. */
  addWitness(witness: WitnessedHead): void {
    if (witness.seq < 1) return;
    const known = this.#witnesses.get(witness.seq);
    if (known !== undefined && known !== witness.hash) {
      this.fail({
        problem: 'changed',
        firstBadSeq: witness.seq,
        message: `two witnessed heads disagree about the event at seq ${witness.seq}`,
      });
    }
    this.#witnesses.set(witness.seq, witness.hash);
    this.#witnessSeq = Math.max(this.#witnessSeq, witness.seq);
  }

  /** Records the first problem; an event accepted earlier whose deferred check fails comes first. */
  fail(verdict: Verdict): void {
    if (this.#verdict === null && this.#checkDeferred()) this.#verdict = verdict;
  }

  /**
   * The fast path for an event's canonical bytes `[start, end)`: accepted on its chain fields
   * when it hashes to itself and links on (true); its full validation waits until a checkpoint
   * covers it (then it is not needed) or the input ends. False when anything is unusual: the
   * caller then parses the event and feeds it to {@link TrailVerifier.event}.
   */
  rawEvent(bytes: Buffer, start: number, end: number, line: number): boolean {
    if (this.#verdict || this.#pending) return false;
    const fields = readChainFields(bytes, start, end, this.#scratch);
    if (fields === null || fields.seq !== this.#lastSeq + 1 || fields.prevHash !== this.#lastHash)
      return false;
    const witnessed = this.#witnesses.get(fields.seq);
    if (witnessed !== undefined && witnessed !== fields.hash) return false;
    if (!this.#deferred.add(bytes, start, end, line, fields, this.#events)) {
      if (!this.#checkDeferred()) return true;
      if (!this.#deferred.add(bytes, start, end, line, fields, this.#events)) return false;
    }
    this.#accept(fields);
    return true;
  }

  /** Validates the events accepted on the fast path that no checkpoint covered; false (and the verdict) on the first bad one. */
  #checkDeferred(): boolean {
    const failure = this.#deferred.check();
    if (failure === null) return true;
    const { line, fields } = failure;
    this.#lastSeq = fields.seq - 1;
    this.#lastHash = fields.prevHash;
    this.#events = failure.eventsBefore;
    this.#pending = null;
    this.#verdict = failure.malformed
      ? {
          problem: 'malformed',
          firstBadSeq: fields.seq,
          line,
          message: `line ${line}: an event line does not match the event schema`,
        }
      : {
          problem: 'changed',
          firstBadSeq: fields.seq,
          line,
          message: `line ${line}: event seq ${fields.seq} hashes to itself but is not an event as the gateway writes it (forged)`,
        };
    return false;
  }

  /**
   * An event-shaped value (unvalidated). `text` is the exact text it was parsed from, when the
   * caller has it (hashed as it is when canonical); `columns` are the store's search columns.
   */
  event(raw: unknown, line: number, text?: string, columns?: Partial<AuditColumns>): void {
    if (this.#verdict) return;
    const view = inspectEvent(raw, text);
    if (view === null) {
      const seq = rawSeq(raw);
      this.#malformedOrNext(
        { kind: 'other', ...(seq === undefined ? {} : { seq }) },
        line,
        'an event line does not match the event schema',
      );
      return;
    }
    if (this.#pending) {
      this.#next({ kind: 'event', view }, line);
      return;
    }
    this.#fresh(view, line, columns);
  }

  checkpoint(raw: unknown, line: number): void {
    if (this.#verdict) return;
    const parsed = signedCheckpointSchema.safeParse(raw);
    if (!parsed.success) {
      this.#malformedOrNext(
        { kind: 'other' },
        line,
        'a checkpoint line does not match the checkpoint schema',
      );
      return;
    }
    if (this.#pending) {
      this.#next({ kind: 'checkpoint', seq: parsed.data.seq }, line);
      if (this.#verdict || this.#pending) return;
    }
    this.#checkpoint(parsed.data, line);
  }

  /** A line that is not a record at all. `final` marks an unterminated last line. */
  malformed(line: number, message: string, final: boolean): void {
    if (this.#verdict) return;
    if (this.#pending) {
      this.#next(final ? { kind: 'end' } : { kind: 'other' }, line);
      return;
    }
    const n = this.#lastSeq + 1;
    if (final) {
      this.fail({
        problem: 'truncated',
        firstBadSeq: n,
        line,
        message: `the file is cut off inside line ${line}; the trail stops after seq ${this.#lastSeq}`,
      });
    } else {
      this.fail({ problem: 'malformed', firstBadSeq: n, line, message: `line ${line}: ${message}` });
    }
  }

  /** The end of the input (or an export's end line): settles any pending diagnosis. */
  endOfInput(line: number): void {
    if (this.#verdict || !this.#checkDeferred()) return;
    if (this.#pending) this.#next({ kind: 'end' }, line);
  }

  /** After the last record: a trail that stops short of the witnessed head went backwards. */
  checkWitness(): void {
    if (this.#verdict || this.#lastSeq >= this.#witnessSeq) return;
    this.fail({
      problem: 'rolled-back',
      firstBadSeq: this.#lastSeq + 1,
      message: `the trail stops at seq ${this.#lastSeq} but seq ${this.#witnessSeq} was witnessed outside the store: events were removed or an older copy was restored`,
    });
  }

  report(keys: 'provided' | 'embedded'): VerifyReport {
    if (this.#verdict === null) this.#checkDeferred();
    const base = {
      events: this.#events,
      checkpoints: this.#checkpoints,
      headSeq: this.#lastSeq,
      headHash: this.#lastHash,
      unsignedTail: this.#lastSeq - this.#lastCheckpointSeq,
      keys,
      ...(this.#witnessSeq === 0 ? {} : { witnessSeq: this.#witnessSeq }),
    };
    if (this.#verdict) {
      const { problem, firstBadSeq, line, message } = this.#verdict;
      return {
        ok: false,
        ...base,
        problem,
        code: problem === 'rolled-back' ? 'GBX_AUDIT_ROLLED_BACK' : 'GBX_AUDIT_VERIFY_FAILED',
        ...(firstBadSeq === undefined ? {} : { firstBadSeq }),
        ...(line === undefined ? {} : { line }),
        message,
      };
    }
    const tail =
      base.unsignedTail > 0
        ? `; the last ${base.unsignedTail} event(s) follow the last checkpoint and are protected by the chain only`
        : '';
    const witnessed = this.#witnessSeq === 0 ? '' : `; reaches the witnessed head at seq ${this.#witnessSeq}`;
    return {
      ok: true,
      ...base,
      message: `${this.#events} event(s) and ${this.#checkpoints} checkpoint(s) verified, head seq ${this.#lastSeq}${witnessed}${tail}`,
    };
  }

  #accept(event: ChainFields): void {
    this.#lastSeq = event.seq;
    this.#lastPrevHash = event.prevHash;
    this.#lastHash = event.hash;
    this.#events++;
    if (this.#onProgress !== undefined && this.#events % this.#progressEvery === 0)
      this.#onProgress({ events: this.#events, headSeq: event.seq });
  }

  #fresh(view: InspectedEvent, line: number, columns: Partial<AuditColumns> | undefined): void {
    const n = this.#lastSeq + 1;
    const p = this.#lastHash;
    const e = view.event;
    if (fits(view, n, p)) {
      if (columns !== undefined && !this.#columnsAgree(columns, e, line)) return;
      const witnessed = this.#witnesses.get(e.seq);
      if (witnessed !== undefined && witnessed !== e.hash) {
        this.fail({
          problem: 'changed',
          firstBadSeq: e.seq,
          line,
          message: `the event at seq ${e.seq} is not the one witnessed outside the store: the trail was rewritten up to there`,
        });
        return;
      }
      this.#accept(e);
      return;
    }
    if (!view.selfOk) {
      this.#pending = { type: 'self-bad', n, p, line };
    } else if (this.#lastSeq > 0 && e.hash === this.#lastHash) {
      this.fail({
        problem: 'inserted',
        firstBadSeq: n,
        line,
        message: `line ${line}: event seq ${e.seq} is repeated`,
      });
    } else if (n > 1 && e.seq === n - 1 && e.prevHash === this.#lastPrevHash) {
      this.fail({
        problem: 'inserted',
        firstBadSeq: n - 1,
        line,
        message: `line ${line}: two different events claim seq ${n - 1}`,
      });
    } else if (e.seq === n) {
      this.#pending = { type: 'prev-mismatch', n, p, line };
    } else if (e.seq < n) {
      this.fail({
        problem: 'inserted',
        firstBadSeq: n,
        line,
        message: `line ${line}: an event claiming seq ${e.seq} appears where seq ${n} belongs`,
      });
    } else {
      this.#pending = {
        type: 'jump',
        n,
        line,
        e: { seq: e.seq, hash: e.hash, prevHash: e.prevHash },
        shadowSeq: this.#lastSeq,
        shadowHash: p,
        steps: 0,
      };
    }
  }

  #columnsAgree(columns: Partial<AuditColumns>, event: ChainedEvent, line: number): boolean {
    const mismatch = columnMismatch(columns, event);
    if (mismatch === null) return true;
    this.fail({
      problem: 'changed',
      firstBadSeq: event.seq,
      line,
      message: `the stored column ${mismatch.column} of seq ${event.seq} says ${shown(mismatch.stored)} but the hashed event says ${shown(mismatch.hashed)}: the column was edited`,
    });
    return false;
  }

  #malformedOrNext(next: Next, line: number, message: string): void {
    if (this.#pending) {
      this.#next(next, line);
      return;
    }
    this.fail({
      problem: 'malformed',
      firstBadSeq: this.#lastSeq + 1,
      line,
      message: `line ${line}: ${message}`,
    });
  }

  #checkpoint(cp: SignedCheckpoint, line: number): void {
    const signature = verifyCheckpointSignature(cp, this.#keys);
    if (signature === 'unknown-key') {
      this.fail({
        problem: 'unknown-key',
        firstBadSeq: cp.seq,
        line,
        message: `line ${line}: checkpoint at seq ${cp.seq} is signed with key ${cp.keyId}, which is not among the trusted public keys`,
      });
      return;
    }
    if (signature === 'bad-signature') {
      this.fail({
        problem: 'bad-signature',
        firstBadSeq: cp.seq,
        line,
        message: `line ${line}: the signature of the checkpoint at seq ${cp.seq} does not verify with key ${cp.keyId}`,
      });
      return;
    }
    if (cp.seq <= this.#lastCheckpointSeq || cp.seq < this.#lastSeq) {
      this.fail({
        problem: 'reordered',
        firstBadSeq: cp.seq,
        line,
        message: `line ${line}: checkpoint for seq ${cp.seq} is out of place (after seq ${this.#lastSeq})`,
      });
      return;
    }
    if (cp.seq > this.#lastSeq) {
      this.#pending = { type: 'checkpoint-ahead', n: this.#lastSeq + 1, line, cpSeq: cp.seq };
      return;
    }
    if (cp.headHash !== this.#lastHash) {
      this.fail({
        problem: 'changed',
        firstBadSeq: cp.seq,
        line,
        message: `line ${line}: the chain does not match the signed checkpoint at seq ${cp.seq}: an event after seq ${this.#lastCheckpointSeq} and up to ${cp.seq} was changed and the chain re-hashed`,
      });
      return;
    }
    this.#checkpoints++;
    this.#lastCheckpointSeq = cp.seq;
    this.#deferred.clear();
  }

  #next(next: Next, line: number): void {
    const pending = this.#pending;
    if (pending === null) return;
    const step = diagnose(pending, next, line);
    if ('verdict' in step) {
      this.#pending = null;
      this.fail(step.verdict);
    } else {
      this.#pending = step.pending;
    }
  }
}
