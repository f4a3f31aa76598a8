import { GloveboxError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `250ms`, `30s`, `15m`, `1h` or `2d` into milliseconds. A number without a unit is refused:
 * `5` could mean five seconds or five minutes, and guessing wrong opens a session of the wrong length.
 * So is a zero duration: every duration here bounds something that must last (a session, a token,
 * a wait), and zero made one that had already ended.
 *
 * @example
 * parseDuration('15m'); // 900000
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d{1,9}$/.test(trimmed))
    throw new GloveboxError(
      'GBX_REQUEST_INVALID',
      `the duration "${trimmed}" has no unit: write ${trimmed}s, ${trimmed}m or ${trimmed}h`,
    );
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(trimmed);
  if (!match)
    throw new GloveboxError(
      'GBX_REQUEST_INVALID',
      `invalid duration "${text.slice(0, 32)}" (use e.g. 30s, 15m, 1h)`,
    );
  const ms = Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000);
  if (ms === 0)
    throw new GloveboxError('GBX_REQUEST_INVALID', `the duration "${trimmed}" is zero: give a positive one`);
  return ms;
}

/** Formats milliseconds as a short human duration: `1h30m`, `45s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''].join('');
}
