import { runRedact } from './commands/redact-run.js';
import type { RedactOptions } from './commands/redact-run.js';
import { neutraliseLine } from './terminal-text.js';

/**
 * The options of `glovebox redact …` when every argument is one this path understands
 * (`--format`/`--level` with a valid value, spaced or with `=`); undefined for anything else
 * (help, a bad value, an unknown or global option), which the full program then handles.
 */
export function fastRedactOptions(args: readonly string[]): RedactOptions | undefined {
  if (args[0] !== 'redact') return undefined;
  const o: RedactOptions = { format: 'text', level: 'standard' };
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    // json runs the full program: input that is not JSON is a usage error, reported as such.
    if (name === '--format' && (value === 'text' || value === 'jsonl')) o.format = value;
    else if (name === '--level' && (value === 'standard' || value === 'strict')) o.level = value;
    else return undefined;
  }
  return o;
}

/**
 * Runs `glovebox redact` without loading the command framework when `fastRedactOptions` accepts
 * the arguments; false when the full program must run instead. A failure is reported as the full
 * program reports an unexpected one (exit 1, `GBX_INTERNAL`, no stack).
 */
export async function redactFast(args: readonly string[]): Promise<boolean> {
  const options = fastRedactOptions(args);
  if (options === undefined) return false;
  try {
    await runRedact(options);
  } catch (error) {
    const message = error instanceof Error ? error.message : 'unexpected failure';
    process.stderr.write(`error: ${neutraliseLine(message)} (GBX_INTERNAL)\n`);
    process.exitCode = 1;
  }
  return true;
}
