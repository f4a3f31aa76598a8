/** What is wrong with a trail. */
export type VerifyProblem =
  | 'changed'
  | 'missing'
  | 'inserted'
  | 'reordered'
  | 'bad-signature'
  | 'unknown-key'
  | 'truncated'
  | 'rolled-back'
  | 'malformed'
  | 'unreadable';

/** The verdict of a verification, shaped for a CLI (`--json` prints it as is). */
export interface VerifyReport {
  ok: boolean;
  /** Events verified before the first problem (all of them when ok). */
  events: number;
  /** Checkpoints verified before the first problem. */
  checkpoints: number;
  /** Seq and hash of the last verified event. */
  headSeq: number;
  headHash: string;
  /** Verified events after the last verified checkpoint: protected by the chain only. */
  unsignedTail: number;
  /** Where the public keys came from: passed by the caller, or read from the export itself. */
  keys: 'provided' | 'embedded';
  /** The witnessed head the trail was held against, when there was one. */
  witnessSeq?: number;
  /** Every event with a lower seq verified; the trail is in doubt from here on. */
  firstBadSeq?: number;
  problem?: VerifyProblem;
  /** When not ok: `GBX_AUDIT_ROLLED_BACK` for a trail behind a witnessed head, else `GBX_AUDIT_VERIFY_FAILED`. */
  code?: 'GBX_AUDIT_ROLLED_BACK' | 'GBX_AUDIT_VERIFY_FAILED';
  /** 1-based line of the export (or position in the store) where the problem was found. */
  line?: number;
  message: string;
}

/** How far a verification has come; reported while it runs. */
export interface VerifyProgress {
  events: number;
  headSeq: number;
}

/** A problem as the verifier records it, before it becomes a report. */
export interface Verdict {
  problem: VerifyProblem;
  firstBadSeq?: number;
  line?: number;
  message: string;
}

/**
 * A head that was witnessed outside the store: the trail must reach `seq` and hold `hash` there.
 * A trail that stops short is `rolled-back`; one that holds another event there is `changed`.
 */
export interface WitnessedHead {
  seq: number;
  hash: string;
}

/**
 * Reads a head written as `SEQ:HASH` (what `audit verify --head` takes); null when it is not one.
 *
 * @example
 * parseWitnessedHead('1042:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
 */
export function parseWitnessedHead(text: string): WitnessedHead | null {
  const match = /^([1-9][0-9]{0,15}):([0-9a-f]{64})$/.exec(text);
  if (match === null) return null;
  const seq = Number(match[1]);
  return Number.isSafeInteger(seq) ? { seq, hash: match[2]! } : null;
}

/** Options shared by the export and store verifiers. */
export interface VerifyCommonOptions {
  /** Heads witnessed outside the store (a witness file, a sink, an earlier export, the writer). */
  witnesses?: readonly WitnessedHead[];
  /** Called every `progressEvery` events (default 50,000) with how far verification has come. */
  onProgress?: (progress: VerifyProgress) => void;
  progressEvery?: number;
}
