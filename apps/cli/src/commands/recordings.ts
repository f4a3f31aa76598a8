import type { Command } from 'commander';
import type { z } from 'zod';
import {
  parseAsciicast,
  playAsciicast,
  type recordingContentSchema,
  type recordingSchema,
} from '@glovebox/protocol';
import { EXIT } from '../client.js';
import { neutraliseLine, TerminalStream } from '../terminal-text.js';
import { table, when } from '../output.js';
import { context, usage } from './common.js';

/** Writes an asciicast v2 recording to the terminal with its timing (idle gaps capped). */
async function play(
  cast: string,
  speed: number,
  maxIdleSec: number,
  write: (text: string) => void,
): Promise<void> {
  const recording = parseAsciicast(cast);
  if ('invalidLine' in recording)
    throw new Error(`not an asciicast v2 recording (line ${recording.invalidLine})`);
  await playAsciicast(recording.events, { write }, { speed, maxIdleMs: maxIdleSec * 1000 });
}

export function registerRecordingCommands(program: Command): void {
  program
    .command('recordings')
    .description('recordings of streamed output (commands, logpoints): yours, or all with audit rights')
    .option('--session <id>', 'only this session')
    .action(async (o: { session?: string }, command: Command) => {
      const { api, out } = context(command);
      const q = o.session ? `?session=${encodeURIComponent(o.session)}` : '';
      const res = await api.call<{ recordings: z.infer<typeof recordingSchema>[] }>('GET', `/recordings${q}`);
      out.result(res.recordings, (recordings) =>
        table(
          ['ID', 'SESSION', 'ACTION', 'BY', 'STARTED', 'CHUNKS', 'BYTES'],
          recordings.map((r) => [r.id, r.sessionId, r.action, r.actor, when(r.createdAt), r.chunks, r.bytes]),
        ),
      );
    });

  program
    .command('play')
    .description('replay a recording in the terminal, after checking it against the audit chain')
    .argument('<id>')
    .option('--speed <n>', 'playback speed factor', '1')
    .option('--max-idle <seconds>', 'cap pauses at this many seconds', '2')
    .option(
      '--raw',
      'replay escape sequences as recorded (by default control characters are shown, not obeyed)',
    )
    .action(async (id: string, o: { speed: string; maxIdle: string; raw?: boolean }, command: Command) => {
      const { api, out } = context(command);
      const speed = Number(o.speed);
      const maxIdle = Number(o.maxIdle);
      if (!(speed > 0) || !(maxIdle >= 0)) usage('--speed must be > 0 and --max-idle ≥ 0');
      const rec = await api.call<z.infer<typeof recordingContentSchema>>(
        'GET',
        `/recordings/${encodeURIComponent(id)}`,
      );
      if (out.machine) {
        out.result(rec, () => '');
      } else {
        if (!rec.verification.ok) out.note(`warning: ${neutraliseLine(rec.verification.message)}`);
        const screen = new TerminalStream();
        await play(rec.cast, speed, maxIdle, (text) =>
          process.stdout.write(o.raw ? text : screen.push(text)),
        );
        if (!o.raw) process.stdout.write(screen.end());
        process.stderr.write(
          `\n(recording ${rec.id}: ${rec.verification.ok ? 'verified against the audit chain' : 'NOT verified'})\n`,
        );
      }
      if (!rec.verification.ok) process.exitCode = EXIT.error;
    });
}
