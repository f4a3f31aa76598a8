import type { Command } from 'commander';
import { usage } from './common.js';
import { runRedact } from './redact-run.js';

/** `glovebox redact`: stdin to stdout through the product's redaction engine (no gateway needed). */
export function registerRedactCommand(program: Command): void {
  program
    .command('redact')
    .description('redact stdin to stdout with the same engine the product uses')
    .option(
      '--format <text|jsonl|json>',
      'text: stream as text; jsonl: one JSON document per line; json: one JSON document (both redacted by key and value)',
      'text',
    )
    .option('--level <standard|strict>', 'masking level', 'standard')
    .action(async (o: { format: string; level: string }) => {
      if (o.format !== 'text' && o.format !== 'jsonl' && o.format !== 'json')
        usage('--format is text, jsonl or json');
      if (o.level !== 'standard' && o.level !== 'strict') usage('--level is standard or strict');
      await runRedact({ format: o.format, level: o.level });
    });
}
