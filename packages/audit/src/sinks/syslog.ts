import { hostname as osHostname } from 'node:os';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
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

/** Configuration of a {@link SyslogSink}. */
export interface SyslogSinkConfig {
  name: string;
  host: string;
  port: number;
  transport: 'tcp' | 'tls';
  /** TLS options: `ca` (PEM) to trust a private CA, `servername`, client `cert`/`key`. Certificates are always verified. */
  tls?: Pick<ConnectionOptions, 'ca' | 'servername' | 'cert' | 'key'>;
  /** RFC 5424 facility, 0-23. Default 13 (log audit). */
  facility?: number;
  appName?: string;
  hostname?: string;
  format?: SinkFormat;
  timeoutMs?: number;
  /**
   * Bytes of recently sent frames kept to resend on the next connection after one is lost.
   * Default 1 MiB: more than what a dead peer's socket buffers can have swallowed.
   */
  resendWindowBytes?: number;
}

/** Private enterprise number reserved for documentation (RFC 5612), naming our structured data. */
const SD_ID = 'glovebox@32473';
const SYSLOG_SEVERITY = { I: 6, W: 4, E: 3 } as const;

function printable(value: string, max: number): string {
  const cleaned = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return cleaned.length === 0 ? '-' : cleaned;
}

function sdValue(value: string): string {
  return value.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

/**
 * One RFC 5424 message for an event. MSGID is the event type; structured data carries the event
 * id and seq so receivers can drop duplicates; MSG is the event as JSON.
 */
export function formatSyslogMessage(
  event: ChainedEvent,
  options: { facility: number; appName: string; hostname: string; procId: string; format: SinkFormat },
): string {
  const pri = options.facility * 8 + SYSLOG_SEVERITY[event.severity];
  const sd = `[${SD_ID} id="${sdValue(event.id)}" seq="${event.seq}" type="${sdValue(event.type)}"]`;
  const header = `<${pri}>1 ${event.time} ${printable(options.hostname, 255)} ${printable(options.appName, 48)} ${printable(options.procId, 128)} ${printable(event.type, 32)}`;
  return `${header} ${sd} ${JSON.stringify(formatEvent(event, options.format))}`;
}

/** Frames a message with RFC 6587 octet counting: `<length> <message>`. */
/**
 * One RFC 5424 message for a signed head: MSGID `audit.checkpoint`, structured data with its seq,
 * head hash and key id, MSG the checkpoint as JSON (or OCSF-shaped).
 */
export function formatSyslogCheckpoint(
  head: SignedCheckpoint,
  options: { facility: number; appName: string; hostname: string; procId: string; format: SinkFormat },
): string {
  const pri = options.facility * 8 + SYSLOG_SEVERITY.I;
  const sd = `[${SD_ID} seq="${head.seq}" headHash="${head.headHash}" keyId="${sdValue(head.keyId)}"]`;
  const header = `<${pri}>1 ${head.time} ${printable(options.hostname, 255)} ${printable(options.appName, 48)} ${printable(options.procId, 128)} audit.checkpoint`;
  return `${header} ${sd} ${JSON.stringify(formatCheckpoint(head, options.format))}`;
}

export function octetFrame(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}

/**
 * Sends events as RFC 5424 syslog over TCP or TLS with octet-counting framing. A batch counts as
 * delivered once the socket has flushed it; syslog has no acknowledgement, so prefer the webhook
 * or OTLP sinks where a receiver-side ack matters.
 *
 * @example
 * new SyslogSink({ name: 'siem', host: 'syslog.internal', port: 6514, transport: 'tls', tls: { ca } });
 */
export class SyslogSink implements AuditSink {
  readonly name: string;
  readonly #config: SyslogSinkConfig;
  readonly #options: {
    facility: number;
    appName: string;
    hostname: string;
    procId: string;
    format: SinkFormat;
  };
  readonly #timeoutMs: number;
  readonly #queue = new SerialQueue();
  readonly #resendWindowBytes: number;
  #socket: Socket | null = null;
  #window: string[] = [];
  #windowBytes = 0;
  #everConnected = false;

  constructor(config: SyslogSinkConfig) {
    const facility = config.facility ?? 13;
    if (!Number.isInteger(facility) || facility < 0 || facility > 23)
      throw new TypeError('facility must be 0-23');
    if (!Number.isInteger(config.port) || config.port < 1 || config.port > 65535)
      throw new TypeError('port must be 1-65535');
    this.name = config.name;
    this.#config = config;
    this.#timeoutMs = config.timeoutMs ?? 10_000;
    this.#resendWindowBytes = config.resendWindowBytes ?? 1024 * 1024;
    this.#options = {
      facility,
      appName: config.appName ?? 'glovebox',
      hostname: config.hostname ?? osHostname(),
      procId: String(process.pid),
      format: config.format ?? 'native',
    };
  }

  deliver(batch: readonly ChainedEvent[], head?: SignedCheckpoint): Promise<void> {
    return this.#queue.run(() =>
      withTimeout(this.#send(batch, head), this.#timeoutMs, `syslog sink ${this.name}`, () => this.#drop()),
    );
  }

  async close(): Promise<void> {
    await this.#queue.run(async () => {
      const socket = this.#socket;
      this.#socket = null;
      if (socket && !socket.destroyed) await new Promise<void>((resolve) => socket.end(resolve));
    });
  }

  async #send(batch: readonly ChainedEvent[], head: SignedCheckpoint | undefined): Promise<void> {
    if (batch.length === 0 && head === undefined) return;
    const frames = batch.map((event) => octetFrame(formatSyslogMessage(event, this.#options)));
    if (head !== undefined) frames.push(octetFrame(formatSyslogCheckpoint(head, this.#options)));
    // Let already-arrived FIN/RST events land before deciding whether the socket is still usable.
    await new Promise((resolve) => setImmediate(resolve));
    const { socket, fresh } = await this.#connect();
    // Syslog has no acknowledgement: frames written just before a connection died may be lost in
    // its buffers. Resending the recent window on every reconnect makes delivery at-least-once.
    const resend = fresh && this.#everConnected ? this.#window.join('') : '';
    this.#everConnected = true;
    await new Promise<void>((resolve, reject) => {
      socket.write(resend + frames.join(''), (error) => {
        if (error) {
          this.#drop();
          reject(new SinkDeliveryError(`syslog sink ${this.name} lost its connection`));
        } else resolve();
      });
    });
    for (const frame of frames) {
      this.#window.push(frame);
      this.#windowBytes += frame.length;
    }
    while (this.#windowBytes > this.#resendWindowBytes && this.#window.length > 0) {
      this.#windowBytes -= this.#window.shift()!.length;
    }
  }

  #drop(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }

  #connect(): Promise<{ socket: Socket; fresh: boolean }> {
    const current = this.#socket;
    // A peer that closed its side would swallow our next write, so never reuse such a socket.
    if (current && !current.destroyed && current.writable && !current.readableEnded) {
      return Promise.resolve({ socket: current, fresh: false });
    }
    this.#drop();
    return new Promise<{ socket: Socket; fresh: boolean }>((resolve, reject) => {
      const { host, port } = this.#config;
      const socket: Socket =
        this.#config.transport === 'tls'
          ? tlsConnect({ host, port, ...this.#config.tls, rejectUnauthorized: true }, () => settle(null))
          : netConnect({ host, port }, () => settle(null));
      const timer = setTimeout(
        () => settle(new SinkDeliveryError(`syslog sink ${this.name} could not connect (timeout)`)),
        this.#timeoutMs,
      );
      let settled = false;
      const settle = (error: Error | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeListener('error', onError);
        if (error) {
          socket.destroy();
          reject(error);
          return;
        }
        socket.on('error', () => {
          if (this.#socket === socket) this.#socket = null;
          socket.destroy();
        });
        socket.on('close', () => {
          if (this.#socket === socket) this.#socket = null;
        });
        // Receivers may send nothing; reading keeps 'end' observable.
        socket.resume();
        socket.on('end', () => {
          if (this.#socket === socket) this.#socket = null;
        });
        this.#socket = socket;
        resolve({ socket, fresh: true });
      };
      const onError = (error: NodeJS.ErrnoException): void => {
        const reason =
          error.code ?? (error.message.includes('certificate') ? 'certificate rejected' : 'error');
        settle(new SinkDeliveryError(`syslog sink ${this.name} could not connect (${reason})`));
      };
      socket.once('error', onError);
      socket.setNoDelay(true);
    });
  }
}
