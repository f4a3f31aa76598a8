/** Options of `glovebox redact`, already checked. */
export interface RedactOptions {
  format: 'text' | 'jsonl' | 'json';
  level: 'standard' | 'strict';
}

/**
 * stdin to stdout through the redaction engine: text as a stream, jsonl line by line, json as one
 * document (read whole, the same document redacted by key and value out). Imports nothing but
 * `@glovebox/redact` until json input fails to parse, so the fast path (../redact-fast.ts) and
 * the registered command share it.
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
  if (o.format === 'json') {
    let input = '';
    for await (const chunk of process.stdin) input += chunk as string;
    let value: unknown;
    try {
      value = JSON.parse(input);
    } catch {
      const { GloveboxError } = await import('@glovebox/core');
      throw new GloveboxError('GBX_USAGE', 'stdin is not one JSON document: use --format jsonl or text');
    }
    process.stdout.write(`${JSON.stringify(redactor.redactValue(value).value, null, 2)}\n`);
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
