import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SignedCheckpoint } from '../checkpoint.js';
import type { ChainedEvent } from '../event.js';
import {
  formatCheckpoint,
  formatEvent,
  SerialQueue,
  SinkDeliveryError,
  withTimeout,
  type AuditSink,
  type SinkFormat,
} from './sink.js';

/** Configuration of a {@link FileSink}. */
export interface FileSinkConfig {
  name: string;
  /** The live file; rotated files are `<path>.1` (newest) to `<path>.<maxFiles>`. */
  path: string;
  /** Rotate before a write would take the live file past this size. Default 100 MiB. */
  maxBytes?: number;
  /** Rotated files kept. Default 5. */
  maxFiles?: number;
  format?: SinkFormat;
  /** fsync after each batch, so "delivered" means on disk. Default true. */
  fsync?: boolean;
  timeoutMs?: number;
}

/**
 * Appends events as JSON lines to a file (mode 0600), rotating by size. Each delivered head is a
 * line of its own after the events it signs, so the file witnesses the trail's head.
 *
 * @example
 * const sink = new FileSink({ name: 'local-file', path: '/var/log/glovebox/audit.jsonl', maxBytes: 50 * 1024 * 1024 });
 */
export class FileSink implements AuditSink {
  readonly name: string;
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #maxFiles: number;
  readonly #format: SinkFormat;
  readonly #fsync: boolean;
  readonly #timeoutMs: number;
  readonly #queue = new SerialQueue();
  #handle: FileHandle | null = null;
  #size = 0;

  constructor(config: FileSinkConfig) {
    this.name = config.name;
    this.#path = config.path;
    this.#maxBytes = config.maxBytes ?? 100 * 1024 * 1024;
    this.#maxFiles = config.maxFiles ?? 5;
    this.#format = config.format ?? 'native';
    this.#fsync = config.fsync ?? true;
    this.#timeoutMs = config.timeoutMs ?? 10_000;
    if (!Number.isSafeInteger(this.#maxBytes) || this.#maxBytes < 1024)
      throw new TypeError('maxBytes must be at least 1024');
    if (!Number.isSafeInteger(this.#maxFiles) || this.#maxFiles < 1)
      throw new TypeError('maxFiles must be a positive integer');
  }

  deliver(batch: readonly ChainedEvent[], head?: SignedCheckpoint): Promise<void> {
    return this.#queue.run(() =>
      withTimeout(this.#write(batch, head), this.#timeoutMs, `file sink ${this.name}`),
    );
  }

  async close(): Promise<void> {
    await this.#queue.run(async () => {
      await this.#handle?.close();
      this.#handle = null;
    });
  }

  async #write(batch: readonly ChainedEvent[], head: SignedCheckpoint | undefined): Promise<void> {
    if (batch.length === 0 && head === undefined) return;
    let text = batch.map((event) => `${JSON.stringify(formatEvent(event, this.#format))}\n`).join('');
    if (head !== undefined) text += `${JSON.stringify(formatCheckpoint(head, this.#format))}\n`;
    const bytes = Buffer.byteLength(text);
    try {
      let handle = await this.#open();
      if (this.#size > 0 && this.#size + bytes > this.#maxBytes) {
        await this.#rotate();
        handle = await this.#open();
      }
      await handle.appendFile(text);
      this.#size += bytes;
      if (this.#fsync) await handle.datasync();
    } catch (error) {
      await this.#handle?.close().catch(() => undefined);
      this.#handle = null;
      const code = (error as { code?: unknown }).code;
      throw new SinkDeliveryError(
        `file sink ${this.name} could not write${typeof code === 'string' ? ` (${code})` : ''}`,
      );
    }
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle) return this.#handle;
    await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
    const handle = await open(this.#path, 'a', 0o600);
    this.#size = (await stat(this.#path)).size;
    this.#handle = handle;
    return handle;
  }

  async #rotate(): Promise<void> {
    await this.#handle?.close();
    this.#handle = null;
    await rm(`${this.#path}.${this.#maxFiles}`, { force: true });
    for (let i = this.#maxFiles - 1; i >= 1; i--) {
      await rename(`${this.#path}.${i}`, `${this.#path}.${i + 1}`).catch((error: { code?: string }) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    await rename(this.#path, `${this.#path}.1`);
  }
}
