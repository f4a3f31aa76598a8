import { GloveboxError } from './errors.js';

/** Minutes east of UTC in force at an instant (`-new Date(ms).getTimezoneOffset()` for local time). */
export type UtcOffsetAt = (ms: number) => number;

const DAY = 86_400_000;
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY };
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function invalid(text: string, why: string): GloveboxError {
  return new GloveboxError(
    'GBX_REQUEST_INVALID',
    `invalid time "${text.slice(0, 40)}": ${why} (use e.g. 1h, 2d, yesterday, 2026-12-01 or 2026-12-01T09:00:00+01:00)`,
  );
}

/** Epoch ms of a calendar date and time read as UTC; null when a field is out of range (Feb 30, 24:00). */
function utcOf(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | null {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  const same =
    back.getUTCFullYear() === y &&
    back.getUTCMonth() === mo - 1 &&
    back.getUTCDate() === d &&
    back.getUTCHours() === h &&
    back.getUTCMinutes() === mi &&
    back.getUTCSeconds() === s;
  return same ? ms : null;
}

/** The instant a local calendar day starts, with the offset in force at that instant (DST-safe). */
function startOfLocalDay(wallMidnight: number, offsetAt: UtcOffsetAt): number {
  const guess = wallMidnight - offsetAt(wallMidnight) * 60_000;
  return wallMidnight - offsetAt(guess) * 60_000;
}

/**
 * Reads a point in time as people write it for a search, into epoch milliseconds:
 * `now`; a span back from now (`90s`, `15m`, `1h`, `2d`, `1w`, optionally followed by `ago`);
 * `today` or `yesterday` (the start of that local day); a date `2026-12-01` (its local start);
 * or an RFC 3339 time with its offset (`2026-12-01T09:00:00+01:00`, `…Z`, fractions allowed).
 * A date-time without an offset is refused: guessing its zone silently moves a search by hours.
 *
 * @example
 * parseTimeSpec('1h', Date.parse('2026-12-04T10:00:00Z')); // Date.parse('2026-12-04T09:00:00Z')
 */
export function parseTimeSpec(text: string, now: number, offsetAt: UtcOffsetAt = () => 0): number {
  const t = text.trim().toLowerCase();
  if (t === 'now') return now;
  const span = /^(\d{1,6})\s*([smhdw])(?:\s+ago)?$/.exec(t);
  if (span) return now - Number(span[1]) * UNITS[span[2]!]!;
  if (t === 'today' || t === 'yesterday') {
    const local = new Date(now + offsetAt(now) * 60_000);
    const midnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
    return startOfLocalDay(midnight - (t === 'yesterday' ? DAY : 0), offsetAt);
  }
  const date = DATE.exec(t);
  if (date) {
    const midnight = utcOf(Number(date[1]), Number(date[2]), Number(date[3]));
    if (midnight === null) throw invalid(text, 'no such date');
    return startOfLocalDay(midnight, offsetAt);
  }
  const m = RFC3339.exec(t);
  if (!m) throw invalid(text, 'not a time');
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  if (!z && !sign) throw invalid(text, 'a date and time needs its offset (Z or +01:00)');
  const wall = utcOf(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (wall === null) throw invalid(text, 'a field is out of range');
  if (Number(oh) > 23 || Number(om) > 59) throw invalid(text, 'the offset is out of range');
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  const millis = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  return wall + millis - offset * 60_000;
}

/** The local UTC offset of this process, for `parseTimeSpec` where the reader sits (the CLI). */
export const localOffsetAt: UtcOffsetAt = (ms) => -new Date(ms).getTimezoneOffset();
