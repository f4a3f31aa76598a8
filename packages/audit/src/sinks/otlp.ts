import type { SignedCheckpoint } from '../checkpoint.js';
import type { ChainedEvent } from '../event.js';
import {
  formatCheckpoint,
  formatEvent,
  postJson,
  SerialQueue,
  type AuditSink,
  type SinkFormat,
} from './sink.js';

/** Configuration of an {@link OtlpSink}. */
export interface OtlpSinkConfig {
  name: string;
  /** Collector base URL (`http://collector:4318`) or the full `/v1/logs` URL. */
  endpoint: string;
  headers?: Record<string, string>;
  serviceName?: string;
  format?: SinkFormat;
  timeoutMs?: number;
}

const OTLP_SEVERITY = { I: [9, 'INFO'], W: [13, 'WARN'], E: [17, 'ERROR'] } as const;

type AnyValue = { stringValue: string } | { intValue: string } | { boolValue: boolean };

function attribute(key: string, value: string | number | boolean): { key: string; value: AnyValue } {
  if (typeof value === 'number') return { key, value: { intValue: String(value) } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  return { key, value: { stringValue: value } };
}

function checkpointRecord(head: SignedCheckpoint, format: SinkFormat): Record<string, unknown> {
  const nanos = `${BigInt(Date.parse(head.time)) * 1_000_000n}`;
  return {
    timeUnixNano: nanos,
    observedTimeUnixNano: nanos,
    severityNumber: OTLP_SEVERITY.I[0],
    severityText: OTLP_SEVERITY.I[1],
    eventName: 'audit.checkpoint',
    body: { stringValue: JSON.stringify(formatCheckpoint(head, format)) },
    attributes: [
      attribute('glovebox.checkpoint.seq', head.seq),
      attribute('glovebox.checkpoint.head_hash', head.headHash),
      attribute('glovebox.checkpoint.key_id', head.keyId),
    ],
  };
}

/** The OTLP/HTTP JSON `ExportLogsServiceRequest` for a batch (and the signed head after it). */
export function toOtlpLogs(
  batch: readonly ChainedEvent[],
  serviceName: string,
  format: SinkFormat,
  head?: SignedCheckpoint,
): Record<string, unknown> {
  return {
    resourceLogs: [
      {
        resource: { attributes: [attribute('service.name', serviceName)] },
        scopeLogs: [
          {
            scope: { name: 'glovebox.audit', version: '1' },
            logRecords: [
              ...batch.map((event) => {
                const [severityNumber, severityText] = OTLP_SEVERITY[event.severity];
                const nanos = `${BigInt(Date.parse(event.time)) * 1_000_000n}`;
                const attributes = [
                  attribute('glovebox.event.id', event.id),
                  attribute('glovebox.event.seq', event.seq),
                  attribute('glovebox.event.type', event.type),
                  attribute('glovebox.event.outcome', event.outcome),
                  attribute('glovebox.actor.kind', event.actor.kind),
                  attribute('glovebox.actor.id', event.actor.id),
                ];
                if (event.sessionId !== undefined)
                  attributes.push(attribute('glovebox.session.id', event.sessionId));
                if (event.action !== undefined) attributes.push(attribute('glovebox.action', event.action));
                if (event.target !== undefined) attributes.push(attribute('glovebox.target', event.target));
                if (event.decision !== undefined)
                  attributes.push(attribute('glovebox.decision.allowed', event.decision.allowed));
                return {
                  timeUnixNano: nanos,
                  observedTimeUnixNano: nanos,
                  severityNumber,
                  severityText,
                  eventName: event.type,
                  body: { stringValue: JSON.stringify(formatEvent(event, format)) },
                  attributes,
                };
              }),
              ...(head === undefined ? [] : [checkpointRecord(head, format)]),
            ],
          },
        ],
      },
    ],
  };
}

/**
 * Sends events as OpenTelemetry log records over OTLP/HTTP with the JSON encoding.
 *
 * @example
 * new OtlpSink({ name: 'otel', endpoint: 'http://otel-collector:4318' });
 */
export class OtlpSink implements AuditSink {
  readonly name: string;
  readonly #url: string;
  readonly #config: OtlpSinkConfig;
  readonly #queue = new SerialQueue();

  constructor(config: OtlpSinkConfig) {
    this.name = config.name;
    this.#config = config;
    const base = config.endpoint.replace(/\/+$/, '');
    this.#url = base.endsWith('/v1/logs') ? base : `${base}/v1/logs`;
  }

  deliver(batch: readonly ChainedEvent[], head?: SignedCheckpoint): Promise<void> {
    return this.#queue.run(async () => {
      if (batch.length === 0 && head === undefined) return;
      const body = JSON.stringify(
        toOtlpLogs(batch, this.#config.serviceName ?? 'glovebox', this.#config.format ?? 'native', head),
      );
      // A partial success (some records rejected) is final per the OTLP spec: retrying would not help.
      await postJson(
        this.#url,
        body,
        this.#config.headers ?? {},
        this.#config.timeoutMs ?? 10_000,
        `OTLP sink ${this.name}`,
      );
    });
  }
}
