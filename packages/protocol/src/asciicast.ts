import { z } from 'zod';

/**
 * asciicast v2, the one recording format of Glovebox (the host agent's command recordings and the
 * gateway's stream recordings): a JSON header line, then one `[seconds, type, data]` line per event.
 * Every line, newline included, is one hashed chunk in the audit trail (`@glovebox/audit`'s
 * `verifyRecording`), so these encoders are the only place lines are written.
 */
export const asciicastHeaderSchema = z.looseObject({
  version: z.literal(2),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  timestamp: z.number().int().nonnegative().optional(),
  command: z.string().optional(),
  title: z.string().optional(),
  glovebox: z
    .object({ sessionId: z.string(), callId: z.string(), target: z.string(), command: z.string() })
    .optional(),
});
export const asciicastEventSchema = z.tuple([z.number().nonnegative(), z.string().min(1), z.string()]);

/** An asciicast v2 header as Glovebox writes and reads it. */
export type AsciicastHeader = z.infer<typeof asciicastHeaderSchema>;
/** `[seconds since start, event type ("o" = output), data]`. */
export type AsciicastEvent = z.infer<typeof asciicastEventSchema>;

/** A parsed asciicast v2 recording. */
export interface Asciicast {
  header: AsciicastHeader;
  events: AsciicastEvent[];
}

/** The header line (with its newline) of a 120×40 recording. */
export function asciicastHeaderLine(header: Omit<AsciicastHeader, 'version' | 'width' | 'height'>): string {
  return `${JSON.stringify({ version: 2, width: 120, height: 40, ...header })}\n`;
}

/** One output event line (with its newline); `seconds` is rounded to milliseconds. */
export function asciicastOutputLine(seconds: number, text: string): string {
  return `${JSON.stringify([Math.max(0, Math.round(seconds * 1000) / 1000), 'o', text])}\n`;
}

/**
 * Parses an asciicast v2 text.
 *
 * @returns the recording, or the 1-based number of the first line that is not valid.
 */
export function parseAsciicast(text: string): Asciicast | { invalidLine: number } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = asciicastHeaderSchema.safeParse(safeJson(lines[0] ?? ''));
  if (!header.success) return { invalidLine: 1 };
  const events: AsciicastEvent[] = [];
  for (let i = 1; i < lines.length; i++) {
    const event = asciicastEventSchema.safeParse(safeJson(lines[i] ?? ''));
    if (!event.success) return { invalidLine: i + 1 };
    events.push(event.data);
  }
  return { header: header.data, events };
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/** Options for {@link playAsciicast}. */
export interface PlayOptions {
  /** Playback speed factor; 2 plays twice as fast. Default 1. */
  speed?: number;
  /** Longest pause between two events, in ms, after the speed factor. Default 2000. */
  maxIdleMs?: number;
  signal?: AbortSignal;
  /** Waits `ms`; injectable so tests do not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Replays output events with their original timing (scaled by `speed`, pauses capped at `maxIdleMs`).
 * Resolves when done or when `signal` aborts.
 *
 * @example
 * await playAsciicast(recording.events, process.stdout, { speed: 2 });
 */
export async function playAsciicast(
  events: readonly AsciicastEvent[],
  out: { write(text: string): unknown },
  options: PlayOptions = {},
): Promise<void> {
  const speed = options.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new TypeError('speed must be a positive number');
  const maxIdleMs = options.maxIdleMs ?? 2000;
  const sleep = options.sleep ?? realSleep;
  let previous = 0;
  for (const [time, type, data] of events) {
    if (options.signal?.aborted) return;
    const wait = Math.min(Math.max(0, (time - previous) * 1000) / speed, maxIdleMs);
    previous = time;
    if (wait > 0) await sleep(wait);
    if (type === 'o') out.write(data);
  }
}
