// After the first anomaly the verifier reads a little further to name the tampering: one record,
// a shadow chain up to the anomalous seq, or a scan for the missing seq (ADR 0003, point 5).
import type { InspectedEvent } from '../event-check.js';
import type { Verdict } from './report.js';

/** What the verifier is waiting to see after an anomaly. */
export type Pending =
  | { type: 'self-bad'; n: number; p: string; line: number }
  | { type: 'prev-mismatch'; n: number; p: string; line: number }
  | {
      type: 'jump';
      n: number;
      line: number;
      e: { seq: number; hash: string; prevHash: string };
      shadowSeq: number;
      shadowHash: string;
      steps: number;
    }
  | { type: 'scan'; n: number; line: number; jumpSeq: number }
  | { type: 'checkpoint-ahead'; n: number; line: number; cpSeq: number };

/** A record after the first anomaly, seen only to tell which kind of tampering it was. */
export type Next =
  | { kind: 'event'; view: InspectedEvent }
  | { kind: 'other'; seq?: number }
  | { kind: 'checkpoint'; seq: number }
  | { kind: 'end' };

/** What a diagnosis step concluded: a verdict, a new state to wait in, or keep waiting as is. */
export type Step = { verdict: Verdict } | { pending: Pending | null };

/** True when `view` is the intact event at `seq` linking to `prevHash`. */
export function fits(view: InspectedEvent, seq: number, prevHash: string): boolean {
  return view.selfOk && view.event.seq === seq && view.event.prevHash === prevHash;
}

function afterBadEvent(
  pending: Extract<Pending, { type: 'self-bad' | 'prev-mismatch' }>,
  next: Next,
): Verdict {
  if (next.kind === 'event' && fits(next.view, pending.n, pending.p)) {
    return {
      problem: 'inserted',
      firstBadSeq: pending.n,
      line: pending.line,
      message: `line ${pending.line}: an event that does not belong to the chain was inserted before seq ${pending.n}`,
    };
  }
  if (pending.type === 'self-bad') {
    return {
      problem: 'changed',
      firstBadSeq: pending.n,
      line: pending.line,
      message: `line ${pending.line}: event seq ${pending.n} does not match its hash (changed)`,
    };
  }
  const seq = Math.max(1, pending.n - 1);
  return {
    problem: 'changed',
    firstBadSeq: seq,
    line: pending.line,
    message: `line ${pending.line}: the event at seq ${seq} was changed and re-hashed (its successor links to another hash)`,
  };
}

function afterJump(pending: Extract<Pending, { type: 'jump' }>, next: Next, line: number): Step {
  const atSlot = pending.shadowSeq + 1 === pending.e.seq;
  if (next.kind === 'event' && fits(next.view, pending.shadowSeq + 1, pending.shadowHash)) {
    if (atSlot) {
      return {
        verdict: {
          problem: 'inserted',
          firstBadSeq: pending.n,
          line: pending.line,
          message: `line ${pending.line}: an extra event claiming seq ${pending.e.seq} was inserted before seq ${pending.n}`,
        },
      };
    }
    pending.shadowSeq = next.view.event.seq;
    pending.shadowHash = next.view.event.hash;
    pending.steps++;
    return { pending };
  }
  // The shadow's own checkpoints say nothing about where the jumped event belongs.
  if (next.kind === 'checkpoint' && pending.steps > 0 && (!atSlot || next.seq === pending.shadowSeq))
    return { pending };
  if (pending.steps === 0) {
    return afterScan({ type: 'scan', n: pending.n, line: pending.line, jumpSeq: pending.e.seq }, next, line);
  }
  if (atSlot && pending.e.prevHash === pending.shadowHash) {
    return {
      verdict: {
        problem: 'reordered',
        firstBadSeq: pending.n,
        line: pending.line,
        message: `line ${pending.line}: event seq ${pending.e.seq} was moved before seq ${pending.n}`,
      },
    };
  }
  return {
    verdict: {
      problem: 'inserted',
      firstBadSeq: pending.n,
      line: pending.line,
      message: `line ${pending.line}: an event claiming seq ${pending.e.seq} is out of place before seq ${pending.n}`,
    },
  };
}

function afterScan(pending: Extract<Pending, { type: 'scan' }>, next: Next, line: number): Step {
  const seq = next.kind === 'event' ? next.view.event.seq : next.kind === 'other' ? next.seq : undefined;
  if (seq === pending.n) {
    return {
      verdict: {
        problem: 'reordered',
        firstBadSeq: pending.n,
        line: pending.line,
        message: `line ${pending.line}: seq ${pending.jumpSeq} comes where seq ${pending.n} belongs; seq ${pending.n} appears later (line ${line})`,
      },
    };
  }
  if (next.kind === 'end') {
    const last = pending.jumpSeq - 1;
    const range = last > pending.n ? `seq ${pending.n} to ${last} are` : `seq ${pending.n} is`;
    return {
      verdict: {
        problem: 'missing',
        firstBadSeq: pending.n,
        line: pending.line,
        message: `line ${pending.line}: ${range} missing`,
      },
    };
  }
  return { pending };
}

function afterCheckpointAhead(pending: Extract<Pending, { type: 'checkpoint-ahead' }>, next: Next): Verdict {
  if (next.kind === 'end') {
    return {
      problem: 'truncated',
      firstBadSeq: pending.n,
      line: pending.line,
      message: `line ${pending.line}: the trail ends at seq ${pending.n - 1} before its checkpoint at seq ${pending.cpSeq}`,
    };
  }
  return {
    problem: 'missing',
    firstBadSeq: pending.n,
    line: pending.line,
    message: `line ${pending.line}: events from seq ${pending.n} up to the checkpoint at seq ${pending.cpSeq} are missing`,
  };
}

/** One diagnosis step: the record after an anomaly, at `line`. */
export function diagnose(pending: Pending, next: Next, line: number): Step {
  switch (pending.type) {
    case 'self-bad':
    case 'prev-mismatch':
      return { verdict: afterBadEvent(pending, next) };
    case 'jump':
      return afterJump(pending, next, line);
    case 'scan':
      return afterScan(pending, next, line);
    case 'checkpoint-ahead':
      return { verdict: afterCheckpointAhead(pending, next) };
    default: {
      const unreachable: never = pending;
      throw new TypeError(`unknown pending state ${String(unreachable)}`);
    }
  }
}
