import type { Command } from 'commander';
import { usage } from './common.js';

/** `glovebox redact`: stdin to stdout through the product's redaction engine (no gateway needed). */
export function registerRedactCommand(program: Command): void {
  program
    .command('redact')
    .description('redact stdin to stdout with the same engine the product uses')
    .option(
      '--format <text|jsonl>',
      'text: stream as text; jsonl: one JSON document per line, redacted by key and value',
      'text',
    )
    .option('--level <standard|strict>', 'masking level', 'standard')
    .action(async (o: { format: string; level: string }) => {
      if (o.format !== 'text' && o.format !== 'jsonl' && o.format !== 'json')
        usage('--format is text or jsonl');
      if (o.level !== 'standard' && o.level !== 'strict') usage('--level is standard or strict');
      const { createRedactor, idleFlush } = await import('@glovebox/redact');
      const redactor = createRedactor({ level: o.level });
      process.stdin.setEncoding('utf8');
      if (o.format === 'text') {
        const stream = redactor.createStream();
        // `tail -f | glovebox redact`: a line held for a possible fold is written once input pauses
        const idle = idleFlush(() => process.stdout.write(stream.flush()));
        for await (const chunk of process.stdin) {
          process.stdout.write(stream.push(chunk as string));
          idle.touch();
        }
        idle.cancel();
        process.stdout.write(stream.end());
        return;
      }
      let buffer = '';
      const emit = (line: string) => {
        if (!line.trim()) return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          process.stdout.write(`${redactor.redactText(line).text}\n`);
          return;
        }
        process.stdout.write(`${JSON.stringify(redactor.redactValue(value).value)}\n`);
      };
      for await (const chunk of process.stdin) {
        buffer += chunk as string;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          emit(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
        }
      }
      emit(buffer);
    });
}
