export {
  loadHostAgentConfig,
  parseHostAgentConfig,
  compileArgPattern,
  COMMAND_CLASSES,
  type HostAgentConfig,
  type TargetConfig,
  type ExecTargetConfig,
  type PostgresTargetConfig,
  type CommandSpec,
  type CommandClass,
  type ArgRule,
  type SecretRef,
  type SandboxMode,
} from './config.js';
export { resolveSecret } from './secrets.js';
export { classifyCommand, type CommandClassification } from './exec/command-classifier.js';
export { detectHostTools, type HostTools } from './exec/launcher.js';
export {
  createExecModule,
  type ExecModule,
  type ExecModuleOptions,
  type ExecResult,
  type ExecOutputEvent,
  type KillReason,
} from './exec/exec-module.js';
export {
  RecordingWriter,
  readRecording,
  listRecordings,
  recordingPath,
  type Recording,
  type RecordingRef,
  type RecordingChunk,
  type RecordingMeta,
  type RecordingSummary,
} from './recording.js';
export {
  createPostgresModule,
  maskRows,
  type PostgresModule,
  type PostgresModuleOptions,
  type QueryResult,
} from './sql/postgres-module.js';
export type { ResultColumn } from './sql/pg-executor.js';
export { createHostModules, type HostModules } from './host-modules.js';
export { createHostAgent, type HostAgent } from './host-agent.js';
export { closeOwnInspector } from './own-inspector.js';
export type { HostRedactor, RedactorFactory, RedactionStream, RedactionCounts } from './redactor.js';
