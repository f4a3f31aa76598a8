import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ClassTotals } from '@glovebox/agent';
import { GloveboxError } from '@glovebox/core';
import type { ApiClient } from '../client.js';
import { table, type Output } from '../output.js';
import { printRedactions, runAction } from './actions.js';
import { context, localOutput, outFileOption, resolveSession, usage } from './common.js';

// The heap snapshot reader loads only for the commands that read a snapshot.
const snapshotTools = () => import('@glovebox/agent');

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/** Shows capture and transfer progress on stderr (never on stdout, which --json owns). */
function progress(out: Output): (data: unknown) => void {
  let last = '';
  return (data) => {
    const p = data as { kind?: string; phase?: string; done?: number; total?: number };
    if (p.kind !== 'progress' || out.machine || !process.stderr.isTTY) return;
    const text =
      p.phase === 'capture'
        ? `capturing… ${p.total ? Math.floor(((p.done ?? 0) / p.total) * 100) : 0}%`
        : `redacted and sent ${mb(p.done ?? 0)}`;
    if (text !== last) process.stderr.write(`\r${text}   `);
    last = text;
  };
}

/** Downloads an artifact to `file`, checking the SHA-256 the audit trail holds. */
async function download(
  api: ApiClient,
  session: string,
  artifact: { id: string; sha256: string },
  file: string,
): Promise<number> {
  const body = await api.send(
    'GET',
    `/sessions/${encodeURIComponent(session)}/artifacts/${encodeURIComponent(artifact.id)}`,
  );
  if ((body.statusCode ?? 500) >= 400) throw await api.errorOf(body);
  const partial = `${file}.partial`;
  const hash = createHash('sha256');
  let bytes = 0;
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  await pipeline(body, createWriteStream(partial, { mode: 0o600 }));
  if (hash.digest('hex') !== artifact.sha256) {
    rmSync(partial, { force: true });
    throw new GloveboxError(
      'GBX_HEAP_FORMAT_INVALID',
      'the downloaded snapshot does not match the SHA-256 in the audit trail',
    );
  }
  renameSync(partial, file);
  return bytes;
}

/** Reads a .heapsnapshot file into per-constructor totals and node ids. */
async function summarize(
  file: string,
): Promise<{ totals: Map<string, ClassTotals>; ids: Map<string, number[]> }> {
  const { SnapshotReader, classTotals } = await snapshotTools();
  const reader = new SnapshotReader();
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }))
      reader.write(chunk as string);
  } catch (error) {
    if (error instanceof GloveboxError) throw error;
    throw new GloveboxError('GBX_USAGE', `cannot read ${file}`);
  }
  const parsed = reader.end();
  const ids = new Map<string, number[]>();
  const totals = classTotals(parsed, (e) => parsed.strings.get(e), ids);
  parsed.strings.wipe();
  return { totals, ids };
}

export function registerHeapCommands(program: Command): void {
  program
    .command('heapsnapshot')
    .description('take a redacted heap snapshot; saves a .heapsnapshot that Chrome DevTools (Memory) opens')
    .argument('[session]', 'session id or target name (default: the current session)')
    .option('--out <file>', 'where to save it (default glovebox-SESSION-TIME.heapsnapshot)')
    .option('--instance <id>', 'which instance, when the target has several (see glovebox targets)')
    .action(async (given: string | undefined, o: { out?: string; instance?: string }, command: Command) => {
      const { api, out } = context(command);
      if (o.out !== undefined) outFileOption(o.out);
      const { id: session } = await resolveSession(api, given);
      const file = o.out ?? `glovebox-${session}-${Date.now()}.heapsnapshot`;
      out.note('taking a heap snapshot (the process pauses while V8 walks its heap)…');
      const one = o.instance ? { instance: o.instance } : undefined;
      const r = await runAction(api, session, 'heapsnapshot', {}, progress(out), one);
      if (!out.machine && process.stderr.isTTY) process.stderr.write('\n');
      const result = r.result as {
        artifact: { id: string; sha256: string; bytes: number };
        pauseMs: number;
        durationMs: number;
      };
      const bytes = await download(api, session, result.artifact, file);
      out.result(
        {
          file,
          bytes,
          sha256: result.artifact.sha256,
          pauseMs: result.pauseMs,
          durationMs: result.durationMs,
          auditEventId: r.auditEventId,
          redactions: r.redactions,
        },
        () =>
          `saved ${file} (${mb(bytes)}, paused ${result.pauseMs} ms; sha256 ${result.artifact.sha256.slice(0, 16)}…, in the audit trail)\n` +
          'open it in Chrome DevTools › Memory › Load',
      );
      printRedactions(out, r);
    });

  program
    .command('heapstats')
    .description('per-constructor counts and sizes, V8 heap spaces and the largest retainers (no values)')
    .argument('[session]', 'session id or target name (default: the current session)')
    .option('--top <n>', 'rows to show', '20')
    .action(async (given: string | undefined, o: { top: string }, command: Command) => {
      const { api, out } = context(command);
      const top = Number(o.top);
      if (!Number.isInteger(top) || top < 1 || top > 100) usage('--top must be a whole number from 1 to 100');
      const { id: session } = await resolveSession(api, given);
      const r = await runAction(api, session, 'heapstats', { top });
      const s = r.result as {
        heap: { usedBytes: number; limitBytes: number };
        constructors: { name: string; count: number; selfBytes: number }[];
        largestRetainers: { name: string; id: number; retainedBytes: number }[];
        spaces: { name: string; usedBytes: number; sizeBytes: number }[];
        pauseMs: number;
      };
      // Constructor names come from the target's code: rendered from the neutralised copy.
      out.result(s, (s) =>
        [
          `heap ${mb(s.heap.usedBytes)} of ${mb(s.heap.limitBytes)}; paused ${s.pauseMs} ms`,
          '',
          table(
            ['constructor', 'count', 'self size'],
            s.constructors.map((c) => [c.name, String(c.count), mb(c.selfBytes)]),
          ),
          '',
          table(
            ['largest retainer', 'id', 'retained'],
            s.largestRetainers.map((x) => [x.name, `@${x.id}`, mb(x.retainedBytes)]),
          ),
          '',
          table(
            ['space', 'used', 'size'],
            s.spaces.map((x) => [x.name, mb(x.usedBytes), mb(x.sizeBytes)]),
          ),
        ].join('\n'),
      );
    });

  program
    .command('heapdiff')
    .description("growth per constructor between two .heapsnapshot files (the leak hunter's first question)")
    .argument('<before>')
    .argument('<after>')
    .option('--top <n>', 'rows to show', '20')
    .action(async (before: string, after: string, o: { top: string }, command: Command) => {
      const out = localOutput(command);
      const { diffSnapshots } = await snapshotTools();
      const rows = diffSnapshots(await summarize(before), await summarize(after)).slice(
        0,
        Number(o.top) || 20,
      );
      const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
      out.result({ growth: rows }, ({ growth }) =>
        table(
          ['constructor', '# before', '# after', '# delta', '+ new', '- freed', 'size delta'],
          growth.map((g) => [
            g.name,
            String(g.countBefore),
            String(g.countAfter),
            signed(g.countDelta),
            String(g.added),
            String(g.removed),
            `${g.bytesDelta > 0 ? '+' : ''}${mb(g.bytesDelta)}`,
          ]),
        ),
      );
    });
}
