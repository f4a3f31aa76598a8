import { createHash, type Hash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { GloveboxError, newId, type Clock } from '@glovebox/core';
import type { Redactor } from '@glovebox/redact';
import { HeapSnapshotFilter } from './heap-filter.js';

/** What the gateway knows about a stored artifact (a redacted heap snapshot). */
export interface ArtifactRecord {
  id: string;
  sessionId: string;
  /** The user who took it. */
  actor: string;
  action: string;
  sha256: string;
  bytes: number;
  createdAt: number;
  /** Deleted after this time; `keep` false: also after the first complete download. */
  expiresAt: number;
  keep: boolean;
  /** Downloadable only once the result event holding its hash is durable. */
  released: boolean;
}

export interface HeapArtifactsConfig {
  dir: string;
  clock: Clock;
  /** Largest artifact accepted; the call fails past it. */
  maxBytes: number;
  /** How long an artifact that policy does not keep waits for its one download. */
  unkeptTtlMs: number;
}

const progressPiece = z
  .object({
    kind: z.literal('progress'),
    phase: z.enum(['capture', 'send']),
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
  })
  .strict();
const chunkPiece = z
  .object({
    kind: z.literal('chunk'),
    seq: z.number().int().nonnegative(),
    text: z.string().max(4 * 1024 * 1024),
  })
  .strict();

/** Progress as the client sees it: numbers only. */
export type HeapProgress = z.infer<typeof progressPiece>;

/**
 * Redacted heap snapshots held by the gateway: spooled to files (0600) in the data directory while an
 * agent streams them, checked and redacted again on the way in, released only after the audit
 * event with their hash is durable, and deleted after their one download or when policy's
 * retention (`@keepArtifacts`) ends.
 */
export class HeapArtifacts {
  readonly #c: HeapArtifactsConfig;
  readonly #records = new Map<string, ArtifactRecord>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(config: HeapArtifactsConfig) {
    this.#c = config;
  }

  /** Creates the folder, forgets artifacts never released and deletes expired ones. */
  start(): void {
    const config = this.#c;
    mkdirSync(config.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(config.dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        const record = JSON.parse(readFileSync(join(config.dir, name), 'utf8')) as ArtifactRecord;
        if (record.released) this.#records.set(record.id, record);
        else this.#remove(record.id);
      } catch {
        rmSync(join(config.dir, name), { force: true });
      }
    }
    this.sweep();
    this.#sweeper = setInterval(() => this.sweep(), 60_000);
    this.#sweeper.unref();
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  /** Starts receiving one artifact from an agent. */
  begin(meta: {
    sessionId: string;
    actor: string;
    action: string;
    keepSec: number;
    redactor: Redactor;
  }): ArtifactReceiver {
    const id = newId('art');
    return new ArtifactReceiver(this, id, meta, join(this.#c.dir, `${id}.heapsnapshot`), this.#c.maxBytes);
  }

  /** Internal: a receiver finished; the artifact waits for its release. */
  stored(record: ArtifactRecord): void {
    this.#records.set(record.id, record);
  }

  /** Makes an artifact downloadable, after its audit event is durable. */
  release(id: string): ArtifactRecord {
    const record = this.#records.get(id);
    if (!record) throw new GloveboxError('GBX_NOT_FOUND', 'no such artifact');
    const now = this.#c.clock.now();
    record.released = true;
    record.createdAt = now;
    record.expiresAt = now + (record.keep ? record.expiresAt : this.#c.unkeptTtlMs);
    writeFileSync(join(this.#c.dir, `${id}.json`), JSON.stringify(record), { mode: 0o600 });
    return record;
  }

  get(id: string): ArtifactRecord | undefined {
    const r = this.#records.get(id);
    return r?.released && r.expiresAt > this.#c.clock.now() ? r : undefined;
  }

  /** The artifact's bytes; an artifact policy does not keep is deleted once read to the end. */
  open(record: ArtifactRecord, onComplete: () => void): Readable {
    const stream = createReadStream(join(this.#c.dir, `${record.id}.heapsnapshot`));
    stream.on('end', () => {
      onComplete();
      if (!record.keep) this.#remove(record.id);
    });
    return stream;
  }

  /** Deletes expired artifacts. */
  sweep(): void {
    const now = this.#c.clock.now();
    for (const r of this.#records.values()) if (r.expiresAt <= now) this.#remove(r.id);
  }

  #remove(id: string): void {
    this.#records.delete(id);
    rmSync(join(this.#c.dir, `${id}.heapsnapshot`), { force: true });
    rmSync(join(this.#c.dir, `${id}.json`), { force: true });
  }

  /** Internal: drops a failed or unreleased artifact. */
  discard(id: string): void {
    this.#remove(id);
  }
}

/**
 * Receives one snapshot from an agent: pieces in order, progress passed on, chunks checked and
 * redacted again, written to the spool file with a SHA-256 of what the agent sent and of what is kept.
 */
export class ArtifactReceiver {
  readonly id: string;
  readonly #owner: HeapArtifacts;
  readonly #meta: { sessionId: string; actor: string; action: string; keepSec: number };
  readonly #file: WriteStream;
  readonly #filter: HeapSnapshotFilter;
  readonly #input: Hash = createHash('sha256');
  readonly #output: Hash = createHash('sha256');
  readonly #maxBytes: number;
  #seq = 0;
  #bytes = 0;
  #failure: GloveboxError | undefined;

  constructor(
    owner: HeapArtifacts,
    id: string,
    meta: { sessionId: string; actor: string; action: string; keepSec: number; redactor: Redactor },
    path: string,
    maxBytes: number,
  ) {
    this.id = id;
    this.#owner = owner;
    this.#meta = meta;
    this.#maxBytes = maxBytes;
    this.#filter = new HeapSnapshotFilter(meta.redactor);
    this.#file = createWriteStream(path, { mode: 0o600 });
    this.#file.on('error', () => {
      this.#failure ??= new GloveboxError('GBX_INTERNAL', 'the artifact could not be written');
    });
  }

  /** Handles one streamed piece; progress goes to `onProgress`, anything malformed fails the call. */
  accept(data: unknown, onProgress?: (p: HeapProgress) => void): void {
    if (this.#failure) return;
    try {
      const progress = progressPiece.safeParse(data);
      if (progress.success) {
        onProgress?.(progress.data);
        return;
      }
      const chunk = chunkPiece.safeParse(data);
      if (!chunk.success)
        throw new GloveboxError('GBX_HEAP_FORMAT_INVALID', 'the agent sent a malformed piece');
      if (chunk.data.seq !== this.#seq++)
        throw new GloveboxError('GBX_HEAP_FORMAT_INVALID', 'pieces out of order');
      this.#input.update(chunk.data.text, 'latin1');
      this.#write(this.#filter.push(chunk.data.text));
    } catch (error) {
      this.#failure =
        error instanceof GloveboxError
          ? error
          : new GloveboxError('GBX_HEAP_FORMAT_INVALID', 'the snapshot could not be read');
    }
  }

  #write(text: string): void {
    if (text === '') return;
    this.#bytes += Buffer.byteLength(text);
    if (this.#bytes > this.#maxBytes)
      throw new GloveboxError(
        'GBX_REQUEST_TOO_LARGE',
        `the heap snapshot is over the gateway's ${this.#maxBytes} byte limit`,
      );
    this.#output.update(text);
    this.#file.write(text);
  }

  /**
   * Ends the transfer: the agent's own hash must match what arrived; returns the stored record
   * (not yet released) with the gateway's redaction counts.
   */
  async finish(agentSha256: unknown): Promise<{
    record: ArtifactRecord;
    inputSha256: string;
    counts: Record<string, number>;
    changed: number;
  }> {
    try {
      if (this.#failure) throw this.#failure;
      this.#filter.end();
      const inputSha256 = this.#input.digest('hex');
      if (agentSha256 !== inputSha256)
        throw new GloveboxError(
          'GBX_HEAP_FORMAT_INVALID',
          'the snapshot does not match the hash the agent reported',
        );
      await new Promise<void>((resolve, reject) =>
        this.#file.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
      const record: ArtifactRecord = {
        id: this.id,
        sessionId: this.#meta.sessionId,
        actor: this.#meta.actor,
        action: this.#meta.action,
        sha256: this.#output.digest('hex'),
        bytes: this.#bytes,
        createdAt: 0,
        // until release, the retention in ms (release turns it into a time)
        expiresAt: this.#meta.keepSec * 1000,
        keep: this.#meta.keepSec > 0,
        released: false,
      };
      this.#owner.stored(record);
      return { record, inputSha256, counts: this.#filter.counts, changed: this.#filter.changed };
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  abort(): void {
    this.#file.destroy();
    this.#owner.discard(this.id);
  }
}
