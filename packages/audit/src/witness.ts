import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { dirname } from 'node:path';
import { GloveboxError } from '@glovebox/core';
import { signedCheckpointSchema, verifyCheckpointSignature, type SignedCheckpoint } from './checkpoint.js';
import { forEachLine } from './verify/lines.js';

/** Configuration of a {@link WitnessFile}. */
export interface WitnessFileConfig {
  /** The live file; when it grows past `maxBytes` it becomes `<path>.1` (the previous one is dropped). */
  path: string;
  /** Default 8 MiB: about 30,000 heads. */
  maxBytes?: number;
}

const TAIL_BYTES = 64 * 1024;

/** The checkpoint a line carries, if any: export/witness lines, OCSF sink lines, export headers. */
function checkpointOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record.kind === 'checkpoint') return record.checkpoint;
  if (record.kind === 'header') return record.witness ?? undefined;
  const unmapped = record.unmapped as { glovebox?: { checkpoint?: unknown } } | undefined;
  return unmapped?.glovebox?.checkpoint;
}

function parseCheckpointLine(text: string): SignedCheckpoint | null {
  if (!text.includes('"checkpoint"') && !text.includes('"witness"')) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = signedCheckpointSchema.safeParse(checkpointOf(value));
  return parsed.success ? parsed.data : null;
}

/** Highest-seq checkpoint among whole lines of `text`; a torn last line is ignored. */
function latestIn(text: string): SignedCheckpoint | null {
  let best: SignedCheckpoint | null = null;
  for (const line of text.split('\n')) {
    const checkpoint = parseCheckpointLine(line);
    if (checkpoint !== null && (best === null || checkpoint.seq > best.seq)) best = checkpoint;
  }
  return best;
}

async function readTail(path: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * The audit head witnessed outside the store: a local append-only file of signed checkpoints
 * (one JSON line each, the same shape as an export's checkpoint lines). The gateway appends every
 * checkpoint it signs and, on start, refuses a store that is behind or beside the latest one.
 *
 * @example
 * const witness = new WitnessFile({ path: '/var/lib/glovebox/keys/audit-witness.jsonl' });
 * await witness.append(checkpoint);
 * const latest = await witness.latest();
 */
export class WitnessFile {
  readonly path: string;
  readonly #maxBytes: number;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(config: WitnessFileConfig) {
    this.path = config.path;
    this.#maxBytes = config.maxBytes ?? 8 * 1024 * 1024;
    if (!Number.isSafeInteger(this.#maxBytes) || this.#maxBytes < 4096)
      throw new TypeError('maxBytes must be at least 4096');
  }

  /**
   * The witnessed head with the highest seq (the live file, else its predecessor), or null when
   * nothing was ever witnessed. Throws `GBX_AUDIT_WITNESS_INVALID` when the file exists but holds
   * no readable head.
   */
  async latest(): Promise<SignedCheckpoint | null> {
    for (const path of [this.path, `${this.path}.1`]) {
      let text: string | null;
      try {
        text = await readTail(path);
      } catch {
        throw new GloveboxError('GBX_AUDIT_WITNESS_INVALID', `the audit witness file ${path} cannot be read`);
      }
      if (text === null || text.length === 0) continue;
      const latest = latestIn(text);
      if (latest === null)
        throw new GloveboxError(
          'GBX_AUDIT_WITNESS_INVALID',
          `the audit witness file ${path} holds no signed head`,
        );
      return latest;
    }
    return null;
  }

  /** Appends a signed head and syncs it to disk; rotates first when the file is full. */
  append(checkpoint: SignedCheckpoint): Promise<void> {
    const line = `${JSON.stringify({ kind: 'checkpoint', checkpoint })}\n`;
    const run = this.#tail.then(() => this.#write(line));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Moves the file aside (kept, never deleted) so a fresh witness can start: the recovery step. */
  async archive(suffix: string): Promise<string | null> {
    const target = `${this.path}.${suffix}`;
    try {
      await rename(this.path, target);
      return target;
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return null;
      throw error;
    }
  }

  async #write(line: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const size = await stat(this.path).then(
      (info) => info.size,
      () => 0,
    );
    if (size > 0 && size + line.length > this.#maxBytes) await rename(this.path, `${this.path}.1`);
    const handle = await open(this.path, 'a', 0o600);
    try {
      await handle.appendFile(line);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
}

/** Where a witnessed head was read from, and the head. */
export interface ReadHead {
  head: SignedCheckpoint;
  /** Signed heads found in the file; those that did not verify were skipped. */
  found: number;
  skipped: number;
}

/**
 * Reads the latest signed head from any file that carries them: a witness file, an export, or
 * the output of a file sink (native or OCSF). With `keys`, heads whose signature does not verify
 * are skipped. Returns null when the file holds none.
 *
 * @example
 * const read = await readWitnessedHead('/var/log/glovebox/audit.jsonl', ring.verificationKeys());
 * const report = await verifyExport(file, { witnesses: read ? [{ seq: read.head.seq, hash: read.head.headHash }] : [] });
 */
export async function readWitnessedHead(
  source: string | AsyncIterable<Uint8Array | string>,
  keys?: ReadonlyMap<string, KeyObject>,
): Promise<ReadHead | null> {
  let best: SignedCheckpoint | null = null;
  let found = 0;
  let skipped = 0;
  const stream =
    typeof source === 'string' ? createReadStream(source, { highWaterMark: 1024 * 1024 }) : source;
  try {
    await forEachLine(stream, 1024 * 1024, (text) => {
      const checkpoint = text === null ? null : parseCheckpointLine(text);
      if (checkpoint === null) return true;
      if (keys !== undefined && verifyCheckpointSignature(checkpoint, keys) !== 'ok') {
        skipped++;
        return true;
      }
      found++;
      if (best === null || checkpoint.seq > best.seq) best = checkpoint;
      return true;
    });
  } finally {
    if (typeof source === 'string') (stream as ReturnType<typeof createReadStream>).destroy();
  }
  return best === null ? null : { head: best, found, skipped };
}
