/** Options of `glovebox redact`, already checked. */
export interface RedactOptions {
  format: 'text' | 'jsonl' | 'json';
  level: 'standard' | 'strict';
}

/**
 * stdin to stdout through the redaction engine. Imports nothing but `@glovebox/redact`, so the
 * fast path (../redact-fast.ts) and the registered command share it.
 */
export async function runRedact(o: RedactOptions): Promise<void> {
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
}
