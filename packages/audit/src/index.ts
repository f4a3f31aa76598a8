export {
  AUDIT_EVENT_TYPES,
  AUDIT_SEVERITIES,
  GENESIS_HASH,
  MAX_DETAILS_BYTES,
  MAX_DETAILS_DEPTH,
  MAX_EVENT_BYTES,
  auditEventInputSchema,
  chainedEventSchema,
  chainEvent,
  linkEvent,
  prepareEvent,
  computeEventHash,
  isJsonData,
  parseChainedEvent,
  type AuditEventInput,
  type AuditEventType,
  type AuditSeverity,
  type ChainedEvent,
  type ChainHead,
  type PreparedEvent,
} from './event.js';
export {
  AuditKeyring,
  auditKeyId,
  auditPublicKeySchema,
  exportPublicKey,
  generateAuditKey,
  parsePublicKey,
  publicKeyMap,
  type AuditPublicKey,
  type AuditSigningKey,
} from './keys.js';
export {
  CheckpointPolicy,
  checkpointSigningBytes,
  signCheckpoint,
  signedCheckpointSchema,
  verifyCheckpointSignature,
  type CheckpointClaim,
  type CheckpointPolicyConfig,
  type CheckpointSignatureCheck,
  type SignedCheckpoint,
} from './checkpoint.js';
export {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  writeExport,
  writeExportFile,
  type AuditRecord,
  type ExportEnd,
  type ExportHeader,
  type ExportSummary,
  type WriteExportOptions,
} from './export-format.js';
export { verifyExport, type VerifyExportOptions } from './verify/export.js';
export { verifyEvents, type VerifyEventsOptions } from './verify/live.js';
export { parseWitnessedHead } from './verify/report.js';
export type {
  VerifyCommonOptions,
  VerifyProblem,
  VerifyProgress,
  VerifyReport,
  WitnessedHead,
} from './verify/report.js';
export { WitnessFile, readWitnessedHead, type ReadHead, type WitnessFileConfig } from './witness.js';
export { auditColumns, columnMismatch, type AuditColumns } from './columns.js';
export { inspectEvent, isChainedEvent, type InspectedEvent } from './event-check.js';
export {
  RecordingHasher,
  splitLines,
  verifyRecording,
  type RecordingChunkDetails,
  type RecordingContext,
  type RecordingReport,
} from './recording.js';
export { SinkDeliveryError, formatEvent, type AuditSink, type SinkFormat } from './sinks/sink.js';
export { OCSF_VERSION, toOcsf } from './sinks/ocsf.js';
export { FileSink, type FileSinkConfig } from './sinks/file.js';
export { SyslogSink, formatSyslogMessage, octetFrame, type SyslogSinkConfig } from './sinks/syslog.js';
export { WebhookSink, type WebhookSinkConfig } from './sinks/webhook.js';
export { OtlpSink, toOtlpLogs, type OtlpSinkConfig } from './sinks/otlp.js';
export {
  SinkDispatcher,
  type SinkCursorStore,
  type SinkDispatcherConfig,
  type SinkStatus,
} from './sinks/dispatcher.js';
export {
  createSinks,
  parseSinksConfig,
  secretRefSchema,
  sinkConfigSchema,
  sinksConfigSchema,
  type SecretRef,
  type SinkConfig,
  type SinkEnvironment,
  type SinksConfig,
} from './sinks/config.js';
