import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { canonicalJson } from '@glovebox/protocol';
import type { SignedCheckpoint } from './checkpoint.js';
import type { AuditColumns } from './columns.js';
import type { ChainedEvent } from './event.js';
import { GENESIS_HASH } from './event.js';
import type { AuditPublicKey } from './keys.js';
import { each } from './each.js';

/** Name in the header line of every export. */
export const EXPORT_FORMAT = 'glovebox-audit-export';
/** Version of the export format this library writes. It reads versions 1 and 2. */
export const EXPORT_VERSION = 2;

/**
 * One item of a trail in order: an event (as an object, or as the canonical text a store keeps,
 * with the store's search columns), or a checkpoint placed right after the event it signs.
 */
export type AuditRecord =
  | { kind: 'event'; event: ChainedEvent }
  | { kind: 'stored'; seq: number; text: string; columns?: Partial<AuditColumns> }
  | { kind: 'checkpoint'; checkpoint: SignedCheckpoint };

/** First line of an export. */
export interface ExportHeader {
  kind: 'header';
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  createdAt: string;
  publicKeys: AuditPublicKey[];
  /**
   * The latest head the exporter had witnessed outside its store when it wrote the export: the
   * trail in the file must reach it (since version 2).
   */
  witness: SignedCheckpoint | null;
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

/** Options of {@link writeExport}. */
export interface WriteExportOptions {
  publicKeys: readonly AuditPublicKey[];
  createdAt?: string;
  witness?: SignedCheckpoint | null;
}

const FLUSH_AT = 256 * 1024;
const HASH_MEMBER = ',"hash":"';

/** The hash of a stored event text: its top-level `hash` member is the last one in canonical form. */
function hashOfStored(text: string): string {
  const at = text.lastIndexOf(HASH_MEMBER);
  return at < 0 ? '' : text.slice(at + HASH_MEMBER.length, at + HASH_MEMBER.length + 64);
}

/**
 * Writes an export as JSON lines: a header (format, version, public keys, witnessed head), then
 * each record in order (events as canonical JSON), then an end line. Honours backpressure; does
 * not end `out`.
 *
 * @example
 * await writeExport(store.records(), fileStream, { publicKeys: ring.publicKeys(), witness });
 */
export async function writeExport(
  records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>,
  out: Writable,
  options: WriteExportOptions,
): Promise<ExportSummary> {
  const header: ExportHeader = {
    kind: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    createdAt: options.createdAt ?? new Date().toISOString(),
    publicKeys: [...options.publicKeys],
    witness: options.witness ?? null,
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
  for await (const record of each(records)) {
    if (record.kind === 'checkpoint') {
      pending += `{"kind":"checkpoint","checkpoint":${JSON.stringify(record.checkpoint)}}\n`;
      summary.checkpoints++;
    } else {
      const text = record.kind === 'stored' ? record.text : canonicalJson(record.event);
      pending += `{"kind":"event","event":${text}}\n`;
      summary.events++;
      summary.headSeq = record.kind === 'stored' ? record.seq : record.event.seq;
      summary.headHash = record.kind === 'stored' ? hashOfStored(record.text) : record.event.hash;
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
  options: WriteExportOptions,
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
