import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { SignedCheckpoint } from './checkpoint.js';
import type { ChainedEvent } from './event.js';
import { GENESIS_HASH } from './event.js';
import type { AuditPublicKey } from './keys.js';

/** Name in the header line of every export. */
export const EXPORT_FORMAT = 'glovebox-audit-export';
/** Version of the export format this library writes and reads. */
export const EXPORT_VERSION = 1;

/** One item of a trail in order: an event, or a checkpoint placed right after the event it signs. */
export type AuditRecord =
  { kind: 'event'; event: ChainedEvent } | { kind: 'checkpoint'; checkpoint: SignedCheckpoint };

/** First line of an export. */
export interface ExportHeader {
  kind: 'header';
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  createdAt: string;
  publicKeys: AuditPublicKey[];
}

/** Last line of an export: what was written, so a cut-off file is told apart from a whole one. */
export interface ExportEnd {
  kind: 'end';
  events: number;
  checkpoints: number;
  headSeq: number;
  headHash: string;
}

/** What {@link writeExport} wrote. */
export interface ExportSummary {
  events: number;
  checkpoints: number;
  headSeq: number;
  headHash: string;
  bytes: number;
}

const FLUSH_AT = 256 * 1024;

/**
 * Writes an export as JSON lines: a header (format, version, public keys), then each record in
 * order, then an end line. Honours backpressure; does not end `out`.
 *
 * @example
 * await writeExport(store.records(), fileStream, { publicKeys: ring.publicKeys() });
 */
export async function writeExport(
  records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>,
  out: Writable,
  options: { publicKeys: readonly AuditPublicKey[]; createdAt?: string },
): Promise<ExportSummary> {
  const header: ExportHeader = {
    kind: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    createdAt: options.createdAt ?? new Date().toISOString(),
    publicKeys: [...options.publicKeys],
  };
  let pending = `${JSON.stringify(header)}\n`;
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const text = pending;
    pending = '';
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  const summary = { events: 0, checkpoints: 0, headSeq: 0, headHash: GENESIS_HASH };
  for await (const record of records) {
    if (record.kind === 'event') {
      pending += `{"kind":"event","event":${JSON.stringify(record.event)}}\n`;
      summary.events++;
      summary.headSeq = record.event.seq;
      summary.headHash = record.event.hash;
    } else {
      pending += `{"kind":"checkpoint","checkpoint":${JSON.stringify(record.checkpoint)}}\n`;
      summary.checkpoints++;
    }
    if (pending.length >= FLUSH_AT) await flush();
  }
  const end: ExportEnd = { kind: 'end', ...summary };
  pending += `${JSON.stringify(end)}\n`;
  await flush();
  return { ...summary, bytes };
}

/**
 * Writes an export to `path` atomically (a 0600 temporary file, fsynced, then renamed), so a
 * crash never leaves a half-written file under the final name.
 */
export async function writeExportFile(
  records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>,
  path: string,
  options: { publicKeys: readonly AuditPublicKey[]; createdAt?: string },
): Promise<ExportSummary> {
  const temp = `${path}.${process.pid}.partial`;
  await rm(temp, { force: true });
  const stream = createWriteStream(temp, { flags: 'wx', mode: 0o600 });
  const closed = new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('close', resolve);
  });
  closed.catch(() => undefined);
  try {
    const summary = await Promise.race([
      writeExport(records, stream, options),
      closed.then(() => Promise.reject(new Error('the export file was closed while writing'))),
    ]);
    stream.end();
    await closed;
    const handle = await open(temp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    return summary;
  } catch (error) {
    stream.destroy();
    await rm(temp, { force: true });
    throw error;
  }
}
